//! Does what a step of the Copy strategy asks of the cluster, the volume and the
//! agent Jobs, and records the outcome in the facts. The crash points sit where a
//! killed operator is hardest to recover from: between a change in PostgreSQL or
//! on the volume and the status write that records it.

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::OdooUpgradeJob;
use odoo_model::agent::CopyReport;

use super::super::facts::{Effect, Facts, OnDatabase, Resolved, copy, current};
use super::super::plan;
use crate::controller::filestore_jobs;
use crate::controller::job::db_error;
use crate::pg::compare;
use crate::pg::copy::{self as pg_copy};
use crate::pg::restore::{self as pg_restore, Switch};
use crate::runtime::agent_pod::{self, Agent};
use crate::runtime::batch;
use crate::runtime::context::Context;
use crate::runtime::error::Error;

pub async fn apply(at: OnDatabase<'_>, effect: Effect, f: &mut Facts) -> Result<(), Error> {
    let OnDatabase { ctx, job, r } = at;
    let ns = job.namespace().unwrap_or_default();
    let copy = copy(&current(job));
    let agent_image = &ctx.config.agent_image;
    let db_error = |e| db_error(&r.v.database.cluster, e);
    match effect {
        Effect::CopyByTemplate => {
            let live = &r.v.database.name;
            let copied = pg_copy::from_template(&r.cluster, live, &copy, &r.v.owner()).await;
            f.template = Some(copied.map_err(db_error)?);
        }
        Effect::StartStreamedCopy => {
            pg_restore::create_restore_database(&r.cluster, &r.v.owner(), &copy)
                .await
                .map_err(db_error)?;
            start(ctx, f, &plan::copy_job(job, &r.v, &copy, agent_image)).await?;
        }
        Effect::ReadFiles => {
            let name = plan::files_job_name(job);
            f.files = Some(filestore_jobs::copy_of(ctx, &ns, &name).await?);
        }
        Effect::ReadStream => f.stream = Some(streamed(ctx, job).await?),
        Effect::CheckCopy => f.checked = Some(check_copy(ctx, job, r, &copy).await?),
        Effect::StartFiles => {
            crate::crash::point("upgrade-database-copied");
            start(
                ctx,
                f,
                &plan::files_job(job, &r.v, &copy, false, agent_image),
            )
            .await?;
        }
        Effect::ReadDiscard => {
            let name = plan::discard_job_name(job);
            f.discard = Some(filestore_jobs::copy_of(ctx, &ns, &name).await?);
        }
        Effect::StartDiscard => {
            start(
                ctx,
                f,
                &plan::files_job(job, &r.v, &copy, true, agent_image),
            )
            .await?;
        }
        Effect::DropCopy => {
            pg_restore::drop_database(&r.cluster, &copy, &r.v.owner(), false)
                .await
                .map_err(db_error)?;
            crate::crash::point("upgrade-copy-dropped");
            f.copy_dropped = true;
        }
        effect => switch(at, effect, f).await?,
    }
    Ok(())
}

/// The effects of a deletion in flight, which read no database: the Jobs it
/// stops, and their deletion.
pub async fn stop(
    ctx: &Context,
    job: &OdooUpgradeJob,
    effect: Effect,
    f: &mut Facts,
) -> Result<(), Error> {
    match effect {
        Effect::DeleteJob(name) => {
            let ns = job.namespace().unwrap_or_default();
            let jobs: kube::Api<Job> = kube::Api::namespaced(ctx.client.clone(), &ns);
            jobs.delete(&name, &kube::api::DeleteParams::foreground())
                .await
                .map_err(Error::kube(format!("deleting Job {name}")))?;
            f.started = true;
        }
        _ => f.own_jobs = Some(own_jobs(ctx, job).await?),
    }
    Ok(())
}

/// Applies an agent Job of the copy, which this pass then waits for.
async fn start(ctx: &Context, f: &mut Facts, job: &Job) -> Result<(), Error> {
    crate::apply::apply(&ctx.client, job).await?;
    f.started = true;
    Ok(())
}

