//! A backup's pass decided without a cluster: what it waits for, the order of its
//! effects, and what a user reads at its end (phase, message, events).

use super::facts::{Effect, Facts, Said};
use super::outcome::{AGENT_WORKING, NEXT_STEP, QUEUED, VERIFYING};
use super::tests::s3_job;
use super::{decide, verify};
use crate::controller::proof::tests::archive;
use crate::controller::step::Seen;
use crate::controller::step::{Again, JobStep, On, ended, message, on_both, told, walk};
use crate::runtime::agent_pod::Agent;
use odoo_model::agent::{BackupReport, Loaded, RestoreReport, RowCounts, VerifyReport};
use odoo_model::backup_job::{BackupVerification, BackupVerify, OdooBackupJobStatus, VerifyResult};
use odoo_model::{
    InstancePhase, JobPhase, OdooBackupJob, OdooInstance, OdooInstanceStatus, Reason,
};

const LOCATION: &str = "s3://backups/shop/20261204T100000Z.zip";

fn sha() -> String {
    "a".repeat(64)
}

fn now() -> k8s_openapi::jiff::Timestamp {
    "2026-12-04T10:00:00Z".parse().expect("time")
}

fn instance(phase: Option<InstancePhase>) -> Option<Box<OdooInstance>> {
    let mut instance = OdooInstance::new("shop", Default::default());
    instance.status = Some(OdooInstanceStatus {
        phase,
        ..Default::default()
    });
    Some(Box::new(instance))
}

fn facts() -> Facts {
    let seen = Seen {
        instance: instance(Some(InstancePhase::Running)),
        now: now(),
        ..Seen::default()
    };
    Facts {
        seen,
        ..Facts::default()
    }
}

fn resolved() -> Facts {
    Facts {
        valid: Some(Box::new(crate::build::sample())),
        ..facts()
    }
}

/// The job as a pass finds it: `status` recorded, asking for `verify`.
fn job(status: OdooBackupJobStatus, verify: BackupVerify) -> OdooBackupJob {
    let mut job = s3_job();
    job.spec.backup.verify = verify;
    job.status = Some(status);
    job
}

/// A backup whose location is fixed and whose Job runs.
fn running() -> OdooBackupJobStatus {
    let mut status = OdooBackupJobStatus {
        location: Some(LOCATION.parse().expect("a location")),
        ..Default::default()
    };
    status.job.phase = Some(JobPhase::Running);
    status
}

/// A backup stored and proven, before its verification.
fn stored() -> OdooBackupJobStatus {
    OdooBackupJobStatus {
        sha256: Some(sha()),
        size_bytes: Some(100),
        row_counts: Some(rows(5)),
        ..running()
    }
}

fn rows(n: i64) -> RowCounts {
    let table = "public.res_partner".to_owned();
    RowCounts::of([(&table, n)])
}

fn report(location: &str) -> BackupReport {
    BackupReport {
        archive: archive(location, 100, &sha()),
        read_back: None,
        row_counts: Some(rows(5)),
    }
}

#[test]
fn a_backup_of_a_missing_instance_fails_at_once() {
    let job = job(Default::default(), BackupVerify::None);
    let f = Facts::default();
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(message(&e), "OdooInstance shop does not exist");
    assert_eq!(e.again, Again::OnChange);
    assert!(e.events.is_empty());
}

#[test]
fn a_backup_queues_behind_an_unsettled_instance_or_another_job() {
    let job = job(Default::default(), BackupVerify::None);
    let mut f = facts();
    f.seen.instance = instance(Some(InstancePhase::Provisioning));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Pending);
    assert_eq!(
        message(&e),
        "queued: waiting for the instance to be initialized and settled (it is Provisioning)"
    );
    assert_eq!(e.again, QUEUED);
    let mut f = facts();
    assert_eq!(decide::step(&job, &f), JobStep::Do(Effect::ReadQueue));
    f.queued = Some(Some("OdooRestoreJob/undo".into()));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Pending);
    assert_eq!(message(&e), "queued: waiting for OdooRestoreJob/undo");
    assert_eq!(e.status.location, None);
}

