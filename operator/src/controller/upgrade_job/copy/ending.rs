//! The end of a Copy upgrade: the switch of names (success) or the discard of the
//! copy (failure, or the end of a rehearsal), and the rehearsal's record.

use super::super::outcome::{adopt_target, finish, workers_still_running, write};
use super::super::plan;
use crate::pg::restore::{self as pg_restore, Switch};
use crate::runtime::error::Error;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::JobPhase;
use odoo_model::Reason;
use odoo_model::agent::{FilestoreCopyReport, SwitchReport};
use odoo_model::instance::Rehearsal;
use odoo_model::restore_job::PreviousDatabase;
use odoo_model::upgrade_job::OdooUpgradeJobStatus;
use std::time::Duration;

use super::pass::{Agent, POLL, Pass, ended, enter};
use crate::controller::kept::{self, Dropping};
use crate::runtime::agent_pod;
use odoo_model::upgrade_job::UpgradeStep;

/// Switching: names in one transaction, then the files; the instance stays down.
pub(super) async fn switching(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
) -> Result<Action, Error> {
    if let Some(waiting) = workers_still_running(pass.ctx, pass.instance, true).await? {
        status.job.message = Some(waiting);
        write(pass.ctx, pass.job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(2)));
    }
    let live = pass.live().to_owned();
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let names = Switch {
        live: &live,
        restored: &pass.copy,
        kept: &kept,
    };
    if !status.database_switched {
        return switch_databases(pass, status, &names).await;
    }
    let name = plan::switch_job_name(pass.job);
    let left = match pass
        .agent_left::<SwitchReport>(&name, plan::SWITCH_CONTAINER)
        .await?
    {
        Agent::Missing => {
            pass.apply(&plan::switch_job(
                pass.job,
                &pass.v,
                &pass.copy,
                &kept,
                &pass.ctx.config.agent_image,
            ))
            .await?;
            return Ok(Action::requeue(POLL));
        }
        Agent::Running => return Ok(Action::requeue(POLL)),
        Agent::Ended((_, left)) => left,
    };
    match agent_pod::switched(left) {
        agent_pod::Switched::Done(report) => files_switched(pass, status, &names, &report).await,
        agent_pod::Switched::Undone(why) => {
            // The agent put the files back (its own word); the database goes back
            // too, so the previous image finds the previous data with its files.
            pg_restore::revert(&pass.cluster, &names)
                .await
                .map_err(|e| pass.db_error(e))?;
            status.database_switched = false;
            let why = format!(
                "switching the filestore failed: {why}; {live} is the previous database again; {}",
                pass.logs(&name)
            );
            pass.abandon(status, why).await
        }
        agent_pod::Switched::Unknown(why) => files_unknown(pass, status, &names, &name, &why).await,
    }
}

/// The upgraded copy takes the live name in one transaction (the live one is
/// kept); a failure abandons the upgrade with the live database untouched.
async fn switch_databases(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
    names: &Switch<'_>,
) -> Result<Action, Error> {
    let live = names.live;
    crate::crash::point("upgrade-before-rename");
    if let Err(e) = pg_restore::switch(&pass.cluster, names).await {
        let why = format!("switching databases failed: {e}; {live} was kept");
        return pass.abandon(status, why).await;
    }
    crate::crash::point("upgrade-after-rename");
    status.database_switched = true;
    status.job.message = Some(format!(
        "{live} is now the upgraded copy; switching the filestore"
    ));
    write(pass.ctx, pass.job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(1)))
}

/// The files may have moved: the previous database must not come back without
/// them. Nothing is reverted or dropped; the instance stays down until the switch
/// runs again (it finishes or confirms a switch).
async fn files_unknown(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
    names: &Switch<'_>,
    name: &str,
    why: &str,
) -> Result<Action, Error> {
    let ns = pass.job.namespace().unwrap_or_default();
    let (live, kept) = (names.live, names.kept);
    let message = format!(
        "switching the filestore failed and the files may have moved: {why}; {live} is the upgraded copy and the previous database is kept as {kept}; nothing was reverted or dropped. Check the volume, then delete job/{name} -n {ns} to run the switch again; {}",
        pass.logs(name)
    );
    if status.job.message.as_deref() != Some(message.as_str()) {
        pass.ctx
            .event(pass.job, true, Reason::SwitchUnknown, message.clone())
            .await;
        status.job.message = Some(message);
        write(pass.ctx, pass.job, status, JobPhase::Running).await?;
    }
    Ok(Action::requeue(Duration::from_secs(60)))
}

