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
//!
//! Every step here is pure: it reads the job and what the pass learnt, and asks
//! for the next read or change (`Effect`) or ends the pass.

use kube::ResourceExt;
use odoo_model::agent::FilestoreCopyOutcome;
use odoo_model::upgrade_job::{CopyMethod, OdooUpgradeJobStatus, UpgradeStep};
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use super::facts::{Db, Effect, Facts, Step, copy, current, target};
use super::outcome::{
    AGENT_RUNS, NEXT_STEP, STOPPING, STOPPING_JOB, UPDATING, running, update_start, waiting,
};
use super::plan;
use crate::controller::step::JobStep;
use crate::pg::copy::TemplateCopy;
use crate::runtime::agent_pod::Agent;
use crate::runtime::batch::Outcome;

pub(super) mod effects;
mod ending;
mod pass;
#[cfg(test)]
mod step_tests;

use pass::At;
pub(crate) use pass::enter;

/// A Running Copy upgrade's pass.
pub fn step(job: &OdooUpgradeJob, instance: &OdooInstance, f: &Facts) -> Step {
    let status = current(job);
    let step = status.step.unwrap_or(UpgradeStep::Stopping);
    if step == UpgradeStep::Stopping {
        return stopping(instance, f, status);
    }
    let Some(live) = f.live() else {
        return JobStep::Do(Effect::Resolve);
    };
    let at = At {
        job,
        instance,
        f,
        live,
        copy: copy(&status),
        target: target(&status),
    };
    match step {
        UpgradeStep::Stopping | UpgradeStep::Copying => copying(&at, status),
        UpgradeStep::Upgrading => upgrading(&at, status),
        UpgradeStep::Switching => ending::switching(&at, status),
        UpgradeStep::Starting => ending::starting(&at, status),
        UpgradeStep::Discarding => ending::discarding(&at, status),
    }
}

/// Whether a job being deleted has a copy to clean up: one in flight, not
/// finished, whose instance is still there. Before the database switch nothing of
/// it is live; a job that has not copied yet, or that is only dropping what it
/// kept, has nothing to undo.
pub fn cleans_up(job: &OdooUpgradeJob, instance: Option<&OdooInstance>) -> bool {
    let status = current(job);
    let finished = status.job.phase.is_some_and(JobPhase::is_finished);
    instance.is_some()
        && !finished
        && status.copy_database.is_some()
        && matches!(
            status.step,
            Some(
                UpgradeStep::Copying
                    | UpgradeStep::Upgrading
                    | UpgradeStep::Switching
                    | UpgradeStep::Discarding
            )
        )
}

/// A Copy upgrade deleted in flight ([`cleans_up`]): its running agent and update
/// Jobs go, then it moves to Discarding, which drops the copy and its files as
/// after a failure (the previous image serves the untouched live database). Once
/// the copy is live, the switch (or the discard already under way) runs to its end.
pub fn deleting(job: &OdooUpgradeJob, instance: &OdooInstance, f: &Facts) -> Step {
    let mut status = current(job);
    match status.step {
        Some(UpgradeStep::Discarding) => return step(job, instance, f),
        Some(UpgradeStep::Switching) if status.database_switched => {
            return step(job, instance, f);
        }
        _ => {}
    }
    let Some(own) = &f.own_jobs else {
        return JobStep::Do(Effect::ReadOwnJobs);
    };
    if f.started {
        return waiting(job, STOPPING_JOB);
    }
    if let Some(name) = own.first() {
        return JobStep::Do(Effect::DeleteJob(name.clone()));
    }
    enter(&mut status, UpgradeStep::Discarding);
    let message = format!(
        "deleted in flight: discarding the copy; {} was not touched",
        instance.name_any()
    );
    running(status, Some(message), NEXT_STEP)
}

/// Stopping: waits for web and cron at zero.
fn stopping(instance: &OdooInstance, f: &Facts, mut status: OdooUpgradeJobStatus) -> Step {
    let Some(workers) = &f.workers else {
        return JobStep::Do(Effect::ReadWorkers { stop_web: true });
    };
    if let Some(waiting) = workers {
        return running(status, Some(waiting.clone()), STOPPING);
    }
    enter(&mut status, UpgradeStep::Copying);
    let message = format!("{} is stopped; copying its database", instance.name_any());
    running(status, Some(message), NEXT_STEP)
}

/// Copying: the database (once), the operator's check of it, then the files.
fn copying(at: &At<'_>, mut status: OdooUpgradeJobStatus) -> Step {
    let Some(method) = status.copy_method else {
        return copy_database(at, status);
    };
    let Some(files) = &at.f.files else {
        return JobStep::Do(Effect::ReadFiles);
    };
    let files_name = plan::files_job_name(at.job);
    match files {
        Agent::Missing => copied_database(at, status, method),
        Agent::Running => waiting(at.job, AGENT_RUNS),
        Agent::Ended(Err(why)) => {
            let why = format!("copying the files failed: {why}; {}", at.logs(&files_name));
            at.abandon(status, why)
        }
        Agent::Ended(Ok(r)) => {
            let files = match r.outcome {
                FilestoreCopyOutcome::NoFiles => "no files to copy".to_owned(),
                _ => format!(
                    "{} files ({} hard-linked, {} bytes)",
                    r.files, r.linked, r.bytes
                ),
            };
            enter(&mut status, UpgradeStep::Upgrading);
            let message = format!(
                "copied the database into {} ({method}) and {files}; updating the copy with {}",
                at.copy, at.target
            );
            running(status, Some(message), NEXT_STEP)
        }
    }
}

