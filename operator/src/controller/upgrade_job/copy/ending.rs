//! The end of a Copy upgrade: the switch of names (success) or the discard of the
//! copy (failure, or the end of a rehearsal), and the rehearsal's record. Pure.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use odoo_model::JobPhase;
use odoo_model::Reason;
use odoo_model::agent::SwitchReport;
use odoo_model::instance::Rehearsal;
use odoo_model::restore_job::PreviousDatabase;
use odoo_model::upgrade_job::{OdooUpgradeJobStatus, UpgradeStep};

use super::super::facts::{Effect, Step};
use super::super::outcome::{
    AGENT_RUNS, FOR_A_PERSON, NEXT_STEP, NOT_RUNNING_YET, ROLLING_OUT, STOPPING, adopts, failed,
    finished, running, waiting,
};
use super::pass::{At, ended, enter};
use crate::controller::kept;
use crate::controller::step::{Again, Ending, JobStep, On};
use crate::runtime::agent_pod::{Agent, Switched};

/// Switching: names in one transaction, then the files; the instance stays down.
pub(super) fn switching(at: &At<'_>, mut status: OdooUpgradeJobStatus) -> Step {
    let f = at.f;
    let Some(workers) = &f.workers else {
        return JobStep::Do(Effect::ReadWorkers { stop_web: true });
    };
    if let Some(waiting) = workers {
        return running(status, Some(waiting.clone()), STOPPING);
    }
    let live = at.live;
    if !status.database_switched {
        // The upgraded copy takes the live name in one transaction (the live one
        // is kept); a failure abandons the upgrade with the live database untouched.
        return match &f.switch {
            None => JobStep::Do(Effect::SwitchDatabases),
            Some(Err(e)) => at.abandon(
                status,
                format!("switching databases failed: {e}; {live} was kept"),
            ),
            Some(Ok(())) => {
                status.database_switched = true;
                let message = format!("{live} is now the upgraded copy; switching the filestore");
                running(status, Some(message), NEXT_STEP)
            }
        };
    }
    let name = crate::controller::filestore_jobs::switch_job_name(at.job, false);
    match &f.switched {
        None => JobStep::Do(Effect::ReadSwitch),
        Some(Agent::Missing) if f.started => waiting(at.job, AGENT_RUNS),
        Some(Agent::Missing) => JobStep::Do(Effect::StartSwitch),
        Some(Agent::Running) => waiting(at.job, AGENT_RUNS),
        Some(Agent::Ended(Switched::Done(report))) => files_switched(at, status, report),
        // The agent put the files back (its own word); the database goes back
        // too, so the previous image finds the previous data with its files.
        Some(Agent::Ended(Switched::Undone(_))) if !f.reverted => {
            JobStep::Do(Effect::RevertDatabases)
        }
        Some(Agent::Ended(Switched::Undone(why))) => {
            status.database_switched = false;
            let why = format!(
                "switching the filestore failed: {why}; {live} is the previous database again; {}",
                at.logs(&name)
            );
            at.abandon(status, why)
        }
        Some(Agent::Ended(Switched::Unknown(why))) => files_unknown(at, status, &name, why),
    }
}

/// The files may have moved: the previous database must not come back without
/// them. Nothing is reverted or dropped; the instance stays down until the switch
/// runs again (it finishes or confirms a switch). Said once.
fn files_unknown(at: &At<'_>, mut status: OdooUpgradeJobStatus, name: &str, why: &str) -> Step {
    let ns = at.job.namespace().unwrap_or_default();
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let live = at.live;
    let message = format!(
        "switching the filestore failed and the files may have moved: {why}; {live} is the upgraded copy and the previous database is kept as {kept}; nothing was reverted or dropped. Check the volume, then delete job/{name} -n {ns} to run the switch again; {}",
        at.logs(name)
    );
    if status.job.message.as_deref() == Some(message.as_str()) {
        return waiting(at.job, FOR_A_PERSON);
    }
    status.job.message = Some(message.clone());
    let ending = Ending::new(status, JobPhase::Running, Again::After(FOR_A_PERSON));
    JobStep::End(ending.warning(Reason::SwitchUnknown, message))
}

/// Database and files are switched: the target is adopted and the upgrade
/// succeeds, or (previous database Drop) waits until the instance runs it.
fn files_switched(at: &At<'_>, mut status: OdooUpgradeJobStatus, report: &SwitchReport) -> Step {
    if adopts(at.job, at.instance, &at.target) && !at.f.adopted {
        return JobStep::Do(Effect::Adopt);
    }
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let mut message = format!("{} upgraded to {} on a copy", at.live, at.target);
    if let Some(left) = &report.previous_left {
        // The previous files stay: so does their database, together.
        message.push_str(&format!(
            "; the previous files could not be removed ({left}), so the previous database is kept with them as {kept}"
        ));
    } else if at.job.spec.previous_database == PreviousDatabase::Drop {
        // Until the target ran on the upgraded database, the previous one is what a
        // user (or a rollback) would go back to: it goes only once the target runs.
        message.push_str(&format!(
            "; rolling out; the previous database {kept} is dropped once {} runs {}",
            at.instance.name_any(),
            at.target
        ));
        enter(&mut status, UpgradeStep::Starting);
        // The upgrade itself is complete: the rollback window counts from here.
        status.job.completion_time = Some(Time(at.f.seen.now));
        status.job.message = Some(message.clone());
        let ending = Ending::new(status, JobPhase::Running, Again::After(ROLLING_OUT));
        return JobStep::End(ending.told(On::Job, false, Reason::Switched, message));
    } else {
        message.push_str(&format!(
            "; the previous database and files are kept as {kept}"
        ));
    }
    message.push_str("; rolling out");
    upgraded(status, message)
}

