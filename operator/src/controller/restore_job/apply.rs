//! The effects a restore's steps ask for: each reads or changes one thing and
//! records its outcome in the pass's [`Facts`]. The crash points sit where a crash
//! is hardest to recover from (see `crate::crash`).

use kube::ResourceExt;
use kube::api::{Api, ListParams};
use odoo_model::agent::RestoreReport;
use odoo_model::restore_job::RestoreMode;
use odoo_model::{InstancePhase, OdooBackupJob, OdooInstance, OdooRestoreJob, names};

use super::load::load_name;
use super::pass::{Effect, Facts};
use super::runs;
use crate::controller::filestore_jobs;
use crate::controller::restore_plan::{self as plan, Source, Unusable};
use crate::controller::step::Apply;
use crate::controller::{job, kept, proof};
use crate::pg::restore::{self as pg_restore, Preparation, Switch};
use crate::runtime::agent_pod::{self, Agent};
use crate::runtime::batch;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

impl Apply<OdooRestoreJob> for Effect {
    async fn apply(self, ctx: &Context, job: &OdooRestoreJob, f: &mut Facts) -> Result<(), Error> {
        let ns = job.namespace().unwrap_or_default();
        let instance = f.seen.needed()?;
        match self {
            Effect::ReadQueue => f.queued = Some(batch::queued_behind(&ctx.client, job).await?),
            Effect::Resolve => f.source = Some(resolve(ctx, job).await?),
            Effect::ReadInstance => {
                f.valid = Some(Box::new(job::valid_instance(ctx, instance).await?));
            }
            Effect::ReadServing => f.serving = Some(still_serving(ctx, instance).await?),
            Effect::ReadLoad => {
                let name = load_name(job);
                f.load =
                    Some(agent_pod::run_of::<RestoreReport>(ctx, &ns, &name, "restore").await?);
            }
            Effect::ReadSwitch => f.switch = Some(read_switch(ctx, &ns, job).await?),
            Effect::ReadRun(run) => {
                let live = batch::live_job(ctx, &ns, &run.job_name(job)).await?;
                f.runs.push((run, live.as_ref().map(batch::outcome)));
            }
            Effect::ReadRunFailure(run) => {
                f.failure = Some(batch::odoo_failure(ctx, &ns, &run.job_name(job)).await?);
            }
            effect => effect.change(ctx, job, f).await?,
        }
        Ok(())
    }
}

impl Effect {
    /// The effects that need the instance resolved: the changes, and the reads of
    /// the temporary database.
    async fn change(self, ctx: &Context, job: &OdooRestoreJob, f: &mut Facts) -> Result<(), Error> {
        let v = job::resolved(&f.valid)?;
        let status = job.status.clone().unwrap_or_default();
        let temporary = status.temporary_database.clone().unwrap_or_default();
        let kept = status.previous_database_name.clone().unwrap_or_default();
        let agent_image = &ctx.config.agent_image;
        match self {
            Effect::StartLoad => {
                let Some(Ok(source)) = &f.source else {
                    return Ok(());
                };
                start_load(ctx, job, v, source, &temporary).await?;
                f.load_started = true;
            }
            Effect::Prove => {
                let Some(Agent::Ended(Ok(report))) = &f.load else {
                    return Ok(());
                };
                let sha = status.sha256.as_deref();
                let (checked, _) = proof::loaded_database(ctx, v, &temporary, report, sha).await?;
                f.proof = Some(checked);
            }
            Effect::Discard => {
                discard(ctx, v, &temporary).await?;
                f.discarded = true;
            }
            Effect::StartRun(run) => {
                crate::apply::apply(&ctx.client, &run.job(job, v, &temporary)).await?;
                f.run_started = Some(run);
            }
            Effect::ReadNeutralized => f.neutralized = Some(marked(ctx, v, &temporary).await?),
            Effect::SwitchDatabases => {
                f.databases = Some(switch_databases(ctx, job, v, &temporary, &kept).await?);
            }
            Effect::StartSwitch => {
                let switch = filestore_jobs::switch_job(
                    job,
                    "restore",
                    v,
                    &temporary,
                    &kept,
                    false,
                    agent_image,
                );
                crate::apply::apply(&ctx.client, &switch).await?;
                f.switch_started = true;
            }
            Effect::Revert => {
                let cluster = job::cluster_of(ctx, v).await?;
                pg_restore::revert(&cluster, &switch_names(v, &temporary, &kept))
                    .await
                    .map_err(|e| job::db_error(&v.database.cluster, e))?;
                f.reverted = true;
            }
            Effect::DropKept => {
                let cluster = job::cluster_of(ctx, v).await?;
                let drop_job = filestore_jobs::switch_job(
                    job,
                    "restore",
                    v,
                    &temporary,
                    &kept,
                    true,
                    agent_image,
                );
                f.dropping = Some(kept::drop_kept(ctx, v, &cluster, &drop_job, &kept).await?);
            }
            _ => {}
        }
        Ok(())
    }
}

