//! How a restore's passes end: the status they record, its failure and its success
//! (with the events that say so on the job and on the instance), and the words that
//! say what the live database went through. Pure.

use std::time::Duration;

use odoo_model::Reason;
use odoo_model::restore_job::OdooRestoreJobStatus;
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob};

use super::pass::{Effect, Facts, Step};
use crate::controller::step::{Again, Ending, JobStep};

/// The job's status as the pass found it, to change for its ending.
pub(super) fn current(job: &OdooRestoreJob) -> OdooRestoreJobStatus {
    job.status.clone().unwrap_or_default()
}

/// The end of the pass with `status` in `phase`: a finished restore has no step.
pub(super) fn ending(
    mut status: OdooRestoreJobStatus,
    phase: JobPhase,
    again: Again,
) -> Ending<OdooRestoreJobStatus> {
    if phase.is_finished() {
        status.step = None;
    }
    Ending::new(status, phase, again)
}

pub(super) fn end(status: OdooRestoreJobStatus, phase: JobPhase, again: Again) -> Step {
    JobStep::End(ending(status, phase, again))
}

/// Running with `message`, looked at again after `after`.
pub(super) fn saying(
    job: &OdooRestoreJob,
    message: String,
    after: Duration,
) -> Ending<OdooRestoreJobStatus> {
    let mut status = current(job);
    status.job.message = Some(message);
    ending(status, JobPhase::Running, Again::After(after))
}

pub(super) fn running(job: &OdooRestoreJob, message: String, after: Duration) -> Step {
    JobStep::End(saying(job, message, after))
}

/// Still running as recorded: nothing to write, look again after `after`.
pub(super) fn unchanged(job: &OdooRestoreJob, after: Duration) -> Step {
    end(current(job), JobPhase::Running, Again::After(after))
}

/// Failed, saying `why` on the job and the instance.
pub(super) fn fail(job: &OdooRestoreJob, why: String) -> Step {
    let mut status = current(job);
    status.job.message = Some(why.clone());
    let ending = ending(status, JobPhase::Failed, Again::OnChange);
    JobStep::End(ending.told_both(true, Reason::RestoreFailed, why))
}

/// A failure that leaves a temporary database: it is dropped first, then the
/// restore fails saying `why`.
pub(super) fn fail_discarding(job: &OdooRestoreJob, f: &Facts, why: String) -> Step {
    if !f.discarded {
        return JobStep::Do(Effect::Discard);
    }
    fail(job, why)
}

/// The end of a restore that switched, saying so on the job and the instance.
pub(super) fn succeeded(mut status: OdooRestoreJobStatus, message: String) -> Step {
    status.job.message = Some(message.clone());
    let ending = ending(status, JobPhase::Succeeded, Again::OnChange);
    JobStep::End(ending.told_both(false, Reason::Restored, message))
}

/// What the live database does while the restore works beside it, for messages:
/// an instance that serves keeps serving it; a stopped one, or one waiting for
/// this restore (`--into`), serves nothing.
pub(super) fn serves(instance: &OdooInstance) -> bool {
    matches!(
        instance.phase(),
        Some(InstancePhase::Running | InstancePhase::Degraded | InstancePhase::Starting)
    )
}

/// `<db> keeps serving`, or `<db> is not touched` when it does not serve.
pub(super) fn meanwhile(instance: &OdooInstance, database: &str) -> String {
    if serves(instance) {
        format!("{database} keeps serving")
    } else {
        format!("{database} is not touched")
    }
}

/// `<db> was not touched and keeps serving`, or without the serving when it does
/// not serve: the end of a failure before the switch.
pub(super) fn untouched(instance: &OdooInstance, database: &str) -> String {
    let serving = if serves(instance) {
        " and keeps serving"
    } else {
        ""
    };
    format!("{database} was not touched{serving}")
}