#[test]
fn the_location_is_recorded_in_a_pass_of_its_own_before_the_job_starts() {
    let job = job(Default::default(), BackupVerify::None);
    let mut f = facts();
    f.queued = Some(None);
    assert_eq!(decide::step(&job, &f), JobStep::Do(Effect::Resolve));
    let f = Facts {
        queued: Some(None),
        ..resolved()
    };
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(
        e.status.location,
        Some(LOCATION.parse().expect("a location"))
    );
    assert_eq!(e.status.odoo_version.as_deref(), Some("18.0"));
    assert_eq!(message(&e), format!("backing up team_a_shop to {LOCATION}"));
    assert_eq!(e.status.job.job_name, None, "no Job is made in this pass");
    assert_eq!(e.again, NEXT_STEP);
}

#[test]
fn the_backups_job_is_started_once_at_the_recorded_location() {
    let job = job(running(), BackupVerify::None);
    let mut f = facts();
    let at: odoo_model::Location = LOCATION.parse().expect("location");
    walk(
        |f| decide::step(&job, f),
        &mut f,
        [
            (Effect::ReadBackup, |f| f.backup = Some(Agent::Missing)),
            (Effect::Resolve, |f| f.valid = resolved().valid),
            (Effect::StartBackup(at), |f| f.started = true),
        ],
    );
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(e.status.job.job_name.as_deref(), Some("nightly-job"));
    assert_eq!(
        e.status.location,
        Some(LOCATION.parse().expect("a location"))
    );
    assert_eq!(e.again, AGENT_WORKING);
    f.started = false;
    f.backup = Some(Agent::Running);
    let e = ended(decide::step(&job, &f));
    assert_eq!((e.phase, e.again), (JobPhase::Running, AGENT_WORKING));
}

#[test]
fn a_status_that_names_no_archive_fails_the_job_before_any_pod() {
    let mut edited = running();
    edited.location = None;
    let job = job(edited, BackupVerify::None);
    let f = Facts {
        backup: Some(Agent::Missing),
        ..resolved()
    };
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(message(&e), "the job records no archive location");
    assert_eq!(told(&e)[0], (On::Job, true, Reason::BackupFailed));
}

#[test]
fn an_agent_that_proves_nothing_fails_the_backup_on_the_job_and_its_instance() {
    let job = job(running(), BackupVerify::None);
    let mut f = facts();
    f.backup = Some(Agent::Ended(Err("the agent exited 1".into())));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        "backup failed: the agent exited 1; logs: kubectl logs job/nightly-job -n prod"
    );
    assert_eq!(told(&e), on_both(true, Reason::BackupFailed));
    assert_eq!(e.again, Again::OnChange);
    // A report of another object than the job's own is no proof, without a look
    // in the bucket.
    f.backup = Some(Agent::Ended(Ok(report("s3://backups/other.zip"))));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        "backup failed: the agent reports s3://backups/other.zip but the job writes s3://backups/shop/20261204T100000Z.zip; logs: kubectl logs job/nightly-job -n prod"
    );
}

