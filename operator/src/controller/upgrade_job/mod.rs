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

mod copy;
mod outcome;
mod plan;
pub mod rollback;

use outcome::{adopt_target, finish, workers_still_running, write};

pub use plan::{auto_name, update_args};

use std::sync::Arc;
use std::time::Duration;

use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::upgrade_job::{OdooUpgradeJobStatus, UpgradeMode, UpgradeStep, UpgradeStrategy};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooUpgradeJob, OdooUpgradeJobSpec};

use super::job::{self, Started};
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// The `CreateUpgradeJob` action: an upgrade of every module to the spec's image.
pub async fn create_for_instance(
    ctx: &Context,
    v: &ValidInstance,
    instance: &OdooInstance,
) -> Result<(), Error> {
    let _api: Api<OdooUpgradeJob> = Api::namespaced(ctx.client.clone(), &v.namespace);
    let name = auto_name(&v.name, &v.image);
    let job = OdooUpgradeJob::new(
        &name,
        OdooUpgradeJobSpec {
            instance_ref: odoo_model::InstanceRef {
                name: v.name.clone(),
            },
            image: Some(v.image.clone()),
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
            v.image
        ),
    )
    .await;
    Ok(())
}

/// Phases in which an instance can be upgraded: it has a schema and is not busy.
fn upgradable(phase: Option<InstancePhase>) -> bool {
    matches!(
        phase,
        Some(
            InstancePhase::Starting
                | InstancePhase::Running
                | InstancePhase::Degraded
                | InstancePhase::Stopped
                | InstancePhase::Upgrading
                | InstancePhase::UpgradeFailed
        )
    )
}

/// A pass over an upgrade job that has work to do.
async fn reconcile(
    ctx: &Context,
    job: Arc<OdooUpgradeJob>,
    instance: Option<OdooInstance>,
) -> Result<Action, Error> {
    let mut status = job.status.clone().unwrap_or_default();
    let phase = status.job.phase.unwrap_or(JobPhase::Pending);
    let Some(instance) = instance else {
        let instance_name = &job.spec.instance_ref.name;
        status.job.message = Some(format!("OdooInstance {instance_name} does not exist"));
        return finish(ctx, &job, status, JobPhase::Failed, None).await;
    };
    if phase != JobPhase::Running {
        return match queued(ctx, &job, &instance).await? {
            Some((phase, message, again)) => {
                status.job.message = Some(message);
                write(ctx, &job, status, phase).await?;
                Ok(Action::requeue(again))
            }
            None => start(ctx, &job, &instance, status).await,
        };
    }
    if status.strategy == Some(UpgradeStrategy::Copy) {
        return copy::run(ctx, &job, &instance, status).await;
    }
    in_place(ctx, &job, &instance, status).await
}

/// Why the job does not start yet, with its phase and when to look again: a
/// time in the future, another job on the instance, or an instance that is not
/// settled. `None` once it may start.
async fn queued(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
) -> Result<Option<(JobPhase, String, Duration)>, Error> {
    let now = k8s_openapi::jiff::Timestamp::now();
    if let Some(at) = job.spec.scheduled_at.as_ref().map(|t| t.0)
        && at > now
    {
        let wait = (at - now)
            .total(k8s_openapi::jiff::Unit::Second)
            .unwrap_or(60.0);
        let again = Duration::from_secs_f64(wait.clamp(1.0, 3600.0));
        return Ok(Some((
            JobPhase::Scheduled,
            format!("scheduled for {at}"),
            again,
        )));
    }
    let instance_phase = instance.status.as_ref().and_then(|s| s.phase);
    let busy = busy_with(ctx, job, instance).await?;
    let waiting = match (&busy, upgradable(instance_phase)) {
        (Some(other), _) => Some(format!("queued: waiting for {other} to finish")),
        (None, false) => Some(format!(
            "queued: waiting for the instance to be initialized and settled (it is {})",
            instance_phase.map_or("new".into(), |p| p.to_string())
        )),
        (None, true) => None,
    };
    Ok(waiting.map(|m| (JobPhase::Pending, m, Duration::from_secs(10))))
}