/// Database and files are switched: the target is adopted and the upgrade
/// succeeds, or (previous database Drop) waits until the instance runs it.
async fn files_switched(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
    names: &Switch<'_>,
    report: &SwitchReport,
) -> Result<Action, Error> {
    let (live, kept) = (names.live, names.kept);
    crate::crash::point("upgrade-after-filestore-switch");
    let mut message = format!("{live} upgraded to {} on a copy", pass.target);
    if let Some(left) = &report.previous_left {
        // The previous files stay: so does their database, together.
        message.push_str(&format!(
            "; the previous files could not be removed ({left}), so the previous database is kept with them as {kept}"
        ));
    } else if pass.job.spec.previous_database == PreviousDatabase::Drop {
        // Until the target ran on the upgraded database, the previous one is what a
        // user (or a rollback) would go back to: it goes only once the target runs.
        adopt_target(pass.ctx, pass.job, pass.instance, &pass.target).await?;
        message.push_str(&format!(
            "; rolling out; the previous database {kept} is dropped once {} runs {}",
            pass.instance.name_any(),
            pass.target
        ));
        pass.ctx
            .event(pass.job, false, Reason::Switched, message.clone())
            .await;
        enter(&mut status, UpgradeStep::Starting);
        // The upgrade itself is complete: the rollback window counts from here.
        status.job.completion_time = Some(Time(k8s_openapi::jiff::Timestamp::now()));
        status.job.message = Some(message);
        write(pass.ctx, pass.job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(2)));
    } else {
        message.push_str(&format!(
            "; the previous database and files are kept as {kept}"
        ));
    }
    adopt_target(pass.ctx, pass.job, pass.instance, &pass.target).await?;
    message.push_str("; rolling out");
    pass.ctx
        .event(pass.job, false, Reason::Upgraded, message.clone())
        .await;
    status.job.message = Some(message);
    finish(
        pass.ctx,
        pass.job,
        status,
        JobPhase::Succeeded,
        Some(pass.instance),
    )
    .await
}

/// Starting (previousDatabase: Drop): the target rolls out on the upgraded
/// database; once the instance runs it, the previous files and database are
/// dropped and the upgrade is done. A rollback keeps them (the previous image is
/// back, and the previous database is what it belongs with); an instance that
/// does not run keeps them and the job says why.
pub(super) async fn starting(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
) -> Result<Action, Error> {
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let live = pass.live().to_owned();
    let name = pass.instance.name_any();
    let base = format!("{live} upgraded to {} on a copy", pass.target);
    // A rollback while the target rolls out: the instance reverted to the
    // previous image, which belongs with the previous database.
    if super::super::rollback::reverted(pass.job, pass.instance) {
        status.rolled_back = true;
    }
    let message = if status.rolled_back {
        format!(
            "{base}; the target did not become ready and was rolled back, so the previous database and files are kept as {kept}"
        )
    } else {
        if let Err(doing) = kept::instance_runs(pass.instance, Some(&pass.target)) {
            let message = format!(
                "{base}; rolling out; the previous database {kept} is dropped once {name} runs {} ({doing})",
                pass.target
            );
            if status.job.message.as_deref() != Some(message.as_str()) {
                status.job.message = Some(message);
                write(pass.ctx, pass.job, status, JobPhase::Running).await?;
            }
            return Ok(Action::requeue(Duration::from_secs(5)));
        }
        let drop_job = plan::drop_previous_job(
            pass.job,
            &pass.v,
            &pass.copy,
            &kept,
            &pass.ctx.config.agent_image,
        );
        match kept::drop_kept(pass.ctx, &pass.v, &pass.cluster, &drop_job, &kept).await? {
            Dropping::Waiting => return Ok(Action::requeue(POLL)),
            Dropping::FilesLeft(why) => format!(
                "{base}; {name} runs it, but the previous files could not be removed ({why}), so the previous database is kept with them as {kept}"
            ),
            Dropping::Dropped => {
                status.previous_database_name = None;
                format!(
                    "{base}; {name} runs it, and the previous database {kept} and its files were dropped"
                )
            }
        }
    };
    pass.ctx
        .event(pass.job, false, Reason::Upgraded, message.clone())
        .await;
    status.job.message = Some(message);
    let phase = ended(&status, JobPhase::Succeeded);
    finish(pass.ctx, pass.job, status, phase, Some(pass.instance)).await
}

