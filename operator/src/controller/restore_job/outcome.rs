//! How a restore's steps end: the status write, the failure (with what is
//! discarded), and the words that say what the live database went through.

use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::Reason;
use odoo_model::names;
use odoo_model::restore_job::OdooRestoreJobStatus;
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob};

use crate::controller::job;
use crate::pg::restore as pg_restore;
use crate::runtime::batch;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// What still serves from the live database, if anything: the instance enters
/// Restoring once this job is at the switch, and its Deployments go to zero.
pub(super) async fn still_serving(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Option<String>, Error> {
    if instance.status.as_ref().and_then(|s| s.phase) != Some(InstancePhase::Restoring) {
        return Ok(Some(format!(
            "waiting for {} to enter Restoring",
            instance.name_any()
        )));
    }
    let name = instance.name_any();
    batch::deployments_stopped(
        ctx,
        &instance.namespace().unwrap_or_default(),
        &[names::web_deployment(&name), names::cron_deployment(&name)],
    )
    .await
}

/// What the live database does while the restore works beside it, for messages:
/// an instance that serves keeps serving it; a stopped one, or one waiting for
/// this restore (`--into`), serves nothing.
pub(super) fn serves(instance: &OdooInstance) -> bool {
    matches!(
        instance.status.as_ref().and_then(|s| s.phase),
        Some(InstancePhase::Running | InstancePhase::Degraded | InstancePhase::Starting)
    )
}

/// `<db> keeps serving`, or `<db> is not touched` when it does not serve.
pub(super) fn meanwhile(instance: &OdooInstance, database: &str) -> String {
    if serves(instance) {
        format!("{database} keeps serving")
    } else {
        format!("{database} is not touched")
    }
}

/// `<db> was not touched and keeps serving`, or without the serving when it does
/// not serve: the end of a failure before the switch.
pub(super) fn untouched(instance: &OdooInstance, database: &str) -> String {
    let serving = if serves(instance) {
        " and keeps serving"
    } else {
        ""
    };
    format!("{database} was not touched{serving}")
}

/// Drops the temporary database of a restore that will not switch. Its partial
/// filestore directory stays on the volume under the temporary name.
pub(super) async fn discard(
    ctx: &Context,
    v: &ValidInstance,
    temporary: &str,
) -> Result<(), Error> {
    if temporary.is_empty() {
        return Ok(());
    }
    let cluster = job::cluster_of(ctx, v).await?;
    pg_restore::drop_database(&cluster, temporary, &v.owner(), false)
        .await
        .map_err(|e| job::db_error(&v.database.cluster, e))
}

pub(super) async fn fail(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
    why: String,
) -> Result<Action, Error> {
    ctx.event(job, true, Reason::RestoreFailed, why.clone())
        .await;
    ctx.event(instance, true, Reason::RestoreFailed, why.clone())
        .await;
    status.job.message = Some(why.clone());
    let done = write(ctx, job, status, JobPhase::Failed).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooRestoreJob",
        &job.name_any(),
        JobPhase::Failed,
        &why,
    );
    Ok(done)
}

pub(super) async fn write(
    ctx: &Context,
    job: &OdooRestoreJob,
    mut next: OdooRestoreJobStatus,
    phase: JobPhase,
) -> Result<Action, Error> {
    let current = job.status.clone().unwrap_or_default();
    if phase.is_finished() {
        next.step = None;
    }
    batch::stamp(&mut next.job, phase, job.meta().generation);
    job::write_status(ctx, job, &current, &next).await?;
    Ok(job::after(phase))
}
