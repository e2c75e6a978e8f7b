//! The verification `spec.verify` asks of a stored backup, after the backup itself
//! was proven: `Archive` has the agent read the stored object end to end (every
//! CRC, the SHA-256, the manifest); `Restore` has it load the archive into a
//! scratch database on the instance's cluster, which the operator then counts
//! itself and compares with the rows of the dump's own snapshot, and drops. The
//! job is Succeeded only when the verification passed.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use odoo_model::agent::{RestoreRequest, RowCounts, VerifyReport, VerifyRequest, env};
use odoo_model::backup_job::{BackupVerification, BackupVerify, OdooBackupJobStatus, VerifyResult};
use odoo_model::{JobPhase, Location, OdooBackupJob, Reason};

use super::super::proof::Checked;
use super::super::step::{Again, Ending, On};
use super::facts::{Effect, Facts, Said};
use super::outcome::{NEXT_STEP, Step, VERIFYING, end, fail, succeed, unchanged};
use super::pod;
use crate::runtime::agent_pod::{self, Agent};
use crate::validate::ValidInstance;

/// The verification's Job.
pub fn job_name(job: &OdooBackupJob) -> String {
    format!("{}-verify", job.name_any())
}

/// The scratch database a `Restore` verification loads into: unique per job.
pub fn scratch_database(database: &str, job_uid: &str) -> String {
    crate::controller::db_names::per_job(database, "verify", job_uid)
}

/// The verification Job: pure, from the backup as stored (`status`, its archive
/// at `archive`).
pub fn build_job(
    job: &OdooBackupJob,
    v: &ValidInstance,
    status: &OdooBackupJobStatus,
    archive: &Location,
    scratch: Option<&str>,
    agent_image: &str,
) -> Job {
    let d = &job.spec.backup.destination;
    let s3 = d.s3.as_ref().map(|s3| agent_pod::s3_options(&s3.bucket));
    let expected_sha256 = status.sha256.clone().unwrap_or_default();
    let format = Some(job.spec.backup.format);
    let mut secrets = vec![];
    let request = match scratch {
        Some(database) => {
            secrets.push(agent_pod::pg_password(env::PG, v));
            agent_pod::Requested::new(&RestoreRequest {
                database: agent_pod::connection(v, database),
                s3,
                source: archive.clone(),
                expected_sha256: Some(expected_sha256),
                format,
                filestore: None,
                skip_filestore: true,
            })
        }
        None => agent_pod::Requested::new(&VerifyRequest {
            s3,
            source: archive.clone(),
            expected_sha256,
            format,
        }),
    };
    let request = request.with_secrets(secrets);
    let run = agent_pod::AgentRun::new(job_name(job), "backup", "verify", request);
    agent_pod::build(
        job,
        v,
        run.reaching(pod::destination(d, false)),
        agent_image,
    )
}

/// What to do next for a stored and proven backup: run the verification, check
/// what it reported, and end the job by its result.
pub fn step(job: &OdooBackupJob, f: &Facts, status: OdooBackupJobStatus) -> Step {
    // Passed and recorded: only the end remains, whatever became of the Job.
    if status
        .verified
        .as_ref()
        .is_some_and(|v| v.result == VerifyResult::Passed)
    {
        return succeed(f, status);
    }
    let v = &f.verify;
    if f.valid.is_none() {
        return Step::Do(Effect::Resolve);
    }
    let restore = job.spec.backup.verify == BackupVerify::Restore;
    match &v.run {
        None => Step::Do(Effect::ReadVerify),
        Some(Agent::Missing) if restore && !v.scratch_made => Step::Do(Effect::CreateScratch),
        Some(Agent::Missing) if !v.started => Step::Do(Effect::StartVerify),
        Some(Agent::Missing | Agent::Running) => end(status, JobPhase::Running, VERIFYING),
        Some(Agent::Ended(taken)) => ended(job, f, status, taken),
    }
}

/// A verification whose Job ended: its end is counted, announced and written once.
/// A pass on an object the cache has not caught up with yet would verify and count
/// it a second time, so the job as stored is read first: when it already records
/// the end, or a verification (whose end the next pass, woken by that newer
/// version, takes from there: the scratch database is gone by now), the pass
/// records nothing.
fn ended(
    job: &OdooBackupJob,
    f: &Facts,
    status: OdooBackupJobStatus,
    taken: &Result<Said, String>,
) -> Step {
    let v = &f.verify;
    match &v.recorded {
        None => return Step::Do(Effect::ReadRecorded),
        Some(None) => return unchanged(job, Again::OnChange),
        Some(Some(recorded))
            if recorded.job.phase.is_some_and(JobPhase::is_finished)
                || recorded.verified.is_some() =>
        {
            return unchanged(job, Again::OnChange);
        }
        Some(Some(_)) => {}
    }
    let checked = match taken {
        Err(why) => Err(why.clone()),
        Ok(Said::Archive(r)) => archive_read_back(r, &status),
        Ok(Said::Restore(_)) => match &v.loaded {
            None => return Step::Do(Effect::CountScratch),
            Some(loaded) => scratch_agrees(loaded, &status),
        },
    };
    if job.spec.backup.verify == BackupVerify::Restore && !v.dropped {
        return Step::Do(Effect::DropScratch);
    }
    record(job, f, status, checked)
}

