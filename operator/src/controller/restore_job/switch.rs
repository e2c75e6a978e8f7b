//! Switching and Starting, pure: once the instance is down, the loaded temporary
//! database takes the live name in one transaction, then the filestore directories
//! are renamed; with `previousDatabase: Drop`, the replaced database and files go
//! once the instance runs on the restored ones.

use kube::ResourceExt;
use odoo_model::Reason;
use odoo_model::agent::{SwitchOutcome, SwitchReport};
use odoo_model::restore_job::{OdooRestoreJobStatus, PreviousDatabase, RestoreStep};
use odoo_model::{JobPhase, OdooInstance, OdooRestoreJob};

use super::outcome::{
    current, end, ending, fail_discarding, running, saying, succeeded, unchanged,
};
use super::pass::{
    At, Effect, Facts, HALF_SWITCHED, INSTANCE_CHANGING, NEXT_STEP, STARTING, SWITCHING, Step,
};
use super::runs;
use crate::controller::filestore_jobs::switch_job_name;
use crate::controller::kept;
use crate::controller::step::{Again, JobStep, On};
use crate::runtime::agent_pod::{Agent, Switched};

/// Switching: once the instance is down, rename the databases, then the filestore.
pub(super) fn switch(job: &OdooRestoreJob, instance: &OdooInstance, f: &Facts) -> Step {
    match &f.serving {
        None => return JobStep::Do(Effect::ReadServing),
        Some(Some(waiting)) => return running(job, waiting.clone(), INSTANCE_CHANGING),
        Some(None) => {}
    }
    let Some(at) = At::resolved(job, instance, f) else {
        return JobStep::Do(Effect::ReadInstance);
    };
    let mut status = current(job);
    if !status.database_switched {
        return databases(at);
    }
    match &f.switch {
        None => JobStep::Do(Effect::ReadSwitch),
        Some(Agent::Missing) if f.switch_started => {
            status.job.job_name = Some(switch_job_name(job, false));
            end(status, JobPhase::Running, Again::After(SWITCHING))
        }
        Some(Agent::Missing) => JobStep::Do(Effect::StartSwitch),
        Some(Agent::Running) => unchanged(job, SWITCHING),
        Some(Agent::Ended(Switched::Unknown(why))) => files_unknown(at, why),
        Some(Agent::Ended(Switched::Undone(why))) => files_undone(at, why),
        Some(Agent::Ended(Switched::Done(report))) => files_switched(at, report),
    }
}

/// The temporary database, prepared, takes the live name (the live one is kept);
/// a failure discards the temporary database and keeps the live one.
fn databases(at: At<'_>) -> Step {
    let At { job, v, f, .. } = at;
    match &f.databases {
        None => JobStep::Do(Effect::SwitchDatabases),
        Some(Ok(())) => {
            let mut status = current(job);
            status.database_switched = true;
            status.job.message = Some(format!(
                "{} now holds the restored data; switching the filestore",
                v.database.name
            ));
            end(status, JobPhase::Running, Again::After(NEXT_STEP))
        }
        Some(Err(e)) => {
            let why = format!(
                "switching databases failed: {e}; {} was kept",
                v.database.name
            );
            fail_discarding(job, f, why)
        }
    }
}

/// The files may have moved: putting the previous database back could pair it
/// with the restored files. Nothing is reverted or dropped; the switch is
/// retried once its Job is deleted (it finishes or confirms a switch).
fn files_unknown(at: At<'_>, why: &str) -> Step {
    let At { job, v, .. } = at;
    let (batch, ns) = switch_batch(job);
    let kept = current(job).previous_database_name.unwrap_or_default();
    let message = format!(
        "switching the filestore failed and the files may have moved: {why}; {} holds the restored data and the previous database is kept as {kept}; nothing was reverted or dropped. Check the volume, then delete job/{batch} -n {ns} to run the switch again; logs: kubectl logs job/{batch} -n {ns}",
        v.database.name
    );
    if current(job).job.message.as_deref() == Some(message.as_str()) {
        return unchanged(job, HALF_SWITCHED);
    }
    let ending = saying(job, message.clone(), HALF_SWITCHED);
    JobStep::End(ending.warning(Reason::SwitchUnknown, message))
}