/// The first step of the strategy, and what the job says as it starts. Pure.
fn opening(
    strategy: UpgradeStrategy,
    rehearsal: bool,
    instance: &str,
    database: &str,
    target: &str,
) -> (Option<UpgradeStep>, String) {
    match (strategy, rehearsal) {
        (UpgradeStrategy::InPlace, _) => (
            None,
            format!("upgrading {instance} to {target} in place; cron is stopped first"),
        ),
        (UpgradeStrategy::Copy, false) => (
            Some(UpgradeStep::Stopping),
            format!("upgrading a copy of {database} to {target}; {instance} stops first"),
        ),
        (UpgradeStrategy::Copy, true) => (
            Some(UpgradeStep::Copying),
            format!(
                "rehearsing the upgrade to {target} on a copy of {database}; {instance} keeps serving"
            ),
        ),
    }
}

/// Starts the upgrade: records the target, the previous image and the strategy,
/// holds the job for cleanup before a copy is made, and says so on the instance.
async fn start(
    ctx: &Context,
    job: &Arc<OdooUpgradeJob>,
    instance: &OdooInstance,
    mut status: OdooUpgradeJobStatus,
) -> Result<Action, Error> {
    let current = instance.status.clone().unwrap_or_default();
    let target = job.target_of(instance);
    let strategy = strategy_of(job, instance);
    status.image = Some(target.clone());
    status.previous_image = current.image.clone();
    status.previous_cron_replicas = Some(instance.spec.cron.replicas);
    status.strategy = Some(strategy);
    let database = instance.spec.database.name.clone().unwrap_or_default();
    let (step, message) = opening(
        strategy,
        job.spec.rehearsal,
        &instance.name_any(),
        &database,
        &target,
    );
    // A real upgrade says whether (and how) its target was rehearsed: the newer of
    // what the instance records (which outlives a deleted rehearsal job) and the
    // upgrade jobs themselves (the instance records a rehearsal a moment after
    // it ends).
    let rehearsed = if job.spec.rehearsal {
        String::new()
    } else {
        let recorded = current.last_rehearsal.clone();
        let seen = super::records::last_rehearsal(ctx, instance).await?;
        match odoo_model::last::newer_rehearsal(recorded, seen) {
            Some(r) if r.image == target => format!("; {}", r.describe()),
            _ => "; not rehearsed".to_owned(),
        }
    };
    let message = format!("{message}{rehearsed}");
    if let Some(step) = step {
        // Before the copy is made: a deletion from here on removes it.
        job::hold_for_cleanup(ctx, job.as_ref()).await?;
        status.copy_database = Some(plan::copy_name(&database, job));
        copy::enter(&mut status, step);
    }
    status.job.message = Some(message.clone());
    write(ctx, job, status, JobPhase::Running).await?;
    let reason = if job.spec.rehearsal {
        Reason::RehearsalStarted
    } else {
        Reason::UpgradeStarted
    };
    let from = current.image.unwrap_or_default();
    let said = format!("{from} → {target} ({strategy}): {message}");
    ctx.event(instance, false, reason, said).await;
    Ok(Action::requeue(Duration::from_secs(1)))
}

/// The strategy of a job: its own, else the instance's; a rehearsal always copies.
fn strategy_of(job: &OdooUpgradeJob, instance: &OdooInstance) -> UpgradeStrategy {
    if job.spec.rehearsal {
        return UpgradeStrategy::Copy;
    }
    job.spec
        .strategy
        .unwrap_or(instance.spec.auto_upgrade.strategy)
}