/// Records the verification: a pass is written first (the next pass ends the
/// job), a failure fails the job. Counted once the outcome is stored
/// ([`counted`]): a failed write is retried, not recounted.
fn record(
    job: &OdooBackupJob,
    f: &Facts,
    mut status: OdooBackupJobStatus,
    checked: Checked,
) -> Step {
    let method = job.spec.backup.verify;
    let (result, message) = match &checked {
        Ok(m) => (VerifyResult::Passed, m.clone()),
        Err(m) => (VerifyResult::Failed, m.clone()),
    };
    status.verified = Some(BackupVerification {
        method,
        at: Some(Time(f.seen.now)),
        result,
        message,
    });
    match checked {
        Ok(m) => {
            status.job.message = Some(format!(
                "{} bytes, sha256 {}, verified ({method}): {m}",
                status.size_bytes.unwrap_or(0),
                status.sha256.clone().unwrap_or_default()
            ));
            let ending = Ending::new(status, JobPhase::Running, NEXT_STEP);
            Step::End(ending.told(On::Job, false, Reason::BackupVerified, m))
        }
        Err(why) => {
            let (name, ns) = (job_name(job), job.namespace().unwrap_or_default());
            let message = format!(
                "the stored backup failed its verification ({method}): {why}; logs: kubectl logs job/{name} -n {ns}"
            );
            fail(status, Reason::BackupVerifyFailed, message)
        }
    }
}

/// The verification a status write records for the first time: what the
/// `backup_verifications` metric counts, by method and result.
pub fn counted(
    before: Option<&OdooBackupJobStatus>,
    next: &OdooBackupJobStatus,
) -> Option<(&'static str, bool)> {
    if before.is_some_and(|s| s.verified.is_some()) {
        return None;
    }
    let verified = next.verified.as_ref()?;
    let method = match verified.method {
        BackupVerify::Restore => "Restore",
        _ => "Archive",
    };
    Some((method, verified.result == VerifyResult::Passed))
}

/// An `Archive` verification: the agent read the object the backup stored.
fn archive_read_back(r: &VerifyReport, status: &OdooBackupJobStatus) -> Checked {
    let recorded = status.sha256.as_deref();
    if !recorded.is_some_and(|sha| r.archive.sha256.eq_ignore_ascii_case(sha)) {
        let recorded = recorded.unwrap_or("none");
        return Err(format!(
            "the stored object's SHA-256 is {}, the backup recorded {recorded}",
            r.archive.sha256
        ));
    }
    if Some(r.archive.size_bytes) != status.size_bytes.and_then(|n| u64::try_from(n).ok()) {
        // Said as a number, or "no size": a user reads this message.
        let recorded = status
            .size_bytes
            .map_or("no size".into(), |n| n.to_string());
        return Err(format!(
            "the stored object has {} bytes, the backup recorded {recorded}",
            r.archive.size_bytes
        ));
    }
    Ok(format!(
        "read back end to end: {} bytes, {} entries with their CRC-32, sha256 matches",
        r.archive.size_bytes, r.entries
    ))
}

/// A `Restore` verification: the scratch database as the operator counts it
/// (`loaded`, or why it does not agree with the agent's report) agrees with the
/// rows of the dump's own snapshot.
fn scratch_agrees(loaded: &Result<RowCounts, String>, status: &OdooBackupJobStatus) -> Checked {
    let loaded = loaded.clone()?;
    match &status.row_counts {
        None => Err("the backup has no row counts of its snapshot to compare with".into()),
        Some(snapshot) if *snapshot == loaded => Ok(format!(
            "restored into a scratch database: {} tables and {} rows, equal to the dump's snapshot table by table",
            loaded.tables, loaded.rows
        )),
        Some(snapshot) => Err(format!(
            "the restored database has {} tables and {} rows, the dump's snapshot had {} tables and {} rows (per-table digests {} and {})",
            loaded.tables,
            loaded.rows,
            snapshot.tables,
            snapshot.rows,
            loaded.digest,
            snapshot.digest
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verification_names_its_scratch_database() {
        // The first 8 hex digits of sha256("uid-1"): the name of this job's own.
        assert_eq!(scratch_database("shop", "uid-1"), "shop_verify_4a49acf8");
    }

    #[test]
    fn an_archive_read_back_must_match_what_was_recorded() {
        let status = OdooBackupJobStatus {
            sha256: Some("a".repeat(64)),
            size_bytes: Some(10),
            ..Default::default()
        };
        let mut r = VerifyReport {
            archive: crate::controller::proof::tests::archive("s3://b/k", 10, &"a".repeat(64)),
            entries: 3,
        };
        assert!(archive_read_back(&r, &status).is_ok());
        let b = "b".repeat(64);
        r.archive.sha256 = b.clone();
        let recorded = "a".repeat(64);
        assert_eq!(
            archive_read_back(&r, &status),
            Err(format!(
                "the stored object's SHA-256 is {b}, the backup recorded {recorded}"
            ))
        );
        // A status with no digest or size says so in words.
        let bare = OdooBackupJobStatus::default();
        assert_eq!(
            archive_read_back(&r, &bare),
            Err(format!(
                "the stored object's SHA-256 is {b}, the backup recorded none"
            ))
        );
        r.archive.sha256 = recorded.clone();
        r.archive.size_bytes = 11;
        assert_eq!(
            archive_read_back(&r, &status),
            Err("the stored object has 11 bytes, the backup recorded 10".into())
        );
        let no_size = OdooBackupJobStatus {
            sha256: Some(recorded),
            ..Default::default()
        };
        assert_eq!(
            archive_read_back(&r, &no_size),
            Err("the stored object has 11 bytes, the backup recorded no size".into())
        );
    }
}
