//! OdooRestoreJob: the archive is verified and loaded into a new temporary database
//! and filestore directory while the instance keeps serving; only after that
//! succeeded does the instance stop for the switch of names, which is one
//! transaction for the databases and two renames for the files. Every step resumes
//! from status alone. A failure before the switch drops the temporary copy and
//! leaves the live database untouched; a failed filestore switch puts the previous
//! database back.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, ListParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::agent::{RestoreReport, SwitchOutcome, SwitchReport};
use odoo_model::restore_job::{OdooRestoreJobStatus, PreviousDatabase, RestoreMode, RestoreStep};
use odoo_model::{InstancePhase, JobPhase, OdooBackupJob, OdooInstance, OdooRestoreJob, names};

use super::batch::{self, Outcome};
use super::error::Error;
use super::restore_plan::{self as plan, Source, Unusable};
use super::{Context, agent_pod, observe, proof};
use crate::pg::restore::{self as pg_restore, Preparation, Switch};
use crate::validate::ValidInstance;

#[tracing::instrument(skip_all, fields(name = %job.name_any(), namespace = job.namespace().unwrap_or_default()))]
pub async fn reconcile(job: Arc<OdooRestoreJob>, ctx: Arc<Context>) -> Result<Action, Error> {
    let _timer = ctx.metrics.reconcile_timer("restore_job");
    let ns = job.namespace().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    if status.job.phase.is_some_and(JobPhase::is_finished) {
        return Ok(Action::await_change());
    }
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    let name = &job.spec.instance_ref.name;
    let Some(instance) = instances
        .get_opt(name)
        .await
        .map_err(Error::kube("reading the instance"))?
    else {
        let mut status = status;
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return write(&ctx, &job, status, JobPhase::Failed).await;
    };
    match status.step {
        None => start(&ctx, &job, &instance, status).await,
        Some(RestoreStep::Loading) => load(&ctx, &job, &instance, status).await,
        Some(RestoreStep::Switching) => switch(&ctx, &job, &instance, status).await,
    }
}

/// Pending: waits its turn, resolves the archive and names the temporary database.
async fn start(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
) -> Result<Action, Error> {
    if let Some(what) = busy_with(ctx, job, instance).await? {
        status.job.message = Some(format!("queued: waiting for {what}"));
        write(ctx, job, status, JobPhase::Pending).await?;
        return Ok(Action::requeue(Duration::from_secs(10)));
    }
    let source = match resolve(ctx, job).await? {
        Ok(source) => source,
        Err(Unusable::Wait(what)) => {
            status.job.message = Some(format!("queued: waiting for {what}"));
            write(ctx, job, status, JobPhase::Pending).await?;
            return Ok(Action::requeue(Duration::from_secs(10)));
        }
        Err(Unusable::Refused(why)) => return fail(ctx, job, instance, status, why).await,
    };
    let v = super::backup_job::valid_instance(ctx, instance).await?;
    let temporary = plan::temporary_name(&v.database.name, &job.uid().unwrap_or_default());
    let chosen = source
        .chosen
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    status.job.message = Some(format!(
        "loading {}{chosen} into the temporary database {temporary}; {} keeps serving",
        source.location, v.database.name
    ));
    if let Some(c) = &source.chosen {
        ctx.event(job, false, "BackupChosen", format!("restoring {c}"))
            .await;
    }
    status.location = Some(source.location);
    // The digest the archive must have: the load is checked against it.
    status.sha256 = source.sha256;
    status.temporary_database = Some(temporary);
    status.step = Some(RestoreStep::Loading);
    write(ctx, job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(1)))
}