#[test]
fn a_proven_backup_is_indexed_before_it_succeeds() {
    let job = job(running(), BackupVerify::None);
    let mut f = facts();
    f.backup = Some(Agent::Ended(Ok(report(LOCATION))));
    assert_eq!(decide::step(&job, &f), JobStep::Do(Effect::CheckStored));
    f.stored = Some(Err(format!("{LOCATION} is not in the bucket")));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        "backup failed: s3://backups/shop/20261204T100000Z.zip is not in the bucket; logs: kubectl logs job/nightly-job -n prod"
    );
    f.stored = Some(Ok("100 bytes, checked in the bucket by the operator".into()));
    let JobStep::Do(Effect::WriteIndex(indexed)) = decide::step(&job, &f) else {
        panic!("the index record comes before the end");
    };
    assert_eq!(indexed.sha256, Some(sha()));
    assert_eq!(indexed.row_counts, Some(rows(5)));
    f.indexed = Some(Ok(()));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(e.status, *indexed, "the record is of the status written");
    assert_eq!(
        message(&e),
        "100 bytes, checked in the bucket by the operator"
    );
    assert!(e.events.is_empty());
    // A refused record is said; the backup still succeeds.
    f.indexed = Some(Err("403 Forbidden".into()));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(
        message(&e),
        "100 bytes, checked in the bucket by the operator; the backup is stored, but its bucket index record is not: 403 Forbidden (kubectl odoo backup list --from-s3 will not show it)"
    );
    assert_eq!(told(&e), [(On::Job, true, Reason::IndexRecordFailed)]);
}

