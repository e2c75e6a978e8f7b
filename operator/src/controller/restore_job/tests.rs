//! The restore's decisions, pass by pass, without a cluster: what the user sees
//! (phase, message, events) and which effect comes next.

use crate::controller::step::Seen;
use odoo_model::Reason;
use odoo_model::agent::{Archive, Loaded, RestoreReport};
use odoo_model::restore_job::{OdooRestoreJobStatus, RestoreStep};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob};

use super::pass::*;
use super::runs::OdooRun;
use super::step;
use crate::controller::restore_plan::{Source, Unusable};
pub(super) use crate::controller::step::message;
use crate::controller::step::{Again, Ending, JobStep, On};
pub(super) use crate::controller::step::{ended, on_both, told};
use crate::runtime::agent_pod::Agent;
use crate::runtime::batch::Outcome;

pub(super) fn restore(previous: &str, status: Option<OdooRestoreJobStatus>) -> OdooRestoreJob {
    let mut job: OdooRestoreJob = serde_json::from_value(serde_json::json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
        "metadata": { "name": "r", "namespace": "team-a", "uid": "uid-r" },
        "spec": { "instanceRef": { "name": "shop" }, "previousDatabase": previous,
            "source": { "pvc": { "claimName": "uploads", "path": "k.zip" } } },
    }))
    .expect("a restore job");
    job.status = status;
    job
}

/// The job recorded at `step`, with its temporary and kept names.
pub(super) fn at(step: RestoreStep) -> OdooRestoreJob {
    let mut status = OdooRestoreJobStatus {
        step: Some(step),
        location: Some("/backup/k.zip".parse().expect("a location")),
        temporary_database: Some("team_a_shop_restoring_1".into()),
        previous_database_name: Some("team_a_shop_pre_restore_1".into()),
        ..Default::default()
    };
    status.job.phase = Some(JobPhase::Running);
    status.job.message = Some("recorded".into());
    restore("Keep", Some(status))
}

pub(super) fn instance(phase: Option<InstancePhase>) -> OdooInstance {
    let mut instance = crate::build::sample_instance();
    instance.status = Some(odoo_model::instance::OdooInstanceStatus {
        phase,
        ..Default::default()
    });
    instance
}

/// What a pass knows once the instance (Running) is read and resolved.
pub(super) fn resolved() -> Facts {
    let seen = Seen {
        instance: Some(Box::new(instance(Some(InstancePhase::Running)))),
        now: "2026-01-02T03:04:05Z".parse().expect("a time"),
        ..Seen::default()
    };
    Facts {
        seen,
        valid: Some(Box::new(crate::build::sample())),
        ..Facts::default()
    }
}

/// Failed with `RestoreFailed` on the job and the instance, saying the message.
/// A failure with a temporary database made: the step asks to drop it, then
/// fails the restore with `said`.
pub(super) fn discards_then_fails(job: &OdooRestoreJob, mut f: Facts, said: &str) {
    assert_eq!(step(job, &f), JobStep::Do(Effect::Discard));
    f.discarded = true;
    let e = ended(step(job, &f));
    assert_failed(&e);
    assert_eq!(message(&e), said);
}

pub(super) fn assert_failed(e: &Ending<OdooRestoreJobStatus>) {
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(e.status.step, None, "a finished restore has no step");
    assert_eq!(e.again, Again::OnChange);
    assert_eq!(told(e), on_both(true, Reason::RestoreFailed));
    assert!(e.events.iter().all(|n| n.text == message(e)));
}

#[test]
fn a_restore_of_a_missing_instance_fails_without_events() {
    let e = ended(step(&restore("Keep", None), &Facts::default()));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(message(&e), "OdooInstance shop does not exist");
    assert!(e.events.is_empty());
}