/// Loading: the empty temporary database, then the load Job, then its outcome.
async fn load(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();
    let v = super::backup_job::valid_instance(ctx, instance).await?;
    let temporary = status.temporary_database.clone().unwrap_or_default();
    let batch_name = format!("{}-load", job.name_any());
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &ns);
    let Some(live) = jobs
        .get_opt(&batch_name)
        .await
        .map_err(Error::kube(format!("reading Job {batch_name}")))?
    else {
        let source = match resolve(ctx, job).await? {
            Ok(source) => source,
            Err(Unusable::Wait(what) | Unusable::Refused(what)) => {
                return fail(ctx, job, instance, status, what).await;
            }
        };
        let cluster = cluster_of(ctx, &v).await?;
        pg_restore::create_restore_database(&cluster, &v.database.role, &temporary)
            .await
            .map_err(|e| db_error(&v.database.cluster, e))?;
        crate::apply::apply(
            &ctx.client,
            &plan::load_job(job, &v, &source, &temporary, &ctx.config.agent_image),
        )
        .await?;
        status.job.job_name = Some(batch_name);
        write(ctx, job, status, JobPhase::Running).await?;
        crate::crash::point("restore-loading");
        return Ok(Action::requeue(Duration::from_secs(10)));
    };
    let outcome = batch::outcome(&live);
    if outcome == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(10)));
    }
    let left = agent_pod::report::<RestoreReport>(ctx, &ns, &batch_name, "restore").await?;
    let checked = match agent_pod::taken(outcome == Outcome::Complete, left) {
        Ok(r) => {
            let (checked, _) =
                proof::loaded_database(ctx, &v, &temporary, &r, status.sha256.as_deref()).await?;
            checked.map(|proof| (r, proof))
        }
        Err(why) => Err(format!("loading the archive failed: {why}")),
    };
    match checked {
        Err(why) => {
            discard(ctx, &v, &temporary).await?;
            fail(
                ctx,
                job,
                instance,
                status,
                format!(
                    "{why}; the temporary database was dropped and {} was not touched and keeps serving; logs: kubectl logs job/{batch_name} -n {ns}",
                    v.database.name
                ),
            )
            .await
        }
        Ok((r, proof)) => {
            status.sha256 = Some(r.archive.sha256);
            status.progress_bytes = i64::try_from(r.archive.size_bytes).ok();
            status.odoo_version = r.archive.odoo_version.or_else(|| {
                r.loaded
                    .base_version
                    .as_deref()
                    .and_then(odoo_model::agent::odoo_series)
            });
            status.previous_database_name = Some(plan::kept_name(
                &v.database.name,
                k8s_openapi::jiff::Timestamp::now(),
            ));
            status.step = Some(RestoreStep::Switching);
            status.job.message = Some(format!(
                "archive loaded and {proof}; stopping {} to switch databases",
                instance.name_any()
            ));
            ctx.event(
                job,
                false,
                "RestoreLoaded",
                format!("loaded into {temporary} and {proof}; the instance stops for the switch"),
            )
            .await;
            write(ctx, job, status, JobPhase::Running).await?;
            crate::crash::point("restore-loaded");
            Ok(Action::requeue(Duration::from_secs(1)))
        }
    }
}

/// Switching: once the instance is down, rename the databases, then the filestore.
async fn switch(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();
    if let Some(waiting) = still_serving(ctx, instance).await? {
        status.job.message = Some(waiting);
        write(ctx, job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(2)));
    }
    let v = super::backup_job::valid_instance(ctx, instance).await?;
    let cluster = cluster_of(ctx, &v).await?;
    let temporary = status.temporary_database.clone().unwrap_or_default();
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let names = Switch {
        live: &v.database.name,
        restored: &temporary,
        kept: &kept,
    };
    if !status.database_switched {
        let preparation = Preparation {
            new_identity: job.spec.mode == RestoreMode::Copy,
            neutralize: job.spec.neutralize,
        };
        crate::crash::point("restore-before-rename");
        let switched = async {
            // A pass that crashed after the rename finds it done: the prepared
            // database is already live, and the temporary name is gone.
            if !pg_restore::switched(&cluster, &names).await? {
                pg_restore::prepare(&cluster, &temporary, preparation).await?;
            }
            pg_restore::switch(&cluster, &names).await
        };
        if let Err(e) = switched.await {
            discard(ctx, &v, &temporary).await?;
            let why = format!(
                "switching databases failed: {e}; {} was kept",
                v.database.name
            );
            return fail(ctx, job, instance, status, why).await;
        }
        crate::crash::point("restore-after-rename");
        status.database_switched = true;
        status.job.message = Some(format!(
            "{} now holds the restored data; switching the filestore",
            v.database.name
        ));
        write(ctx, job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(1)));
    }
    let batch_name = format!("{}-switch", job.name_any());
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &ns);
    let Some(live) = jobs
        .get_opt(&batch_name)
        .await
        .map_err(Error::kube(format!("reading Job {batch_name}")))?
    else {
        crate::apply::apply(
            &ctx.client,
            &plan::switch_job(job, &v, &temporary, &kept, &ctx.config.agent_image),
        )
        .await?;
        status.job.job_name = Some(batch_name);
        write(ctx, job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(10)));
    };
    let outcome = batch::outcome(&live);
    if outcome == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(10)));
    }
    let left = agent_pod::report::<SwitchReport>(ctx, &ns, &batch_name, "switch").await?;
    let switched = agent_pod::taken(outcome == Outcome::Complete, left);
    match switched {
        Err(why) => {
            // The agent undoes a half switch, and a switch it did not report is
            // undone here: the files stay where they were, so the previous database
            // goes back too and the instance serves as before.
            pg_restore::revert(&cluster, &names)
                .await
                .map_err(|e| db_error(&v.database.cluster, e))?;
            discard(ctx, &v, &temporary).await?;
            let message = format!(
                "switching the filestore failed: {why}; the previous database {} is back in place; logs: kubectl logs job/{batch_name} -n {ns}",
                v.database.name
            );
            fail(ctx, job, instance, status, message).await
        }
        Ok(report) => {
            crate::crash::point("restore-after-filestore-switch");
            let outcome = report.outcome;
            let mut message = format!(
                "restored {} into {}",
                status.location.clone().unwrap_or_default(),
                v.database.name
            );
            if job.spec.previous_database == PreviousDatabase::Drop {
                pg_restore::drop_database(&cluster, &kept)
                    .await
                    .map_err(|e| db_error(&v.database.cluster, e))?;
                status.previous_database_name = None;
                message.push_str("; the previous database was dropped");
            } else {
                message.push_str(&format!("; the previous database is kept as {kept}"));
            }
            if outcome == SwitchOutcome::NoFilesRestored {
                message.push_str("; the archive had no filestore, the current files stay");
            }
            if job.spec.neutralize {
                message.push_str("; neutralized");
            }
            status.job.message = Some(message.clone());
            ctx.event(job, false, "Restored", message.clone()).await;
            ctx.event(instance, false, "Restored", message.clone())
                .await;
            let done = write(ctx, job, status, JobPhase::Succeeded).await?;
            ctx.callbacks.job_finished(
                instance,
                "OdooRestoreJob",
                &job.name_any(),
                JobPhase::Succeeded,
                &message,
            );
            Ok(done)
        }
    }
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

