//! How an upgrade's passes end, whatever the strategy: the next status with its
//! phase and when to look again, the events that go with it, and the start of the
//! update Job both strategies share. Pure.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use odoo_model::Reason;
use odoo_model::upgrade_job::OdooUpgradeJobStatus;
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use super::facts::{Db, Effect, Facts, Step};
use super::plan;
use crate::controller::step::{Again, Ending, JobStep};

/// A step was recorded: the next one starts at once (the status write's own
/// event usually wakes the job sooner).
pub const NEXT_STEP: Duration = Duration::from_secs(1);

/// A queued job: what it waits for (another job, a settling instance) does not
/// always wake it.
pub const QUEUED: Duration = Duration::from_secs(10);

/// Web and cron going to zero take seconds, and their pods' ends do not wake the job.
pub const STOPPING: Duration = Duration::from_secs(2);

/// `odoo --update` runs for minutes; its Job's changes wake the job sooner.
pub const UPDATING: Duration = Duration::from_secs(30);

/// An agent Job runs; the Jobs the upgrade owns wake it sooner.
pub const AGENT_RUNS: Duration = Duration::from_secs(10);

/// A Job stopped by a deletion goes in seconds.
pub const STOPPING_JOB: Duration = Duration::from_secs(2);

/// The target rolls out (previousDatabase Drop): the instance's changes do not
/// wake the job.
pub const ROLLING_OUT: Duration = Duration::from_secs(2);

/// The instance does not run the target yet: it settles within seconds.
pub const NOT_RUNNING_YET: Duration = Duration::from_secs(5);

/// A switch whose files may have moved waits for a person: looking often helps
/// nobody.
pub const FOR_A_PERSON: Duration = Duration::from_secs(60);

/// Running with `status`, saying `message` when given, looked at again after `after`.
pub fn running(mut status: OdooUpgradeJobStatus, message: Option<String>, after: Duration) -> Step {
    if let Some(message) = message {
        status.job.message = Some(message);
    }
    JobStep::End(Ending::new(status, JobPhase::Running, Again::After(after)))
}

/// Running as recorded, looked at again after `after`: nothing new to record.
pub fn waiting(job: &OdooUpgradeJob, after: Duration) -> Step {
    running(super::facts::current(job), None, after)
}

/// The job ends in `phase` saying `message`; a finished job waits for a change.
pub fn finished(
    mut status: OdooUpgradeJobStatus,
    phase: JobPhase,
    message: String,
) -> Ending<OdooUpgradeJobStatus> {
    status.job.message = Some(message);
    Ending::new(status, phase, Again::OnChange)
}

/// A failed upgrade, told on the job and the instance.
pub fn failed(status: OdooUpgradeJobStatus, message: String) -> Ending<OdooUpgradeJobStatus> {
    finished(status, JobPhase::Failed, message.clone()).told_both(
        true,
        Reason::UpgradeFailed,
        message,
    )
}

/// Whether an explicit target still has to become the spec's image, so spec and
/// the running image agree once it rolls out.
pub fn adopts(job: &OdooUpgradeJob, instance: &OdooInstance, target: &str) -> bool {
    job.spec.image.is_some() && instance.spec.image.as_deref() != Some(target)
}

/// The update Job does not exist: the database's clock is recorded as its start
/// in one pass (what Odoo writes from then on is the update's, and the start is
/// recorded before anything runs), and the Job is made in the next.
pub fn update_start(
    job: &OdooUpgradeJob,
    f: &Facts,
    mut status: OdooUpgradeJobStatus,
    db: Db,
    message: String,
) -> Step {
    if f.started {
        return running(status, None, UPDATING);
    }
    let name = plan::update_job_name(job);
    let recorded =
        status.update_started.is_some() && status.job.job_name.as_deref() == Some(name.as_str());
    if f.resolved.is_none() {
        return JobStep::Do(Effect::Resolve);
    }
    if recorded {
        return JobStep::Do(Effect::StartUpdate(db));
    }
    let Some(since) = f.clock else {
        return JobStep::Do(Effect::ReadClock(db));
    };
    status.update_started = Some(MicroTime(since));
    status.job.job_name = Some(name);
    running(status, Some(message), NEXT_STEP)
}