#[test]
fn a_restore_waits_its_turn_then_records_what_it_loads_before_making_anything() {
    let job = restore("Keep", None);
    let mut f = resolved();
    f.seen.instance = Some(Box::new(instance(None)));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Pending);
    assert_eq!(
        message(&e),
        "queued: waiting for the instance to be initialized and settled (it is new)"
    );
    assert_eq!(e.again, Again::After(QUEUED));

    let mut f = resolved();
    f.valid = None;
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadQueue));
    f.queued = Some(Some("OdooBackupJob b to finish".into()));
    let e = ended(step(&job, &f));
    assert_eq!(message(&e), "queued: waiting for OdooBackupJob b to finish");
    f.queued = Some(None);
    assert_eq!(step(&job, &f), JobStep::Do(Effect::Resolve));
    f.source = Some(Err(Unusable::Wait("OdooBackupJob b to finish".into())));
    assert_eq!(ended(step(&job, &f)).phase, JobPhase::Pending);
    f.source = Some(Ok(Source {
        location: "s3://b/k.zip".parse().expect("a location"),
        sha256: Some("ab".into()),
        bucket: None,
        claim: None,
        chosen: Some("b, the newest".into()),
    }));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadInstance));
    f.valid = Some(Box::new(crate::build::sample()));
    // The finalizer comes before anything is made.
    assert_eq!(step(&job, &f), JobStep::Hold);
    f.seen.held = Some(Box::new(job.clone()));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(e.status.step, Some(RestoreStep::Loading));
    assert_eq!(
        e.status.location,
        Some("s3://b/k.zip".parse().expect("a location"))
    );
    assert_eq!(e.status.sha256.as_deref(), Some("ab"));
    let temporary = e.status.temporary_database.clone().unwrap_or_default();
    assert!(
        temporary.starts_with("team_a_shop_restoring_"),
        "{temporary}"
    );
    assert_eq!(
        message(&e),
        format!(
            "loading s3://b/k.zip (b, the newest) into the temporary database {temporary}; team_a_shop keeps serving"
        )
    );
    assert_eq!(told(&e), [(On::Job, false, Reason::BackupChosen)]);
    assert_eq!(e.again, Again::After(NEXT_STEP));
    assert_eq!(e.crash_after, None);
}

#[test]
fn a_refused_source_fails_before_anything_is_made() {
    let mut f = resolved();
    f.queued = Some(None);
    f.source = Some(Err(Unusable::Refused("OdooBackupJob b failed".into())));
    let e = ended(step(&restore("Keep", None), &f));
    assert_failed(&e);
    assert_eq!(message(&e), "OdooBackupJob b failed");
}

fn report() -> RestoreReport {
    RestoreReport {
        archive: Archive {
            location: odoo_model::Location::s3("b", "k.zip"),
            format: Default::default(),
            size_bytes: 2048,
            sha256: "cd".into(),
            duration_seconds: 1.0,
            odoo_version: None,
            pg_version: None,
            filestore_files: None,
        },
        loaded: Loaded {
            tables: 3,
            largest: vec![],
            base_version: Some("17.0.1.0".into()),
        },
    }
}

#[test]
fn the_load_job_is_made_once_and_recorded_before_the_crash_point() {
    let job = at(RestoreStep::Loading);
    let mut f = resolved();
    f.valid = None;
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadInstance));
    f.valid = Some(Box::new(crate::build::sample()));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadLoad));
    f.load = Some(Agent::Missing);
    assert_eq!(step(&job, &f), JobStep::Do(Effect::Resolve));
    f.source = Some(Ok(
        crate::controller::restore_plan::direct(&job).expect("direct")
    ));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::StartLoad));
    f.load_started = true;
    let e = ended(step(&job, &f));
    assert_eq!(e.status.job.job_name.as_deref(), Some("r-load"));
    assert_eq!(e.crash_after, Some("restore-loading"));
    assert_eq!(e.again, Again::After(LOADING));
    // A running load changes nothing.
    f.load = Some(Agent::Running);
    let e = ended(step(&job, &f));
    assert_eq!(e.status, job.status.clone().unwrap_or_default());
}

#[test]
fn a_load_that_does_not_prove_drops_the_temporary_database_and_fails() {
    let job = at(RestoreStep::Loading);
    let mut f = resolved();
    f.load = Some(Agent::Ended(Err("the archive is not a zip".into())));
    discards_then_fails(
        &job,
        f,
        "loading the archive failed: the archive is not a zip; the temporary database was dropped and team_a_shop was not touched and keeps serving; logs: kubectl logs job/r-load -n team-a",
    );
    let mut f = resolved();
    f.load = Some(Agent::Ended(Ok(report())));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::Prove));
    f.proof = Some(Err("the digest differs".into()));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::Discard));
}