/// The agent put the files back where they were (its own word): the previous
/// database goes back too, the temporary one goes, and the instance serves as
/// before.
fn files_undone(at: At<'_>, why: &str) -> Step {
    let At { job, v, f, .. } = at;
    if !f.reverted {
        return JobStep::Do(Effect::Revert);
    }
    let (batch, ns) = switch_batch(job);
    let message = format!(
        "switching the filestore failed: {why}; the previous database {} is back in place; logs: kubectl logs job/{batch} -n {ns}",
        v.database.name
    );
    fail_discarding(job, f, message)
}

/// The switch Job's name and namespace, for the messages that point at it.
fn switch_batch(job: &OdooRestoreJob) -> (String, String) {
    let ns = job.namespace().unwrap_or_default();
    (switch_job_name(job, false), ns)
}

/// Database and files are switched: the restore succeeds, or (previous database
/// Drop) waits until the instance runs on the restored one.
fn files_switched(at: At<'_>, report: &SwitchReport) -> Step {
    let At { job, instance, .. } = at;
    let mut status = current(job);
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let mut message = restored(at, &status);
    if report.outcome == SwitchOutcome::NoFilesRestored {
        message.push_str("; the archive had no filestore, the current files stay");
    }
    if let Some(left) = &report.previous_left {
        // The previous files stay: so does their database, together.
        message.push_str(&format!(
            "; the previous files could not be removed ({left}), so the previous database is kept with them as {kept}"
        ));
    } else if job.spec.previous_database == PreviousDatabase::Drop {
        // Until Odoo ran on the restored database, the previous one is what
        // a user would go back to: it goes only once the instance runs.
        message.push_str(&format!(
            "; the previous database {kept} is dropped once {} runs on the restored one",
            instance.name_any()
        ));
        status.step = Some(RestoreStep::Starting);
        status.job.message = Some(message.clone());
        let ending = ending(status, JobPhase::Running, Again::After(INSTANCE_CHANGING));
        return JobStep::End(ending.told(On::Job, false, Reason::Switched, message));
    } else {
        message.push_str(&format!("; the previous database is kept as {kept}"));
    }
    succeeded(status, message)
}

/// Starting (previousDatabase: Drop): the instance starts on the restored database;
/// once it runs, the previous files and database are dropped and the restore is
/// done. Stopped or failing, it keeps them and says why.
pub(super) fn starting(job: &OdooRestoreJob, instance: &OdooInstance, f: &Facts) -> Step {
    let Some(at) = At::resolved(job, instance, f) else {
        return JobStep::Do(Effect::ReadInstance);
    };
    let mut status = current(job);
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let base = restored(at, &status);
    let name = instance.name_any();
    if let Err(doing) = kept::instance_runs(instance, None) {
        let message = format!(
            "{base}; the previous database {kept} is dropped once {name} runs on the restored one ({doing})"
        );
        return running(job, message, STARTING);
    }
    let Some(dropping) = &f.dropping else {
        return JobStep::Do(Effect::DropKept);
    };
    let ran = format!("{base}; {name} ran on it");
    match dropping.outcome(&ran, &kept, &mut status.previous_database_name) {
        Some(message) => succeeded(status, message),
        None => unchanged(job, STARTING),
    }
}

/// What a switched restore did, for its messages.
fn restored(at: At<'_>, status: &OdooRestoreJobStatus) -> String {
    let At { job, v, .. } = at;
    let database = &v.database.name;
    let location = status
        .location
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let neutralized = match (
        runs::neutralizes(job, v),
        runs::odoo_neutralizes(&v.images.database),
    ) {
        (false, _) => "",
        (true, true) => "; neutralized by Odoo's own `odoo neutralize`",
        (true, false) => {
            "; neutralized by the operator's statements (the image's Odoo is older than 16.0 or names no series, so it has no `odoo neutralize`)"
        }
    };
    format!("restored {location} into {database}{neutralized}")
}