/// InPlace, Running: the batch Job starts only once no cron worker holds the
/// database, and runs on the live database.
async fn in_place(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
    mut status: OdooUpgradeJobStatus,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();

    let target = status.image.clone().unwrap_or_default();
    let name = plan::update_job_name(job);
    let live = crate::runtime::batch::live_job(ctx, &ns, &name).await?;
    let Some(live) = live else {
        let stop_web = job.spec.mode == UpgradeMode::Maintenance;
        if let Some(waiting) = workers_still_running(ctx, instance, stop_web).await? {
            status.job.message = Some(waiting);
            write(ctx, job, status, JobPhase::Running).await?;
            return Ok(Action::requeue(Duration::from_secs(2)));
        }
        let (valid, cluster) = super::job::valid_instance_on_cluster(ctx, instance).await?;
        // The database's clock before the Job exists: what Odoo writes from now
        // on is the update's, and the start is recorded before anything runs.
        let login = super::job::tenant_of(ctx, &valid).await?;
        let since = crate::pg::compare::clock(&cluster, &login, &valid.database.name)
            .await
            .map_err(|e| super::job::db_error(&valid.database.cluster, e))?;
        status.update_started = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(
            since,
        ));
        status.job.job_name = Some(name.clone());
        status.job.message = Some(format!("Job {name} running odoo --update with {target}"));
        write(ctx, job, status, JobPhase::Running).await?;
        let desired = plan::update_job(job, &valid, &target, &valid.database.name);
        crate::apply::apply(&ctx.client, &desired).await?;
        return Ok(Action::requeue(Duration::from_secs(30)));
    };
    match batch::outcome(&live) {
        Outcome::Running => Ok(Action::requeue(Duration::from_secs(30))),
        Outcome::Complete => match updated_in_place(ctx, job, instance, &status, &target).await? {
            Ok(found) => {
                adopt_target(ctx, job, instance, &target).await?;
                status.job.message = Some(format!(
                    "database upgraded to {target} ({found}); rolling out"
                ));
                finish(ctx, job, status, JobPhase::Succeeded, Some(instance)).await
            }
            Err(why) => {
                let message = format!(
                    "{why} (strategy InPlace: the live database may be partly updated); the previous image keeps serving. Logs: kubectl logs job/{name} -n {ns}"
                );
                failed(ctx, job, instance, status, message).await
            }
        },
        Outcome::Failed => {
            let said = batch::odoo_failure(ctx, &ns, &name)
                .await?
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            let message = format!(
                "upgrade to {target} failed{said} on the live database, which Odoo may have left partly updated (strategy InPlace); the previous image keeps serving. Logs: kubectl logs job/{name} -n {ns}"
            );
            failed(ctx, job, instance, status, message).await
        }
    }
}

/// The live database after `odoo --update` exited successfully, as the operator
/// finds it: the proof of the update, or why there is none.
async fn updated_in_place(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
    status: &OdooUpgradeJobStatus,
    target: &str,
) -> Result<super::proof::Checked, Error> {
    let (v, cluster) = super::job::valid_instance_on_cluster(ctx, instance).await?;
    let login = super::job::tenant_of(ctx, &v).await?;
    let written = plan::written(job, status);
    let read =
        crate::pg::compare::modules(&cluster, &login, &v.database.name, written.as_ref()).await;
    Ok(
        match crate::pg::tenant_read(read)
            .map_err(|e| super::job::db_error(&v.database.cluster, e))?
        {
            Ok(modules) => super::proof::updated(target, modules.as_ref(), written.is_some()),
            Err(why) => Err(why),
        },
    )
}

/// An InPlace upgrade that failed: told on the job and the instance, recorded.
async fn failed(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
    mut status: OdooUpgradeJobStatus,
    message: String,
) -> Result<Action, Error> {
    ctx.event(job, true, Reason::UpgradeFailed, message.clone())
        .await;
    ctx.event(instance, true, Reason::UpgradeFailed, message.clone())
        .await;
    status.job.message = Some(message);
    finish(ctx, job, status, JobPhase::Failed, Some(instance)).await
}

/// The first other job of the instance that runs, as `Kind/name`.
async fn busy_with(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
) -> Result<Option<String>, Error> {
    let other = batch::queued_behind(&ctx.client, job).await?;
    if other.is_some() {
        return Ok(other);
    }
    // A restore loading in the background would later switch in a database of the
    // old version under the upgraded image.
    if let Some(restore) = crate::runtime::observe::restore_in_progress(ctx, instance).await? {
        return Ok(Some(format!("OdooRestoreJob/{restore}")));
    }
    let phase = instance.status.as_ref().and_then(|s| s.phase);
    Ok(match phase {
        Some(InstancePhase::BackingUp) => Some("a running backup".into()),
        Some(InstancePhase::Restoring) => Some("a running restore".into()),
        Some(InstancePhase::Migrating) => Some("a running cluster migration".into()),
        _ => None,
    })
}

impl job::Reconcile for OdooUpgradeJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(reconcile(ctx, started.job, started.instance))
    }

    /// A succeeded real upgrade not marked rolled back may still be (see
    /// `rollback`); every other finished upgrade job is final.
    fn revisits(&self) -> bool {
        rollback::markable(self)
    }

    fn finished(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(rollback::finished(ctx, started.job, started.instance))
    }

    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(async move {
            let status = started.job.status.clone().unwrap_or_default();
            copy::clean_up(ctx, &started.job, started.instance.as_ref(), status).await
        })
    }
}