#[test]
fn a_proven_load_records_the_archive_and_the_kept_name_and_goes_on_to_opening() {
    let job = at(RestoreStep::Loading);
    let mut f = resolved();
    f.load = Some(Agent::Ended(Ok(report())));
    f.proof = Some(Ok("3 tables match".into()));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(e.status.step, Some(RestoreStep::Opening));
    assert_eq!(e.status.sha256.as_deref(), Some("cd"));
    assert_eq!(e.status.progress_bytes, Some(2048));
    assert_eq!(e.status.odoo_version.as_deref(), Some("17.0"));
    assert_eq!(
        e.status.previous_database_name.as_deref(),
        Some("team_a_shop_pre_restore_20260102030405")
    );
    assert_eq!(
        message(&e),
        "archive loaded and 3 tables match; Odoo (odoo:18.0-20250101) opens it before shop stops for the switch"
    );
    assert_eq!(told(&e), [(On::Job, false, Reason::RestoreLoaded)]);
    assert_eq!(e.crash_after, Some("restore-loaded"));
}

#[test]
fn odoo_neutralizes_then_opens_the_loaded_database_each_run_once() {
    let mut job = at(RestoreStep::Opening);
    job.spec.neutralize = true;
    let mut f = resolved();
    assert_eq!(
        step(&job, &f),
        JobStep::Do(Effect::ReadRun(OdooRun::Neutralize))
    );
    f.runs.push((OdooRun::Neutralize, None));
    assert_eq!(
        step(&job, &f),
        JobStep::Do(Effect::StartRun(OdooRun::Neutralize))
    );
    f.run_started = Some(OdooRun::Neutralize);
    let e = ended(step(&job, &f));
    assert_eq!(e.status.job.job_name.as_deref(), Some("r-neutralize"));
    assert_eq!(
        message(&e),
        "Odoo's own `odoo neutralize` (odoo:18.0-20250101) on team_a_shop_restoring_1; team_a_shop keeps serving"
    );
    assert_eq!(e.crash_after, Some("restore-opening"));

    let mut f = resolved();
    f.runs.push((OdooRun::Neutralize, Some(Outcome::Complete)));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadNeutralized));
    f.neutralized = Some(Ok(()));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadRun(OdooRun::Open)));
    f.runs.push((OdooRun::Open, Some(Outcome::Running)));
    assert_eq!(ended(step(&job, &f)).again, Again::After(OPENING));
    f.runs[1].1 = Some(Outcome::Complete);
    let e = ended(step(&job, &f));
    assert_eq!(e.status.step, Some(RestoreStep::Switching));
    assert_eq!(told(&e), [(On::Job, false, Reason::RestoreOpened)]);
    assert_eq!(
        message(&e),
        "Odoo (odoo:18.0-20250101) opened the restored database; stopping shop to switch databases"
    );
}

#[test]
fn a_database_odoo_cannot_open_or_did_not_neutralize_is_dropped_and_the_restore_fails() {
    let mut job = at(RestoreStep::Opening);
    job.spec.neutralize = true;
    let mut f = resolved();
    f.runs.push((OdooRun::Neutralize, Some(Outcome::Complete)));
    f.neutralized = Some(Err("it exited 0 but the database is not marked".into()));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::Discard));
    f.discarded = true;
    let e = ended(step(&job, &f));
    assert_failed(&e);
    assert_eq!(
        message(&e),
        "Odoo's own `odoo neutralize` (odoo:18.0-20250101) on team_a_shop_restoring_1 failed: it exited 0 but the database is not marked; the temporary database was dropped and team_a_shop was not touched and keeps serving; logs: kubectl logs job/r-neutralize -n team-a"
    );

    let mut f = resolved();
    f.runs.push((OdooRun::Neutralize, Some(Outcome::Complete)));
    f.neutralized = Some(Ok(()));
    f.runs.push((OdooRun::Open, Some(Outcome::Failed)));
    assert_eq!(
        step(&job, &f),
        JobStep::Do(Effect::ReadRunFailure(OdooRun::Open))
    );
    f.failure = Some(None);
    f.discarded = true;
    let e = ended(step(&job, &f));
    assert_eq!(
        message(&e),
        "Odoo (odoo:18.0-20250101) opening team_a_shop_restoring_1 failed: its pod failed; the temporary database was dropped and team_a_shop was not touched and keeps serving; logs: kubectl logs job/r-open -n team-a"
    );
}