/// The database copy's end, checked until the files Job exists (a resumed pass
/// checks again): a streamed copy's report, then the operator's own check of the
/// copy; then the files are linked.
fn copied_database(at: &At<'_>, status: OdooUpgradeJobStatus, method: CopyMethod) -> Step {
    let f = at.f;
    if f.started {
        let message = format!(
            "database copied into {} ({method}) and checked; linking its files",
            at.copy
        );
        return running(status, Some(message), AGENT_RUNS);
    }
    if method == CopyMethod::Streamed {
        let Some(stream) = &f.stream else {
            return JobStep::Do(Effect::ReadStream);
        };
        match stream {
            None => return waiting(at.job, AGENT_RUNS),
            Some(Err(why)) => {
                let why = format!(
                    "streaming the database into the copy failed: {why}; {}",
                    at.logs(&plan::copy_job_name(at.job))
                );
                return at.abandon(status, why);
            }
            Some(Ok(_)) => {}
        }
    }
    match &f.checked {
        None => JobStep::Do(Effect::CheckCopy),
        Some(Err(why)) => at.abandon(status, why.clone()),
        Some(Ok(differences)) if !differences.is_empty() => {
            let shown: Vec<&str> = differences.iter().take(5).map(String::as_str).collect();
            let why = format!(
                "the copy ({method}) differs from {}: {}",
                at.live,
                shown.join("; ")
            );
            at.abandon(status, why)
        }
        Some(Ok(_)) => JobStep::Do(Effect::StartFiles),
    }
}

/// Copies the database: by template when no session is open (the instance is
/// stopped), else streamed by the agent into an empty copy. A rehearsal's instance
/// serves: its sessions stay, so its copy is streamed from a snapshot.
fn copy_database(at: &At<'_>, mut status: OdooUpgradeJobStatus) -> Step {
    let method = if at.job.spec.rehearsal {
        CopyMethod::Streamed
    } else {
        match at.f.template {
            None => return JobStep::Do(Effect::CopyByTemplate),
            Some(TemplateCopy::Copied) => CopyMethod::Template,
            Some(TemplateCopy::InUse) => CopyMethod::Streamed,
        }
    };
    if method == CopyMethod::Streamed && !at.f.started {
        return JobStep::Do(Effect::StartStreamedCopy);
    }
    status.copy_method = Some(method);
    let message = format!("copying {} into {} ({method})", at.live, at.copy);
    running(status, Some(message), NEXT_STEP)
}

/// Upgrading: `odoo -u` on the copy, then the operator's check of its outcome.
fn upgrading(at: &At<'_>, mut status: OdooUpgradeJobStatus) -> Step {
    let (f, target) = (at.f, &at.target);
    let name = plan::update_job_name(at.job);
    let outcome = match f.update {
        None => return JobStep::Do(Effect::ReadUpdate),
        Some(None) => {
            let message = format!(
                "Job {name} running odoo --update with {target} on the copy {}",
                at.copy
            );
            return update_start(at.job, f, status, Db::Copy, message);
        }
        Some(Some(Outcome::Running)) => return waiting(at.job, UPDATING),
        Some(Some(outcome)) => outcome,
    };
    status.update_seconds = status.update_started.as_ref().map(|t| {
        (f.seen.now - t.0)
            .total(k8s_openapi::jiff::Unit::Second)
            .unwrap_or(0.0) as i64
    });
    let checked = match (outcome, &f.updated, &f.failure) {
        (Outcome::Complete, None, _) => return JobStep::Do(Effect::ReadUpdated(Db::Copy)),
        (Outcome::Complete, Some(checked), _) => checked.clone(),
        (_, _, None) => return JobStep::Do(Effect::ReadFailure),
        (_, _, Some(said)) => {
            let said = said.as_ref().map(|e| format!(": {e}")).unwrap_or_default();
            Err(format!(
                "odoo --update with {target} failed on the copy{said}; {}",
                at.logs(&name)
            ))
        }
    };
    status.update_succeeded = Some(checked.is_ok());
    match (checked, at.job.spec.rehearsal) {
        (Err(why), _) => at.abandon(status, why),
        (Ok(found), true) => {
            let why = format!("rehearsal: the update to {target} succeeded on a copy ({found})");
            at.abandon(status, why)
        }
        (Ok(found), false) => {
            enter(&mut status, UpgradeStep::Switching);
            status.previous_database_name = Some(plan::kept_name(at.live, f.seen.now));
            let message = format!(
                "the copy is updated ({found}); switching it in as {}",
                at.live
            );
            running(status, Some(message), NEXT_STEP)
        }
    }
}

/// The crash point right after the status write that records `from` → `to`:
/// where a killed operator leaves a step recorded and nothing of the next begun.
pub fn recorded_point(from: Option<UpgradeStep>, to: Option<UpgradeStep>) -> Option<&'static str> {
    match (from?, to?) {
        (UpgradeStep::Copying, UpgradeStep::Upgrading) => Some("upgrade-copied"),
        (UpgradeStep::Upgrading, UpgradeStep::Switching) => Some("upgrade-updated"),
        _ => None,
    }
}