/// The effects of Switching and Starting: the names, the files, the kept database.
async fn switch(at: OnDatabase<'_>, effect: Effect, f: &mut Facts) -> Result<(), Error> {
    let OnDatabase { ctx, job, r } = at;
    let status = current(job);
    let copy = copy(&status);
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let names = Switch {
        live: &r.v.database.name,
        restored: &copy,
        kept: &kept,
    };
    let agent_image = &ctx.config.agent_image;
    let switch_job = |drop_previous| {
        let component = plan::COMPONENT;
        filestore_jobs::switch_job(
            job,
            component,
            &r.v,
            &copy,
            &kept,
            drop_previous,
            agent_image,
        )
    };
    match effect {
        Effect::SwitchDatabases => {
            crate::crash::point("upgrade-before-rename");
            let switched = pg_restore::switch(&r.cluster, &names).await;
            if switched.is_ok() {
                crate::crash::point("upgrade-after-rename");
            }
            f.switch = Some(switched.map_err(|e| e.to_string()));
        }
        Effect::ReadSwitch => {
            let ns = job.namespace().unwrap_or_default();
            let name = filestore_jobs::switch_job_name(job, false);
            let switched = filestore_jobs::switch_of(ctx, &ns, &name).await?;
            if matches!(switched, Agent::Ended(agent_pod::Switched::Done(_))) {
                crate::crash::point("upgrade-after-filestore-switch");
            }
            f.switched = Some(switched);
        }
        Effect::StartSwitch => start(ctx, f, &switch_job(false)).await?,
        Effect::RevertDatabases => {
            pg_restore::revert(&r.cluster, &names)
                .await
                .map_err(|e| db_error(&r.v.database.cluster, e))?;
            f.reverted = true;
        }
        Effect::DropKept => {
            let drop_job = switch_job(true);
            let dropping =
                crate::controller::kept::drop_kept(ctx, &r.v, &r.cluster, &drop_job, &kept);
            f.dropping = Some(dropping.await?);
        }
        effect => {
            return Err(Error::Unsettled(format!(
                "{effect:?} is not an effect of an upgrade on a copy"
            )));
        }
    }
    Ok(())
}

/// The streamed copy's report; `None` while it runs. Its Job is made with the copy
/// and kept until the copy is checked: gone before, nothing can check it.
async fn streamed(
    ctx: &Context,
    job: &OdooUpgradeJob,
) -> Result<Option<Result<CopyReport, String>>, Error> {
    let ns = job.namespace().unwrap_or_default();
    let name = plan::copy_job_name(job);
    match agent_pod::run_of::<CopyReport>(ctx, &ns, &name, plan::COPY_CONTAINER).await? {
        Agent::Missing => Err(Error::InvalidSpec(format!(
            "Job {name} is gone before the copy was checked"
        ))),
        Agent::Running => Ok(None),
        Agent::Ended(copied) => Ok(Some(copied)),
    }
}

/// The operator's own check of the copy: with the instance stopped, every table's
/// rows and every sequence as in the live database; in a rehearsal (the live one
/// keeps changing) the same schemas, extensions and tables. The differences, or
/// why a side cannot be read.
async fn check_copy(
    ctx: &Context,
    job: &OdooUpgradeJob,
    r: &Resolved,
    copy: &str,
) -> Result<Result<Vec<String>, String>, Error> {
    let login = crate::controller::job::tenant_of(ctx, &r.v).await?;
    let db_error = |e| db_error(&r.v.database.cluster, e);
    let read = compare::inventory(&r.cluster, &login, &r.v.database.name).await;
    let live = match crate::pg::tenant_read(read).map_err(db_error)? {
        Ok(live) => live,
        Err(why) => return Ok(Err(why)),
    };
    let read = compare::inventory(&r.cluster, &login, copy).await;
    let copy = match crate::pg::tenant_read(read).map_err(db_error)? {
        Ok(copy) => copy,
        Err(why) => return Ok(Err(why)),
    };
    Ok(Ok(if job.spec.rehearsal {
        compare::differences(&compare::shape(&live), &compare::shape(&copy))
    } else {
        compare::differences(&live, &copy)
    }))
}

/// The Jobs a deletion stops before the copy is discarded, those still there.
async fn own_jobs(ctx: &Context, job: &OdooUpgradeJob) -> Result<Vec<String>, Error> {
    let ns = job.namespace().unwrap_or_default();
    let mut live = Vec::new();
    for name in [
        plan::copy_job_name(job),
        plan::files_job_name(job),
        plan::update_job_name(job),
    ] {
        if batch::live_job(ctx, &ns, &name).await?.is_some() {
            live.push(name);
        }
    }
    Ok(live)
}
