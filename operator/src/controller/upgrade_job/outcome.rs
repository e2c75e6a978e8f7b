//! How an upgrade's steps end, whatever the strategy: the status write, the
//! finish (with the instance's callback), the target adopted as the spec's image,
//! and the workers that must stop before `odoo --update`.

use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::upgrade_job::OdooUpgradeJobStatus;
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooUpgradeJob};
use serde_json::json;

use super::plan;
use crate::controller::job;
use crate::runtime::batch;
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// An explicit target becomes the spec's image, so spec and the running image
/// agree once it rolls out.
pub(super) async fn adopt_target(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
    target: &str,
) -> Result<(), Error> {
    if job.spec.image.is_none() || instance.spec.image.as_deref() == Some(target) {
        return Ok(());
    }
    let instances: Api<OdooInstance> = Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    );
    instances
        .patch(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "image": target } })),
        )
        .await
        .map_err(Error::kube("setting the instance's image"))?;
    Ok(())
}

/// What still runs that must stop before `odoo --update` starts, if anything:
/// cron, and web too with `stop_web`.
pub(super) async fn workers_still_running(
    ctx: &Context,
    instance: &OdooInstance,
    stop_web: bool,
) -> Result<Option<String>, Error> {
    let phase = instance.status.as_ref().and_then(|s| s.phase);
    if phase != Some(InstancePhase::Upgrading) {
        return Ok(Some(format!(
            "waiting for {} to enter Upgrading",
            instance.name_any()
        )));
    }
    let deployments = plan::must_stop(&instance.name_any(), stop_web);
    batch::deployments_stopped(ctx, &instance.namespace().unwrap_or_default(), &deployments).await
}

pub(super) async fn write(
    ctx: &Context,
    job: &OdooUpgradeJob,
    mut next: OdooUpgradeJobStatus,
    phase: JobPhase,
) -> Result<(), Error> {
    let current = job.status.clone().unwrap_or_default();
    crate::runtime::batch::stamp(&mut next.job, phase, job.meta().generation);
    job::write_status(ctx, job, &current, &next).await
}

/// Records the outcome, then tells the instance's webhook (after the write, so a
/// failed write does not announce it twice).
pub(super) async fn finish(
    ctx: &Context,
    job: &OdooUpgradeJob,
    status: OdooUpgradeJobStatus,
    phase: JobPhase,
    instance: Option<&OdooInstance>,
) -> Result<Action, Error> {
    let message = status.job.message.clone().unwrap_or_default();
    write(ctx, job, status, phase).await?;
    if let Some(instance) = instance {
        ctx.callbacks
            .job_finished(instance, "OdooUpgradeJob", &job.name_any(), phase, &message);
    }
    Ok(Action::await_change())
}
