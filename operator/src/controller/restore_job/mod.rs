//! OdooRestoreJob: the archive is verified and loaded into a new temporary database
//! and filestore directory while the instance keeps serving, and Odoo from the
//! instance's image opens it (see [`open`]); only after that
//! succeeded does the instance stop for the switch of names, which is one
//! transaction for the databases and two renames for the files. Every step resumes
//! from status alone. A failure before the switch drops the temporary copy and
//! leaves the live database untouched; a failed filestore switch puts the previous
//! database back.

use odoo_model::Reason;
use std::sync::Arc;
use std::time::Duration;

use kube::ResourceExt;
use kube::api::{Api, ListParams};
use kube::runtime::controller::Action;
use odoo_model::agent::RestoreReport;
use odoo_model::restore_job::{OdooRestoreJobStatus, RestoreStep};
use odoo_model::{InstancePhase, JobPhase, OdooBackupJob, OdooInstance, OdooRestoreJob};

use super::job::{self, Started};
use super::proof;
use super::restore_plan::{self as plan, Source, Unusable};
use crate::pg::restore::{self as pg_restore};
use crate::runtime::agent_pod;
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

mod open;
mod outcome;
pub(crate) mod runs;
mod switch;
use open::open;
use outcome::{discard, fail, meanwhile, untouched, write};
use switch::{starting, switch};

/// A pass over a restore job that has work to do.
async fn reconcile(
    ctx: &Context,
    job: Arc<OdooRestoreJob>,
    instance: Option<OdooInstance>,
) -> Result<Action, Error> {
    let mut status = job.status.clone().unwrap_or_default();
    let Some(instance) = instance else {
        let name = &job.spec.instance_ref.name;
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return write(ctx, &job, status, JobPhase::Failed).await;
    };
    match status.step {
        None => start(ctx, &job, &instance, status).await,
        Some(RestoreStep::Loading) => load(ctx, &job, &instance, status).await,
        Some(RestoreStep::Opening) => open(ctx, &job, &instance, status).await,
        Some(RestoreStep::Switching) => switch(ctx, &job, &instance, status).await,
        Some(RestoreStep::Starting) => starting(ctx, &job, &instance, status).await,
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
    let v = job::valid_instance(ctx, instance).await?;
    let temporary = plan::temporary_name(&v.database.name, &job.uid().unwrap_or_default());
    let chosen = source
        .chosen
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    status.job.message = Some(format!(
        "loading {}{chosen} into the temporary database {temporary}; {}",
        source.location,
        meanwhile(instance, &v.database.name)
    ));
    if let Some(c) = &source.chosen {
        ctx.event(job, false, Reason::BackupChosen, format!("restoring {c}"))
            .await;
    }
    // Before anything is made: a deletion from here on removes what was.
    let job = &job::hold_for_cleanup(ctx, job).await?;
    status.location = Some(source.location.to_string());
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
    let v = job::valid_instance(ctx, instance).await?;
    let temporary = status.temporary_database.clone().unwrap_or_default();
    let batch_name = format!("{}-load", job.name_any());
    let Some(live) = crate::runtime::batch::live_job(ctx, &ns, &batch_name).await? else {
        let source = match resolve(ctx, job).await? {
            Ok(source) => source,
            Err(Unusable::Wait(what) | Unusable::Refused(what)) => {
                return fail(ctx, job, instance, status, what).await;
            }
        };
        let cluster = job::cluster_of(ctx, &v).await?;
        pg_restore::create_restore_database(&cluster, &v.owner(), &temporary)
            .await
            .map_err(|e| job::db_error(&v.database.cluster, e))?;
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
            let why = format!(
                "{why}; the temporary database was dropped and {}; logs: kubectl logs job/{batch_name} -n {ns}",
                untouched(instance, &v.database.name)
            );
            fail(ctx, job, instance, status, why).await
        }
        Ok((r, proof)) => loaded(ctx, job, instance, &v, status, &r, &proof).await,
    }
}