#[test]
fn a_backup_asked_to_be_verified_records_its_proof_first() {
    let job = job(running(), BackupVerify::Archive);
    let mut f = facts();
    f.backup = Some(Agent::Ended(Ok(report(LOCATION))));
    f.stored = Some(Ok("proof".into()));
    let e = ended(decide::step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(message(&e), "stored: proof; verifying it (Archive)");
    assert_eq!(e.status.sha256, Some(sha()));
    assert_eq!(e.again, NEXT_STEP);
}

#[test]
fn a_verification_starts_once_with_its_scratch_database_first() {
    let job_ = job(stored(), BackupVerify::Restore);
    let mut f = facts();
    walk(
        |f| decide::step(&job_, f),
        &mut f,
        [
            (Effect::Resolve, |f| f.valid = resolved().valid),
            (Effect::ReadVerify, |f| f.verify.run = Some(Agent::Missing)),
            (Effect::CreateScratch, |f| f.verify.scratch_made = true),
            (Effect::StartVerify, |f| f.verify.started = true),
        ],
    );
    let e = ended(decide::step(&job_, &f));
    assert_eq!((e.phase, e.again), (JobPhase::Running, VERIFYING));
    assert_eq!(e.status, stored(), "nothing new to record");
    // An archive read back needs no scratch database.
    let archive_ = job(stored(), BackupVerify::Archive);
    f.verify.scratch_made = false;
    f.verify.started = false;
    assert_eq!(
        decide::step(&archive_, &f),
        JobStep::Do(Effect::StartVerify)
    );
}

fn verified(f: &mut Facts, said: Result<Said, String>) {
    f.valid = resolved().valid;
    f.verify.run = Some(Agent::Ended(said));
}

#[test]
fn an_archive_read_back_is_recorded_then_the_job_ends() {
    let job_ = job(stored(), BackupVerify::Archive);
    let mut f = facts();
    let said = VerifyReport {
        archive: archive(LOCATION, 100, &sha()),
        entries: 3,
    };
    verified(&mut f, Ok(Said::Archive(said.clone())));
    assert_eq!(decide::step(&job_, &f), JobStep::Do(Effect::ReadRecorded));
    f.verify.recorded = Some(Some(Box::new(stored())));
    let e = ended(decide::step(&job_, &f));
    assert_eq!((e.phase, e.again), (JobPhase::Running, NEXT_STEP));
    let v = e.status.verified.clone().expect("recorded");
    assert_eq!(
        (v.method, v.result),
        (BackupVerify::Archive, VerifyResult::Passed)
    );
    assert_eq!(v.at.map(|t| t.0), Some(now()));
    assert_eq!(
        message(&e),
        format!(
            "100 bytes, sha256 {}, verified (Archive): read back end to end: 100 bytes, 3 entries with their CRC-32, sha256 matches",
            sha()
        )
    );
    assert_eq!(told(&e), [(On::Job, false, Reason::BackupVerified)]);
    assert_eq!(
        verify::counted(Some(&stored()), &e.status),
        Some(("Archive", true))
    );
    // The next pass ends it, counting nothing again.
    let next = job(e.status.clone(), BackupVerify::Archive);
    let JobStep::Do(Effect::WriteIndex(_)) = decide::step(&next, &facts()) else {
        panic!("a verified backup is indexed, then ends");
    };
    assert_eq!(verify::counted(next.status.as_ref(), &e.status), None);
    // Another object than the one stored fails the job.
    let mut other = said;
    other.archive.size_bytes = 99;
    f.verify.run = Some(Agent::Ended(Ok(Said::Archive(other))));
    let e = ended(decide::step(&job_, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        "the stored backup failed its verification (Archive): the stored object has 99 bytes, the backup recorded 100; logs: kubectl logs job/nightly-verify -n prod"
    );
    assert_eq!(told(&e), on_both(true, Reason::BackupVerifyFailed));
    assert_eq!(
        verify::counted(Some(&stored()), &e.status),
        Some(("Archive", false))
    );
}

#[test]
fn a_verification_already_recorded_past_the_cache_is_not_checked_again() {
    let job_ = job(stored(), BackupVerify::Restore);
    let mut f = facts();
    verified(&mut f, Err("whatever".into()));
    let mut recorded = stored();
    recorded.verified = Some(BackupVerification {
        method: BackupVerify::Restore,
        at: None,
        result: VerifyResult::Passed,
        message: "restored".into(),
    });
    f.verify.recorded = Some(Some(Box::new(recorded)));
    let e = ended(decide::step(&job_, &f));
    assert_eq!((e.phase, e.again), (JobPhase::Running, Again::OnChange));
    assert_eq!(
        e.status,
        stored(),
        "nothing is written over the stored outcome"
    );
    assert!(e.events.is_empty());
    f.verify.recorded = Some(None);
    assert_eq!(ended(decide::step(&job_, &f)).again, Again::OnChange);
}

fn restored() -> RestoreReport {
    RestoreReport {
        archive: archive(LOCATION, 100, &sha()),
        loaded: Loaded::default(),
    }
}

#[test]
fn a_scratch_database_is_counted_then_dropped_then_the_result_recorded() {
    let job_ = job(stored(), BackupVerify::Restore);
    let mut f = facts();
    verified(&mut f, Ok(Said::Restore(restored())));
    f.verify.recorded = Some(Some(Box::new(stored())));
    assert_eq!(decide::step(&job_, &f), JobStep::Do(Effect::CountScratch));
    f.verify.loaded = Some(Ok(rows(5)));
    assert_eq!(decide::step(&job_, &f), JobStep::Do(Effect::DropScratch));
    f.verify.dropped = true;
    let e = ended(decide::step(&job_, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(
        message(&e),
        format!(
            "100 bytes, sha256 {}, verified (Restore): restored into a scratch database: 1 tables and 5 rows, equal to the dump's snapshot table by table",
            sha()
        )
    );
    f.verify.loaded = Some(Ok(rows(4)));
    let e = ended(decide::step(&job_, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        "the stored backup failed its verification (Restore): the restored database has 1 tables and 4 rows, the dump's snapshot had 1 tables and 5 rows (per-table digests 89bb23ace52ee14350472a5833a346989e92dd36794702e56a4060c59f312e7c and e4f7393292b0bbb978677555976426ec2484b17a63a75a59b754328da8360361); logs: kubectl logs job/nightly-verify -n prod"
    );
    // A load the agent did not finish is not counted, but its scratch database goes.
    let mut f = facts();
    verified(&mut f, Err("the load failed".into()));
    f.verify.recorded = Some(Some(Box::new(stored())));
    assert_eq!(decide::step(&job_, &f), JobStep::Do(Effect::DropScratch));
    f.verify.dropped = true;
    let e = ended(decide::step(&job_, &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        "the stored backup failed its verification (Restore): the load failed; logs: kubectl logs job/nightly-verify -n prod"
    );
}
