//! The Copy strategy, step by step, each resumed from the job's status alone:
//!
//! 1. Stopping: web and cron go to zero (the instance is Upgrading).
//! 2. Copying: the database is copied inside its cluster (`CREATE DATABASE …
//!    TEMPLATE`, or a streamed copy while sessions are open, as in a rehearsal),
//!    checked against the live one by the operator itself, then the files are
//!    linked under the copy's name.
//! 3. Upgrading: `odoo -u` with the target image on the copy; the operator checks
//!    that `base` is installed at the target's series before it believes a success.
//! 4. Switching: the copy takes the live name in one transaction, then its files;
//!    the previous database and files are kept under a dated name.
//! 5. Discarding (after a failure, or at the end of a rehearsal): the copy and its
//!    files are removed. The live database was never written.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::agent::{CopyReport, FilestoreCopyOutcome, FilestoreCopyReport};
use odoo_model::upgrade_job::{CopyMethod, OdooUpgradeJobStatus, UpgradeStep};
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use super::outcome::{workers_still_running, write};
use super::plan;
use crate::pg::compare;
use crate::pg::copy::TemplateCopy;
use crate::pg::restore::{self as pg_restore};
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

mod ending;
mod pass;
use ending::{discarding, starting, switching};
pub(super) use pass::enter;
use pass::{Agent, POLL, Pass};

pub(super) async fn run(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: &OdooInstance,
    mut status: OdooUpgradeJobStatus,
) -> Result<Action, Error> {
    let step = status.step.unwrap_or(UpgradeStep::Stopping);
    if step == UpgradeStep::Stopping {
        if let Some(waiting) = workers_still_running(ctx, instance, true).await? {
            status.job.message = Some(waiting);
            write(ctx, job, status, JobPhase::Running).await?;
            return Ok(Action::requeue(Duration::from_secs(2)));
        }
        enter(&mut status, UpgradeStep::Copying);
        status.job.message = Some(format!(
            "{} is stopped; copying its database",
            instance.name_any()
        ));
        write(ctx, job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(1)));
    }
    let (v, cluster) = crate::controller::job::valid_instance_on_cluster(ctx, instance).await?;
    let pass = Pass {
        ctx,
        job,
        instance,
        copy: status.copy_database.clone().unwrap_or_default(),
        target: status.image.clone().unwrap_or_default(),
        v,
        cluster,
    };
    match step {
        UpgradeStep::Stopping | UpgradeStep::Copying => copying(&pass, status).await,
        UpgradeStep::Upgrading => upgrading(&pass, status).await,
        UpgradeStep::Switching => switching(&pass, status).await,
        UpgradeStep::Starting => starting(&pass, status).await,
        UpgradeStep::Discarding => discarding(&pass, status).await,
    }
}

/// A Copy upgrade deleted in flight. Before the database switch nothing of it is
/// live: its running agent and update Jobs go, then it moves to Discarding, which
/// drops the copy and its files as after a failure (the previous image serves the
/// untouched live database). Once the copy is live, the switch (or the discard
/// already under way) runs to its end. `None` once nothing of it is left.
pub(super) async fn clean_up(
    ctx: &Context,
    job: &OdooUpgradeJob,
    instance: Option<&OdooInstance>,
    mut status: OdooUpgradeJobStatus,
) -> Result<Option<Action>, Error> {
    let finished = status.job.phase.is_some_and(JobPhase::is_finished);
    let Some(instance) = instance else {
        return Ok(None);
    };
    if finished || status.copy_database.is_none() {
        return Ok(None);
    }
    match status.step {
        None | Some(UpgradeStep::Stopping | UpgradeStep::Starting) => Ok(None),
        Some(UpgradeStep::Discarding) => Ok(Some(run(ctx, job, instance, status).await?)),
        Some(UpgradeStep::Switching) if status.database_switched => {
            Ok(Some(run(ctx, job, instance, status).await?))
        }
        Some(UpgradeStep::Copying | UpgradeStep::Upgrading | UpgradeStep::Switching) => {
            let ns = job.namespace().unwrap_or_default();
            let jobs: kube::Api<Job> = kube::Api::namespaced(ctx.client.clone(), &ns);
            for name in [
                plan::copy_job_name(job),
                plan::files_job_name(job),
                plan::update_job_name(job),
            ] {
                if batch::live_job(ctx, &ns, &name).await?.is_some() {
                    jobs.delete(&name, &kube::api::DeleteParams::foreground())
                        .await
                        .map_err(Error::kube(format!("deleting Job {name}")))?;
                    return Ok(Some(Action::requeue(Duration::from_secs(2))));
                }
            }
            enter(&mut status, UpgradeStep::Discarding);
            status.job.message = Some(format!(
                "deleted in flight: discarding the copy; {} was not touched",
                instance.name_any()
            ));
            write(ctx, job, status, JobPhase::Running).await?;
            Ok(Some(Action::requeue(Duration::from_secs(1))))
        }
    }
}

