//! How a backup ends: the status write, the success (with the instance's
//! `lastBackup`) and the failure, each announced once it is stored.

use super::super::Context;
use super::super::error::Error;
use super::super::job::{self};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::backup_job::{OdooBackupJobStatus, VerifyResult};
use odoo_model::instance::LastBackup;
use odoo_model::{JobPhase, OdooBackupJob, OdooInstance};
use serde_json::json;

/// Ends the job Succeeded and records it as the instance's last backup.
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
        ctx.event(job, true, "IndexRecordFailed", why.clone()).await;
        let said = status.job.message.take().unwrap_or_default();
        status.job.message = Some(format!("{said}; {why}"));
    }
    let message = status.job.message.clone().unwrap_or_default();
    let last = LastBackup {
        name: job.name_any(),
        completion_time: Time(k8s_openapi::jiff::Timestamp::now()),
        size_bytes: status.size_bytes,
        verified: status
            .verified
            .as_ref()
            .map(|v| v.result == VerifyResult::Passed),
    };
    write(ctx, job, status, JobPhase::Succeeded).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooBackupJob",
        &job.name_any(),
        JobPhase::Succeeded,
        &message,
    );
    let mut recorded = json!({ "lastBackup": &last });
    if last.verified == Some(true) {
        recorded["lastVerifiedBackup"] = json!(&last);
    }
    let patch = json!({ "status": recorded });
    let instances: Api<OdooInstance> =
        Api::namespaced(ctx.client.clone(), &job.namespace().unwrap_or_default());
    instances
        .patch_status(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
        .map_err(Error::kube("recording the last backup"))?;
    // The per-instance backup series follow from this status: the instance's
    // reconcile, which the status change wakes, sets them.
    Ok(Action::await_change())
}

/// Ends the job Failed with a Warning event `reason` on it and its instance.
pub(super) async fn fail(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    mut status: OdooBackupJobStatus,
    reason: &str,
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
    super::batch::stamp(&mut next.job, phase, job.meta().generation);
    job::write_status(ctx, job, &current, &next).await?;
    Ok(job::after(phase))
}
