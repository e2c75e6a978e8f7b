//! How a backup ends: the status write, the success (with the instance's
//! `lastBackup`) and the failure, each announced once it is stored.

use super::super::job::{self};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::Reason;
use odoo_model::backup_job::OdooBackupJobStatus;
use odoo_model::{JobPhase, OdooBackupJob, OdooInstance};

/// Ends the job Succeeded (the instance records it as its last backup).
pub(super) async fn succeed(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    status: OdooBackupJobStatus,
) -> Result<Action, Error> {
    let mut status = status;
    crate::crash::point("backup-before-index-record");
    // The bucket's own record first, so recovery without this cluster finds the
    // backup. A refusal (credentials limited to the archives' prefix, a bucket
    // policy) must not hold every later backup of the instance behind this one: the
    // backup is stored and proven, so it succeeds, and says what is missing.
    if let Err(e) = super::index::write(ctx, job, instance, &status).await {
        let why = format!(
            "the backup is stored, but its bucket index record is not: {e} (kubectl odoo backup list --from-s3 will not show it)"
        );
        ctx.event(job, true, Reason::IndexRecordFailed, why.clone())
            .await;
        let said = status.job.message.take().unwrap_or_default();
        status.job.message = Some(format!("{said}; {why}"));
    }
    let message = status.job.message.clone().unwrap_or_default();
    write(ctx, job, status, JobPhase::Succeeded).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooBackupJob",
        &job.name_any(),
        JobPhase::Succeeded,
        &message,
    );
    // The instance's lastBackup (and the per-instance backup series) follow from
    // this job's status: the instance's own controller, which the job's change
    // wakes, records them.
    Ok(Action::await_change())
}

/// Ends the job Failed with a Warning event `reason` on it and its instance.
pub(super) async fn fail(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    mut status: OdooBackupJobStatus,
    reason: Reason,
    message: String,
) -> Result<Action, Error> {
    ctx.event(job, true, reason, message.clone()).await;
    ctx.event(instance, true, reason, message.clone()).await;
    status.job.message = Some(message.clone());
    let done = write(ctx, job, status, JobPhase::Failed).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooBackupJob",
        &job.name_any(),
        JobPhase::Failed,
        &message,
    );
    Ok(done)
}

pub(super) async fn write(
    ctx: &Context,
    job: &OdooBackupJob,
    mut next: OdooBackupJobStatus,
    phase: JobPhase,
) -> Result<Action, Error> {
    let current = job.status.clone().unwrap_or_default();
    crate::runtime::batch::stamp(&mut next.job, phase, job.meta().generation);
    job::write_status(ctx, job, &current, &next).await?;
    Ok(job::after(phase))
}