/// Copying: the database (once), the operator's check of it, then the files.
async fn copying(pass: &Pass<'_>, mut status: OdooUpgradeJobStatus) -> Result<Action, Error> {
    let Some(method) = status.copy_method else {
        return copy_database(pass, status).await;
    };
    let files_name = plan::files_job_name(pass.job);
    let files = pass
        .agent::<FilestoreCopyReport>(&files_name, plan::FILES_CONTAINER)
        .await?;
    if matches!(files, Agent::Missing) {
        return copied_database(pass, status, method).await;
    }
    let Agent::Ended(files) = files else {
        return Ok(Action::requeue(POLL));
    };
    match files {
        Err(why) => {
            let why = format!(
                "copying the files failed: {why}; {}",
                pass.logs(&files_name)
            );
            pass.abandon(status, why).await
        }
        Ok(r) => {
            let files = match r.outcome {
                FilestoreCopyOutcome::NoFiles => "no files to copy".to_owned(),
                _ => format!(
                    "{} files ({} hard-linked, {} bytes)",
                    r.files, r.linked, r.bytes
                ),
            };
            enter(&mut status, UpgradeStep::Upgrading);
            status.job.message = Some(format!(
                "copied the database into {} ({method}) and {files}; updating the copy with {}",
                pass.copy, pass.target
            ));
            write(pass.ctx, pass.job, status, JobPhase::Running).await?;
            crate::crash::point("upgrade-copied");
            Ok(Action::requeue(Duration::from_secs(1)))
        }
    }
}

/// The database copy's end, checked until the files Job exists (a resumed pass
/// checks again): a streamed copy's report, then the operator's own check of the
/// copy; then the files are linked.
async fn copied_database(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
    method: CopyMethod,
) -> Result<Action, Error> {
    if method == CopyMethod::Streamed {
        let copy_name = plan::copy_job_name(pass.job);
        let copied = match pass
            .agent::<CopyReport>(&copy_name, plan::COPY_CONTAINER)
            .await?
        {
            Agent::Missing => {
                return Err(Error::InvalidSpec(format!(
                    "Job {copy_name} is gone before the copy was checked"
                )));
            }
            Agent::Running => return Ok(Action::requeue(POLL)),
            Agent::Ended(copied) => copied,
        };
        if let Err(why) = copied {
            let why = format!(
                "streaming the database into the copy failed: {why}; {}",
                pass.logs(&copy_name)
            );
            return pass.abandon(status, why).await;
        }
    }
    if let Err(why) = check_copy(pass, method).await? {
        return pass.abandon(status, why).await;
    }
    crate::crash::point("upgrade-database-copied");
    pass.apply(&plan::files_job(
        pass.job,
        &pass.v,
        &pass.copy,
        false,
        &pass.ctx.config.agent_image,
    ))
    .await?;
    status.job.message = Some(format!(
        "database copied into {} ({method}) and checked; linking its files",
        pass.copy
    ));
    write(pass.ctx, pass.job, status, JobPhase::Running).await?;
    Ok(Action::requeue(POLL))
}

/// Copies the database: by template when no session is open (the instance is
/// stopped), else streamed by the agent into an empty copy.
async fn copy_database(pass: &Pass<'_>, mut status: OdooUpgradeJobStatus) -> Result<Action, Error> {
    let (live, owner) = (pass.live(), pass.v.owner());
    let method = if pass.job.spec.rehearsal {
        // The instance serves: its sessions stay, so the copy is streamed from a
        // snapshot.
        CopyMethod::Streamed
    } else {
        match crate::pg::copy::from_template(&pass.cluster, live, &pass.copy, &owner)
            .await
            .map_err(|e| pass.db_error(e))?
        {
            TemplateCopy::Copied => CopyMethod::Template,
            TemplateCopy::InUse => CopyMethod::Streamed,
        }
    };
    if method == CopyMethod::Streamed {
        pg_restore::create_restore_database(&pass.cluster, &owner, &pass.copy)
            .await
            .map_err(|e| pass.db_error(e))?;
        pass.apply(&plan::copy_job(
            pass.job,
            &pass.v,
            &pass.copy,
            &pass.ctx.config.agent_image,
        ))
        .await?;
    }
    status.copy_method = Some(method);
    status.job.message = Some(format!("copying {live} into {} ({method})", pass.copy));
    write(pass.ctx, pass.job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(1)))
}