/// The empty temporary database, then the load Job.
async fn start_load(
    ctx: &Context,
    job: &OdooRestoreJob,
    v: &ValidInstance,
    source: &Source,
    temporary: &str,
) -> Result<(), Error> {
    let cluster = job::cluster_of(ctx, v).await?;
    pg_restore::create_restore_database(&cluster, &v.owner(), temporary)
        .await
        .map_err(|e| job::db_error(&v.database.cluster, e))?;
    let load = plan::load_job(job, v, source, temporary, &ctx.config.agent_image);
    crate::apply::apply(&ctx.client, &load).await?;
    Ok(())
}

/// The filestore switch's Job, and once it ended, where its agent says the files
/// are.
async fn read_switch(
    ctx: &Context,
    ns: &str,
    job: &OdooRestoreJob,
) -> Result<Agent<agent_pod::Switched>, Error> {
    let name = filestore_jobs::switch_job_name(job, false);
    let switched = filestore_jobs::switch_of(ctx, ns, &name).await?;
    if matches!(switched, Agent::Ended(agent_pod::Switched::Done(_))) {
        crate::crash::point("restore-after-filestore-switch");
    }
    Ok(switched)
}

/// The names a switch moves: the temporary database takes the live name, and the
/// live one is kept under `kept`.
fn switch_names<'a>(v: &'a ValidInstance, temporary: &'a str, kept: &'a str) -> Switch<'a> {
    Switch {
        live: &v.database.name,
        restored: temporary,
        kept,
    }
}

/// Prepares the temporary database and gives it the live name, keeping the live
/// one as `kept`: `Err` says why it could not (nothing was switched).
async fn switch_databases(
    ctx: &Context,
    job: &OdooRestoreJob,
    v: &ValidInstance,
    temporary: &str,
    kept: &str,
) -> Result<Result<(), String>, Error> {
    let cluster = job::cluster_of(ctx, v).await?;
    let names = switch_names(v, temporary, kept);
    let preparation = Preparation {
        new_identity: job.spec.mode == RestoreMode::Copy,
        // From 16.0 on, Odoo's own command neutralized it while Opening.
        neutralize: runs::neutralizes(job, v) && !runs::odoo_neutralizes(&v.images.database),
    };
    crate::crash::point("restore-before-rename");
    let login = job::tenant_of(ctx, v).await?;
    let switched = async {
        // A pass that crashed after the rename finds it done: the prepared
        // database is already live, and the temporary name is gone.
        if !pg_restore::switched(&cluster, &names).await? {
            pg_restore::prepare(&cluster, &login, names.restored, preparation).await?;
        }
        pg_restore::switch(&cluster, &names).await
    };
    if let Err(e) = switched.await {
        return Ok(Err(e.to_string()));
    }
    crate::crash::point("restore-after-rename");
    Ok(Ok(()))
}

/// The archive of the job's source.
async fn resolve(ctx: &Context, job: &OdooRestoreJob) -> Result<Result<Source, Unusable>, Error> {
    if let Some(source) = plan::direct(job) {
        return Ok(Ok(source));
    }
    let ns = job.namespace().unwrap_or_default();
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), &ns);
    let s = &job.spec.source;
    let mut resolved = if let Some(name) = &s.backup_job {
        match api
            .get_opt(name)
            .await
            .map_err(Error::kube(format!("reading OdooBackupJob {name}")))?
        {
            Some(b) => plan::from_backup(&b),
            None => Err(Unusable::Refused(format!(
                "OdooBackupJob {name} does not exist"
            ))),
        }
    } else if let Some(of) = &s.latest_backup_of {
        let backups = api
            .list(&ListParams::default())
            .await
            .map_err(Error::kube("listing OdooBackupJobs"))?
            .items;
        match odoo_model::backup_job::latest_backup_of(&backups, &of.name) {
            Some(latest) => plan::from_backup(latest.job).map(|mut source| {
                source.chosen = Some(latest.describe(&of.name));
                source
            }),
            None => Err(Unusable::Refused(format!(
                "{} has no succeeded backup to restore",
                of.name
            ))),
        }
    } else {
        Err(Unusable::Refused("the job names no source".into()))
    };
    if let Ok(source) = resolved.as_mut()
        && let Some(sha) = &job.spec.sha256
    {
        source.sha256 = Some(sha.clone());
    }
    Ok(resolved)
}

/// What still serves from the live database, if anything: the instance enters
/// Restoring once this job is at the switch, and its Deployments go to zero.
async fn still_serving(ctx: &Context, instance: &OdooInstance) -> Result<Option<String>, Error> {
    if instance.phase() != Some(InstancePhase::Restoring) {
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

/// Odoo's neutralization marks the database (`database.is_neutralized`): a run
/// that exited 0 without it did not neutralize.
async fn marked(
    ctx: &Context,
    v: &ValidInstance,
    temporary: &str,
) -> Result<Result<(), String>, Error> {
    let cluster = job::cluster_of(ctx, v).await?;
    let login = job::tenant_of(ctx, v).await?;
    let read =
        crate::pg::tenant_read(crate::pg::compare::neutralized(&cluster, &login, temporary).await)
            .map_err(|e| job::db_error(&v.database.cluster, e))?;
    Ok(match read {
        Ok(true) => Ok(()),
        Ok(false) => Err(
            "it exited 0 but the database is not marked neutralized (database.is_neutralized)"
                .into(),
        ),
        Err(why) => Err(why),
    })
}