/// Succeeded, said on the job.
fn upgraded(status: OdooUpgradeJobStatus, message: String) -> Step {
    let phase = ended(&status, JobPhase::Succeeded);
    let ending = finished(status, phase, message.clone());
    JobStep::End(ending.told(On::Job, false, Reason::Upgraded, message))
}

/// Starting (previousDatabase: Drop): the target rolls out on the upgraded
/// database; once the instance runs it, the previous files and database are
/// dropped and the upgrade is done. A rollback keeps them (the previous image is
/// back, and the previous database is what it belongs with); an instance that
/// does not run keeps them and the job says why.
pub(super) fn starting(at: &At<'_>, mut status: OdooUpgradeJobStatus) -> Step {
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let name = at.instance.name_any();
    let target = &at.target;
    let base = format!("{} upgraded to {target} on a copy", at.live);
    // A rollback while the target rolls out: the instance reverted to the
    // previous image, which belongs with the previous database.
    if super::super::rollback::reverted(at.job, at.instance) {
        status.rolled_back = true;
    }
    if status.rolled_back {
        let message = format!(
            "{base}; the target did not become ready and was rolled back, so the previous database and files are kept as {kept}"
        );
        return upgraded(status, message);
    }
    if let Err(doing) = kept::instance_runs(at.instance, Some(target)) {
        let message = format!(
            "{base}; rolling out; the previous database {kept} is dropped once {name} runs {target} ({doing})"
        );
        return running(status, Some(message), NOT_RUNNING_YET);
    }
    let Some(dropping) = &at.f.dropping else {
        return JobStep::Do(Effect::DropKept);
    };
    let ran = format!("{base}; {name} runs it");
    match dropping.outcome(&ran, &kept, &mut status.previous_database_name) {
        Some(message) => upgraded(status, message),
        None => running(status, None, AGENT_RUNS),
    }
}

/// Discarding: the copy's database, then its files; then the outcome.
pub(super) fn discarding(at: &At<'_>, status: OdooUpgradeJobStatus) -> Step {
    let f = at.f;
    if !f.copy_dropped {
        return JobStep::Do(Effect::DropCopy);
    }
    let discarded = match &f.discard {
        None => return JobStep::Do(Effect::ReadDiscard),
        Some(Agent::Missing) if f.started => return waiting(at.job, AGENT_RUNS),
        Some(Agent::Missing) => return JobStep::Do(Effect::StartDiscard),
        Some(Agent::Running) => return waiting(at.job, AGENT_RUNS),
        Some(Agent::Ended(discarded)) => discarded,
    };
    let copy = &at.copy;
    let mut message = status.job.message.clone().unwrap_or_default();
    match discarded {
        Ok(_) => message.push_str(&format!("; the copy {copy} and its files were removed")),
        Err(why) => message.push_str(&format!(
            "; the copy {copy} was dropped, but its files could not be removed ({why}): remove filestore/{copy} from the volume by hand"
        )),
    }
    if at.job.spec.rehearsal {
        message.push_str(&format!("; nothing changed on {}", at.instance.name_any()));
        return rehearsed(at, status, message);
    }
    message.push_str(&format!(
        "; {} was not touched and the previous image serves it again",
        at.live
    ));
    ended(&status, JobPhase::Failed);
    JobStep::End(failed(status, message))
}

/// A rehearsal's end, with its outcome as an event on the instance. The
/// instance's own controller records it in its status (`lastRehearsal`, from this
/// job's).
fn rehearsed(at: &At<'_>, status: OdooUpgradeJobStatus, message: String) -> Step {
    let succeeded = status.update_succeeded == Some(true);
    let rehearsal = Rehearsal {
        job: at.job.name_any(),
        image: at.target.clone(),
        succeeded,
        finished_at: Time(at.f.seen.now),
        duration_seconds: status.update_seconds,
        message: Some(message.clone()),
    };
    let phase = if succeeded {
        JobPhase::Succeeded
    } else {
        JobPhase::Failed
    };
    let phase = ended(&status, phase);
    let ending = finished(status, phase, message);
    let described = rehearsal.describe();
    JobStep::End(ending.told(On::Instance, !succeeded, Reason::Rehearsed, described))
}