/// Discarding: the copy's database, then its files; then the outcome.
pub(super) async fn discarding(
    pass: &Pass<'_>,
    mut status: OdooUpgradeJobStatus,
) -> Result<Action, Error> {
    pg_restore::drop_database(&pass.cluster, &pass.copy, &pass.v.owner(), false)
        .await
        .map_err(|e| pass.db_error(e))?;
    crate::crash::point("upgrade-copy-dropped");
    let name = plan::discard_job_name(pass.job);
    let discarded = match pass
        .agent::<FilestoreCopyReport>(&name, plan::FILES_CONTAINER)
        .await?
    {
        Agent::Missing => {
            pass.apply(&plan::files_job(
                pass.job,
                &pass.v,
                &pass.copy,
                true,
                &pass.ctx.config.agent_image,
            ))
            .await?;
            return Ok(Action::requeue(POLL));
        }
        Agent::Running => return Ok(Action::requeue(POLL)),
        Agent::Ended(discarded) => discarded,
    };
    let mut message = status.job.message.clone().unwrap_or_default();
    match discarded {
        Ok(_) => message.push_str(&format!("; the copy {} and its files were removed", pass.copy)),
        Err(why) => message.push_str(&format!(
            "; the copy {} was dropped, but its files could not be removed ({why}): remove filestore/{} from the volume by hand",
            pass.copy, pass.copy
        )),
    }
    let live = pass.live().to_owned();
    if pass.job.spec.rehearsal {
        let succeeded = status.update_succeeded == Some(true);
        message.push_str(&format!(
            "; nothing changed on {}",
            pass.instance.name_any()
        ));
        status.job.message = Some(message.clone());
        record_rehearsal(pass, &status, succeeded, &message).await?;
        let phase = ended(
            &status,
            if succeeded {
                JobPhase::Succeeded
            } else {
                JobPhase::Failed
            },
        );
        return finish(pass.ctx, pass.job, status, phase, Some(pass.instance)).await;
    }
    message.push_str(&format!(
        "; {live} was not touched and the previous image serves it again"
    ));
    pass.ctx
        .event(pass.job, true, Reason::UpgradeFailed, message.clone())
        .await;
    pass.ctx
        .event(pass.instance, true, Reason::UpgradeFailed, message.clone())
        .await;
    status.job.message = Some(message);
    finish(
        pass.ctx,
        pass.job,
        status,
        JobPhase::Failed,
        Some(pass.instance),
    )
    .await
}

/// The rehearsal's outcome as an event on the instance. The instance's own
/// controller records it in its status (`lastRehearsal`, from this job's).
async fn record_rehearsal(
    pass: &Pass<'_>,
    status: &OdooUpgradeJobStatus,
    succeeded: bool,
    message: &str,
) -> Result<(), Error> {
    let rehearsal = Rehearsal {
        job: pass.job.name_any(),
        image: pass.target.clone(),
        succeeded,
        finished_at: Time(k8s_openapi::jiff::Timestamp::now()),
        duration_seconds: status.update_seconds,
        message: Some(message.to_owned()),
    };
    let described = rehearsal.describe();
    pass.ctx
        .event(pass.instance, !succeeded, Reason::Rehearsed, described)
        .await;
    Ok(())
}