/// The operator's own check of the copy: with the instance stopped, every table's
/// rows and every sequence as in the live database; in a rehearsal (the live one
/// keeps changing) the same schemas, extensions and tables.
async fn check_copy(pass: &Pass<'_>, method: CopyMethod) -> Result<Result<(), String>, Error> {
    let login = crate::controller::job::tenant_of(pass.ctx, &pass.v).await?;
    let read = compare::inventory(&pass.cluster, &login, pass.live()).await;
    let live = match crate::pg::tenant_read(read).map_err(|e| pass.db_error(e))? {
        Ok(live) => live,
        Err(why) => return Ok(Err(why)),
    };
    let read = compare::inventory(&pass.cluster, &login, &pass.copy).await;
    let copy = match crate::pg::tenant_read(read).map_err(|e| pass.db_error(e))? {
        Ok(copy) => copy,
        Err(why) => return Ok(Err(why)),
    };
    let differences = if pass.job.spec.rehearsal {
        compare::differences(&compare::shape(&live), &compare::shape(&copy))
    } else {
        compare::differences(&live, &copy)
    };
    if differences.is_empty() {
        return Ok(Ok(()));
    }
    let shown: Vec<&str> = differences.iter().take(5).map(String::as_str).collect();
    Ok(Err(format!(
        "the copy ({method}) differs from {}: {}",
        pass.live(),
        shown.join("; ")
    )))
}

/// Upgrading: `odoo -u` on the copy, then the operator's check of its outcome.
async fn upgrading(pass: &Pass<'_>, mut status: OdooUpgradeJobStatus) -> Result<Action, Error> {
    let name = plan::update_job_name(pass.job);
    let Some(update) = pass.batch_job(&name).await? else {
        // The copy's clock before the Job exists: what Odoo writes from now on is
        // the update's, and the start is recorded before anything runs.
        let login = crate::controller::job::tenant_of(pass.ctx, &pass.v).await?;
        let since = compare::clock(&pass.cluster, &login, &pass.copy)
            .await
            .map_err(|e| pass.db_error(e))?;
        status.job.job_name = Some(name.clone());
        status.update_started = Some(MicroTime(since));
        status.job.message = Some(format!(
            "Job {name} running odoo --update with {} on the copy {}",
            pass.target, pass.copy
        ));
        write(pass.ctx, pass.job, status, JobPhase::Running).await?;
        pass.apply(&plan::update_job(
            pass.job,
            &pass.v,
            &pass.target,
            &pass.copy,
        ))
        .await?;
        return Ok(Action::requeue(Duration::from_secs(30)));
    };
    let outcome = batch::outcome(&update);
    if outcome == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(30)));
    }
    status.update_seconds = status.update_started.as_ref().map(|t| {
        (k8s_openapi::jiff::Timestamp::now() - t.0)
            .total(k8s_openapi::jiff::Unit::Second)
            .unwrap_or(0.0) as i64
    });
    let checked = match outcome {
        Outcome::Complete => updated_to_target(pass, &status).await?,
        _ => {
            let said = batch::odoo_failure(pass.ctx, &pass.ns(), &name)
                .await?
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            Err(format!(
                "odoo --update with {} failed on the copy{said}; {}",
                pass.target,
                pass.logs(&name)
            ))
        }
    };
    status.update_succeeded = Some(checked.is_ok());
    let live = pass.live().to_owned();
    match (checked, pass.job.spec.rehearsal) {
        (Err(why), _) => pass.abandon(status, why).await,
        (Ok(found), true) => {
            let why = format!(
                "rehearsal: the update to {} succeeded on a copy ({found})",
                pass.target
            );
            pass.abandon(status, why).await
        }
        (Ok(found), false) => {
            enter(&mut status, UpgradeStep::Switching);
            status.previous_database_name =
                Some(plan::kept_name(&live, k8s_openapi::jiff::Timestamp::now()));
            status.job.message = Some(format!(
                "the copy is updated ({found}); switching it in as {live}"
            ));
            write(pass.ctx, pass.job, status, JobPhase::Running).await?;
            crate::crash::point("upgrade-updated");
            Ok(Action::requeue(Duration::from_secs(1)))
        }
    }
}

/// A completed update is believed when the copy shows it (see [`crate::controller::proof::updated`]).
async fn updated_to_target(
    pass: &Pass<'_>,
    status: &OdooUpgradeJobStatus,
) -> Result<Result<String, String>, Error> {
    let login = crate::controller::job::tenant_of(pass.ctx, &pass.v).await?;
    let written = plan::written(pass.job, status);
    let read = compare::modules(&pass.cluster, &login, &pass.copy, written.as_ref()).await;
    Ok(
        match crate::pg::tenant_read(read).map_err(|e| pass.db_error(e))? {
            Ok(modules) => {
                crate::controller::proof::updated(&pass.target, modules.as_ref(), written.is_some())
            }
            Err(why) => Err(why),
        },
    )
}