/// Another job that goes first, or work that must not overlap a restore.
async fn busy_with(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
) -> Result<Option<String>, Error> {
    match instance.status.as_ref().and_then(|s| s.phase) {
        // Uninitialized: a new instance without init, waiting for this database
        // (`kubectl odoo restore --into`).
        Some(
            InstancePhase::Running
            | InstancePhase::Degraded
            | InstancePhase::Stopped
            | InstancePhase::Starting
            | InstancePhase::Uninitialized,
        ) => {}
        other => {
            return Ok(Some(format!(
                "the instance to be initialized and settled (it is {})",
                other.map_or("new".into(), |p| p.to_string())
            )));
        }
    }
    batch::queued_behind(
        &ctx.client,
        job,
        &instance.name_any(),
        |j| &j.spec.instance_ref.name,
        |j| j.status.as_ref().and_then(|s| s.job.phase),
    )
    .await
}

/// What still serves from the live database, if anything: the instance enters
/// Restoring once this job is at the switch, and its Deployments go to zero.
async fn still_serving(ctx: &Context, instance: &OdooInstance) -> Result<Option<String>, Error> {
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

/// Drops the temporary database of a restore that will not switch. Its partial
/// filestore directory stays on the volume under the temporary name.
async fn discard(ctx: &Context, v: &ValidInstance, temporary: &str) -> Result<(), Error> {
    if temporary.is_empty() {
        return Ok(());
    }
    let cluster = cluster_of(ctx, v).await?;
    pg_restore::drop_database(&cluster, temporary)
        .await
        .map_err(|e| db_error(&v.database.cluster, e))
}

async fn fail(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
    why: String,
) -> Result<Action, Error> {
    ctx.event(job, true, "RestoreFailed", why.clone()).await;
    ctx.event(instance, true, "RestoreFailed", why.clone())
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

pub(super) fn db_error(cluster: &str, e: crate::pg::PgError) -> Error {
    Error::Database {
        cluster: cluster.into(),
        unreachable: matches!(e, crate::pg::PgError::Connect { .. }),
        message: e.to_string(),
    }
}

pub(super) async fn cluster_of(
    ctx: &Context,
    v: &ValidInstance,
) -> Result<crate::pg::PgCluster, Error> {
    let clusters = observe::pg_clusters(ctx).await?;
    clusters
        .get(&v.database.cluster)
        .cloned()
        .map_err(|e| Error::PgClusters(e.to_string()))
}

async fn write(
    ctx: &Context,
    job: &OdooRestoreJob,
    mut next: OdooRestoreJobStatus,
    phase: JobPhase,
) -> Result<Action, Error> {
    ctx.backoff.succeeded(&backoff_key(job));
    let current = job.status.clone().unwrap_or_default();
    if phase.is_finished() {
        next.step = None;
    }
    batch::stamp(&mut next.job, phase, job.meta().generation);
    batch::patch_status(&ctx.client, job, &current, &next).await?;
    Ok(if phase.is_finished() {
        Action::await_change()
    } else {
        Action::requeue(Duration::from_secs(30))
    })
}

fn backoff_key(job: &OdooRestoreJob) -> String {
    format!(
        "restore/{}/{}",
        job.namespace().unwrap_or_default(),
        job.name_any()
    )
}

pub fn error_policy(job: Arc<OdooRestoreJob>, error: &Error, ctx: Arc<Context>) -> Action {
    ctx.metrics.reconcile_error("restore_job", error.category());
    tracing::warn!(name = %job.name_any(), namespace = ?job.namespace(), error = %error, "restore job reconcile failed");
    Action::requeue(ctx.backoff.retry_after(&backoff_key(&job), error))
}