/// The archive is loaded and proven: the restore records what it holds and the
/// name the live database will be kept under, and goes on to Opening.
async fn loaded(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    v: &crate::validate::ValidInstance,
    mut status: OdooRestoreJobStatus,
    r: &RestoreReport,
    proof: &str,
) -> Result<Action, Error> {
    let temporary = status.temporary_database.clone().unwrap_or_default();
    status.sha256 = Some(r.archive.sha256.clone());
    status.progress_bytes = i64::try_from(r.archive.size_bytes).ok();
    status.odoo_version = r.archive.odoo_version.clone().or_else(|| {
        r.loaded
            .base_version
            .as_deref()
            .and_then(odoo_model::OdooVersion::parse)
            .map(|v| v.to_string())
    });
    status.previous_database_name = Some(plan::kept_name(
        &v.database.name,
        k8s_openapi::jiff::Timestamp::now(),
    ));
    status.step = Some(RestoreStep::Opening);
    status.job.message = Some(format!(
        "archive loaded and {proof}; Odoo ({}) opens it before {} stops for the switch",
        v.image,
        instance.name_any()
    ));
    let said = format!("loaded into {temporary} and {proof}; Odoo opens it before the switch");
    ctx.event(job, false, Reason::RestoreLoaded, said).await;
    write(ctx, job, status, JobPhase::Running).await?;
    crate::crash::point("restore-loaded");
    Ok(Action::requeue(Duration::from_secs(1)))
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
    batch::queued_behind(&ctx.client, job).await
}

/// A restore deleted in flight. Before the database switch nothing of it is live:
/// the load Job goes, then the temporary database (marker checked), then its
/// files. Once the restored database is live, the switch runs to its end first,
/// so the live data and files belong together. After it (or once finished) there
/// is nothing temporary left; a database kept for Drop stays.
async fn clean_up(
    ctx: &Context,
    job: Arc<OdooRestoreJob>,
    instance: Option<OdooInstance>,
) -> Result<Option<Action>, Error> {
    let status = job.status.clone().unwrap_or_default();
    let finished = status.job.phase.is_some_and(JobPhase::is_finished);
    let Some(temporary) = status.temporary_database.clone() else {
        return Ok(None);
    };
    if finished || status.step == Some(RestoreStep::Starting) {
        return Ok(None);
    }
    let Some(instance) = instance else {
        // Without the instance nothing says whose the database is: it stays.
        ctx.event(
            job.as_ref(),
            true,
            Reason::CleanupSkipped,
            format!("the instance is gone; {temporary} and its files stay"),
        )
        .await;
        return Ok(None);
    };
    if status.database_switched {
        return Ok(Some(reconcile(ctx, job, Some(instance)).await?));
    }
    let ns = job.namespace().unwrap_or_default();
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(ctx.client.clone(), &ns);
    let v = job::valid_instance(ctx, &instance).await?;
    // Every Job that may have the temporary database open goes first.
    let odoo = runs::OdooRun::of(runs::neutralizes(&job, &v), &v.image).into_iter();
    let using = std::iter::once(format!("{}-load", job.name_any()))
        .chain(odoo.map(|run| run.job_name(&job)));
    for name in using {
        if batch::live_job(ctx, &ns, &name).await?.is_some() {
            jobs.delete(&name, &kube::api::DeleteParams::foreground())
                .await
                .map_err(Error::kube(format!("deleting Job {name}")))?;
            return Ok(Some(Action::requeue(Duration::from_secs(2))));
        }
    }
    discard(ctx, &v, &temporary).await?;
    let cleanup = plan::discard_files_job(&job, &v, &temporary, &ctx.config.agent_image);
    let Some(files) = batch::live_job(ctx, &ns, &cleanup.name_any()).await? else {
        crate::apply::apply(&ctx.client, &cleanup).await?;
        return Ok(Some(Action::requeue(Duration::from_secs(5))));
    };
    match batch::outcome(&files) {
        Outcome::Running => Ok(Some(Action::requeue(Duration::from_secs(5)))),
        Outcome::Complete => {
            ctx.event(
                job.as_ref(),
                false,
                Reason::CleanedUp,
                format!("deleted in flight: {temporary} and its files were removed"),
            )
            .await;
            Ok(None)
        }
        Outcome::Failed => {
            ctx.event(
                job.as_ref(),
                true,
                Reason::CleanupFailed,
                format!(
                    "deleted in flight: {temporary} was dropped, but its files could not be removed: remove filestore/{temporary} from the volume by hand; logs: kubectl logs job/{} -n {ns}",
                    cleanup.name_any()
                ),
            )
            .await;
            Ok(None)
        }
    }
}

impl job::Reconcile for OdooRestoreJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(reconcile(ctx, started.job, started.instance))
    }

    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(clean_up(ctx, started.job, started.instance))
    }
}
