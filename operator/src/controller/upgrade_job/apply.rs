//! Does what a step over an upgrade job asks and records its outcome in the
//! facts: the only place the upgrade controller reads or changes anything.

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use odoo_model::{InstancePhase, OdooInstance, OdooUpgradeJob};
use serde_json::json;

use super::copy::effects;
use super::facts::{Db, Effect, Facts, OnDatabase, Resolved, copy, target};
use super::plan;
use crate::controller::job;
use crate::controller::step::Apply;
use crate::pg::compare;
use crate::runtime::batch;
use crate::runtime::context::Context;
use crate::runtime::error::Error;

impl Apply<OdooUpgradeJob> for Effect {
    async fn apply(self, ctx: &Context, job: &OdooUpgradeJob, f: &mut Facts) -> Result<(), Error> {
        let instance = f.seen.needed()?;
        let ns = job.namespace().unwrap_or_default();
        match self {
            Effect::Resolve => {
                let (v, cluster) = job::valid_instance_on_cluster(ctx, instance).await?;
                f.resolved = Some(Box::new(Resolved { v, cluster }));
            }
            Effect::ReadBusy => f.busy = Some(busy_with(ctx, job, instance).await?),
            Effect::ReadRehearsed => {
                f.rehearsed =
                    Some(crate::controller::records::last_rehearsal(ctx, instance).await?);
            }
            Effect::ReadWorkers { stop_web } => {
                f.workers = Some(workers_still_running(ctx, instance, stop_web).await?);
            }
            Effect::ReadUpdate => {
                let live = batch::live_job(ctx, &ns, &plan::update_job_name(job)).await?;
                f.update = Some(live.as_ref().map(batch::outcome));
            }
            Effect::ReadFailure => {
                let name = plan::update_job_name(job);
                f.failure = Some(batch::odoo_failure(ctx, &ns, &name).await?);
            }
            Effect::Adopt => {
                adopt_target(ctx, instance, &target(&current(job))).await?;
                f.adopted = true;
            }
            effect @ (Effect::ReadOwnJobs | Effect::DeleteJob(_)) => {
                effects::stop(ctx, job, effect, f).await?;
            }
            effect => {
                // Taken out while the effect records its outcome beside it.
                let r = f.resolved.take().ok_or_else(|| {
                    Error::Unsettled("an upgrade step read a database before resolving it".into())
                })?;
                let done = on_database(OnDatabase { ctx, job, r: &r }, effect, f).await;
                f.resolved = Some(r);
                done?;
            }
        }
        Ok(())
    }
}

/// The effects on the instance's database cluster, resolved.
async fn on_database(at: OnDatabase<'_>, effect: Effect, f: &mut Facts) -> Result<(), Error> {
    let OnDatabase { job, r, .. } = at;
    match effect {
        Effect::ReadClock(db) | Effect::StartUpdate(db) | Effect::ReadUpdated(db) => {
            let database = match db {
                Db::Live => r.v.database.name.clone(),
                Db::Copy => copy(&current(job)),
            };
            update(at, &database, effect, f).await
        }
        effect => effects::apply(at, effect, f).await,
    }
}

fn current(job: &OdooUpgradeJob) -> odoo_model::upgrade_job::OdooUpgradeJobStatus {
    super::facts::current(job)
}

/// The update Job's effects, on `database`.
async fn update(
    at: OnDatabase<'_>,
    database: &str,
    effect: Effect,
    f: &mut Facts,
) -> Result<(), Error> {
    let OnDatabase { ctx, job, r } = at;
    let db_error = |e| job::db_error(&r.v.database.cluster, e);
    let status = current(job);
    match effect {
        Effect::ReadClock(_) => {
            let login = job::tenant_of(ctx, &r.v).await?;
            let since = compare::clock(&r.cluster, &login, database)
                .await
                .map_err(db_error)?;
            f.clock = Some(since);
        }
        Effect::StartUpdate(_) => {
            let desired = plan::update_job(job, &r.v, &target(&status), database);
            crate::apply::apply(&ctx.client, &desired).await?;
            f.started = true;
        }
        _ => {
            let login = job::tenant_of(ctx, &r.v).await?;
            let written = plan::written(job, &status);
            let read = compare::modules(&r.cluster, &login, database, written.as_ref()).await;
            let checked = match crate::pg::tenant_read(read).map_err(db_error)? {
                Ok(modules) => crate::controller::proof::updated(
                    &target(&status),
                    modules.as_ref(),
                    written.is_some(),
                ),
                Err(why) => Err(why),
            };
            f.updated = Some(checked);
        }
    }
    Ok(())
}

/// An explicit target becomes the spec's image, so spec and the running image
/// agree once it rolls out.
async fn adopt_target(ctx: &Context, instance: &OdooInstance, target: &str) -> Result<(), Error> {
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
async fn workers_still_running(
    ctx: &Context,
    instance: &OdooInstance,
    stop_web: bool,
) -> Result<Option<String>, Error> {
    if instance.phase() != Some(InstancePhase::Upgrading) {
        return Ok(Some(format!(
            "waiting for {} to enter Upgrading",
            instance.name_any()
        )));
    }
    let deployments = plan::must_stop(&instance.name_any(), stop_web);
    batch::deployments_stopped(ctx, &instance.namespace().unwrap_or_default(), &deployments).await
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
    Ok(match instance.phase() {
        Some(InstancePhase::BackingUp) => Some("a running backup".into()),
        Some(InstancePhase::Restoring) => Some("a running restore".into()),
        Some(InstancePhase::Migrating) => Some("a running cluster migration".into()),
        _ => None,
    })
}
