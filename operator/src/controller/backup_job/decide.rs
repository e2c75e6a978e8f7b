//! A pass over a backup job, pure: queue behind what holds the instance, fix the
//! archive's location, run the agent's Job, prove what it stored, then end the job
//! or hand it to the verification `spec.verify` asks for.

use kube::ResourceExt;
use odoo_model::agent::BackupReport;
use odoo_model::{JobPhase, OdooBackupJob, OdooBackupJobStatus, OdooInstance, Reason};

use super::super::proof;
use super::super::step::Again;
use super::archive::{self, destination};
use super::facts::{Effect, Facts, backup_job_name};
use super::outcome::{AGENT_WORKING, NEXT_STEP, QUEUED, Step, end, fail, succeed};
use super::verify;
use crate::runtime::agent_pod::Agent;

/// What to do next in a pass over a backup job that has work to do.
pub fn step(job: &OdooBackupJob, f: &Facts) -> Step {
    let mut status = job.status.clone().unwrap_or_default();
    let Some(instance) = f.seen.instance() else {
        let name = &job.spec.instance_ref.name;
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return end(status, JobPhase::Failed, Again::OnChange);
    };
    if status.job.phase != Some(JobPhase::Running) {
        return start(job, instance, f, status);
    }
    if status.sha256.is_some() {
        // Stored and proven: only the verification `spec.verify` asks for remains.
        return verify::step(job, f, status);
    }
    let batch_name = backup_job_name(job);
    if f.started {
        status.job.job_name = Some(batch_name);
        return end(status, JobPhase::Running, AGENT_WORKING);
    }
    match &f.backup {
        None => Step::Do(Effect::ReadBackup),
        Some(Agent::Missing) if f.valid.is_none() => Step::Do(Effect::Resolve),
        Some(Agent::Missing) => match archive::recorded(&status) {
            Ok(location) => Step::Do(Effect::StartBackup(location)),
            Err(why) => fail(status, Reason::BackupFailed, why),
        },
        Some(Agent::Running) => end(status, JobPhase::Running, AGENT_WORKING),
        Some(Agent::Ended(taken)) => match proven(job, f, &status, taken) {
            None => Step::Do(Effect::CheckStored),
            Some(Ok((report, proof))) => stored(job, f, status, report, proof),
            Some(Err(why)) => {
                let ns = job.namespace().unwrap_or_default();
                let message =
                    format!("backup failed: {why}; logs: kubectl logs job/{batch_name} -n {ns}");
                fail(status, Reason::BackupFailed, message)
            }
        },
    }
}

/// A job not yet running: queued behind what holds the instance, or started with
/// its archive's location fixed (so a retried pass writes the same object).
fn start(
    job: &OdooBackupJob,
    instance: &OdooInstance,
    f: &Facts,
    mut status: OdooBackupJobStatus,
) -> Step {
    let waiting = match instance.phase() {
        Some(phase) if phase.is_settled() => match &f.queued {
            None => return Step::Do(Effect::ReadQueue),
            Some(what) => what.clone(),
        },
        _ => Some(format!(
            "the instance to be initialized and settled (it is {})",
            instance.phase_text()
        )),
    };
    if let Some(what) = waiting {
        status.job.message = Some(format!("queued: waiting for {what}"));
        return end(status, JobPhase::Pending, QUEUED);
    }
    let Some(v) = f.valid.as_deref() else {
        return Step::Do(Effect::Resolve);
    };
    let location = destination(job, v, f.seen.now);
    status.location = location;
    status.odoo_version =
        odoo_model::OdooVersion::of_image(&v.images.database).map(|v| v.to_string());
    status.job.message = Some(format!(
        "backing up {} to {}",
        v.database.name,
        status
            .location
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    ));
    end(status, JobPhase::Running, NEXT_STEP)
}

/// The agent's report, and the operator's own look at what it stored: the report
/// with the proof in words, or why there is none; `None` while the bucket is still
/// to be looked at.
fn proven(
    job: &OdooBackupJob,
    f: &Facts,
    status: &OdooBackupJobStatus,
    taken: &Result<BackupReport, String>,
) -> Option<Result<(BackupReport, String), String>> {
    let report = match taken {
        Ok(report) => report,
        Err(why) => return Some(Err(why.clone())),
    };
    let claimed = archive::recorded(status).and_then(|at| proof::backup_report(report, &at));
    let proof = match claimed {
        Ok(proof) => proof,
        Err(why) => return Some(Err(why)),
    };
    if job.spec.backup.destination.s3.is_none() {
        return Some(Ok((report.clone(), proof)));
    }
    let stored = f.stored.clone()?;
    Some(stored.map(|stored| (report.clone(), stored)))
}

/// A proven archive: recorded in the status, then verified when the job asks.
fn stored(
    job: &OdooBackupJob,
    f: &Facts,
    mut status: OdooBackupJobStatus,
    r: BackupReport,
    proof: String,
) -> Step {
    status.size_bytes = i64::try_from(r.archive.size_bytes).ok();
    status.sha256 = Some(r.archive.sha256);
    status.duration_seconds = Some(r.archive.duration_seconds.round() as i64);
    status.odoo_version = r.archive.odoo_version.or(status.odoo_version);
    status.pg_version = r.archive.pg_version;
    status.row_counts = r.row_counts;
    let method = job.spec.backup.verify;
    if method.is_none() {
        status.job.message = Some(proof);
        return succeed(f, status);
    }
    status.job.message = Some(format!("stored: {proof}; verifying it ({method})"));
    end(status, JobPhase::Running, NEXT_STEP)
}
