//! OdooUpgradeJob: `odoo -u` with the target image, then a rollout. The instance's
//! lifecycle does the rest: it enters Upgrading when this job runs, rolls out the
//! new image when it succeeded, and serves the old one (phase UpgradeFailed) when
//! it failed.
//!
//! Two strategies. `Copy` (the default, [`copy`]) stops the instance, copies the
//! database and its files, updates the copy and switches names only when the
//! update succeeded, so a failure leaves the live database as it was. `InPlace`
//! (below) updates the live database while the old image serves, cron held at
//! zero: Odoo commits module by module, so a failure halfway leaves it partly
//! updated. A rehearsal is a Copy upgrade that drops its copy at the end.
//!
//! Jobs of one instance run one at a time; a job that has to wait stays Pending
//! with a message naming what it waits for.
//!
//! A pass runs through the generic driver (`step::drive`): `queue`, `in_place`
//! and `copy` decide, purely, from the job and what the pass has learnt
//! (`facts`); `apply` does what they ask.

mod apply;
mod copy;
mod facts;
mod in_place;
mod outcome;
mod plan;
mod queue;
pub mod rollback;
#[cfg(test)]
mod test_support;

pub use plan::{auto_name, update_args};

use kube::api::Api;
use odoo_model::Reason;
use odoo_model::upgrade_job::{OdooUpgradeJobStatus, UpgradeStrategy};
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob, OdooUpgradeJobSpec};

use super::job::{self, Started};
use super::step::{self, JobStep, StepFn, Stepper};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;
use facts::{Effect, Facts, Step};

/// The `CreateUpgradeJob` action: an upgrade of every module to the spec's image.
pub async fn create_for_instance(
    ctx: &Context,
    v: &ValidInstance,
    instance: &OdooInstance,
) -> Result<(), Error> {
    let _api: Api<OdooUpgradeJob> = Api::namespaced(ctx.client.clone(), &v.namespace);
    let name = auto_name(&v.name, &v.images.spec);
    let job = OdooUpgradeJob::new(
        &name,
        OdooUpgradeJobSpec {
            instance_ref: odoo_model::InstanceRef::new(&v.name),
            image: Some(v.images.spec.clone()),
            ..Default::default()
        },
    );
    job::apply_for_instance(ctx, v, job, "upgrade").await?;
    ctx.event(
        instance,
        false,
        Reason::UpgradeRequested,
        format!(
            "image changed to {}: {name} upgrades the database first",
            v.images.spec
        ),
    )
    .await;
    Ok(())
}

/// A pass over an upgrade job that has work to do: pure.
fn step(job: &OdooUpgradeJob, f: &Facts) -> Step {
    let Some(instance) = f.seen.instance() else {
        let mut status = facts::current(job);
        let name = &job.spec.instance_ref.name;
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return JobStep::End(step::Ending::new(
            status,
            JobPhase::Failed,
            step::Again::OnChange,
        ));
    };
    if f.seen.deleting {
        return copy::deleting(job, instance, f);
    }
    let status = job.status.as_ref();
    if status.and_then(|s| s.job.phase) != Some(JobPhase::Running) {
        return queue::step(job, instance, f);
    }
    if status.and_then(|s| s.strategy) == Some(UpgradeStrategy::Copy) {
        return copy::step(job, instance, f);
    }
    in_place::step(job, instance, f)
}

impl job::Reconcile for OdooUpgradeJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(step::drive(ctx, started))
    }

    /// A succeeded real upgrade not marked rolled back may still be (see
    /// `rollback`); every other finished upgrade job is final.
    fn revisits(&self) -> bool {
        rollback::markable(self)
    }

    fn finished(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(rollback::finished(ctx, started.job, started.instance))
    }

    /// A Copy upgrade deleted in flight discards its copy (see `copy::deleting`)
    /// through the same passes; `None` once nothing of it is left.
    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(async move {
            if !copy::cleans_up(&started.job, started.instance.as_ref()) {
                return Ok(None);
            }
            step::drive(ctx, started).await.map(Some)
        })
    }
}

impl Stepper for OdooUpgradeJob {
    type Facts = Facts;
    type Effect = Effect;
    const STEP: StepFn<Self> = step;
    fn recorded(_ctx: &Context, job: &Self, next: &OdooUpgradeJobStatus) {
        let from = job.status.as_ref().and_then(|s| s.step);
        if let Some(point) = copy::recorded_point(from, next.step) {
            crate::crash::point(point);
        }
    }
}
