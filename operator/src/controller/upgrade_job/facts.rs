//! What a pass over an upgrade job learns, and what its steps ask for: the
//! vocabulary shared by the queue, the InPlace step, the Copy strategy's steps and
//! the one place that does what they ask (`apply`).

use crate::controller::step::Seen;
use k8s_openapi::jiff::Timestamp;
use odoo_model::OdooUpgradeJob;
use odoo_model::agent::{CopyReport, FilestoreCopyReport};
use odoo_model::instance::Rehearsal;
use odoo_model::upgrade_job::OdooUpgradeJobStatus;

use crate::controller::kept::Dropping;
use crate::controller::step::JobStep;
use crate::pg::PgCluster;
use crate::pg::copy::TemplateCopy;
use crate::runtime::agent_pod::{Agent, Switched};
use crate::runtime::batch::Outcome;
use crate::validate::ValidInstance;

/// What a step decides.
pub(crate) type Step = JobStep<OdooUpgradeJobStatus, Effect>;

/// Which database an update runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// The live database (InPlace).
    Live,
    /// The job's copy (Copy, rehearsals).
    Copy,
}

/// A read or a change a step over an upgrade job asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The instance as validated, and its PostgreSQL cluster.
    Resolve,
    /// Another job of the instance that goes first, or a busy instance.
    ReadBusy,
    /// The newest rehearsal the upgrade jobs show.
    ReadRehearsed,
    /// The workers that must stop before the update (web too with `stop_web`).
    ReadWorkers {
        stop_web: bool,
    },
    ReadUpdate,
    /// The clock of the database the update is about to run on.
    ReadClock(Db),
    /// Applies the update Job, its start already recorded.
    StartUpdate(Db),
    /// The proof of an update that exited 0.
    ReadUpdated(Db),
    /// The error Odoo's log ended with.
    ReadFailure,
    /// The target becomes the spec's image.
    Adopt,
    CopyByTemplate,
    /// An empty copy, and the agent Job streaming the database into it.
    StartStreamedCopy,
    ReadFiles,
    ReadStream,
    /// The operator's own comparison of the copy with the live database.
    CheckCopy,
    StartFiles,
    /// The copy takes the live name in one transaction, the live one kept.
    SwitchDatabases,
    ReadSwitch,
    StartSwitch,
    /// The previous database takes the live name again.
    RevertDatabases,
    DropKept,
    DropCopy,
    ReadDiscard,
    StartDiscard,
    /// Which of the Jobs a deletion stops still exist.
    ReadOwnJobs,
    DeleteJob(String),
}

/// The instance as validated and its cluster: what every database effect needs.
pub struct Resolved {
    pub v: ValidInstance,
    pub cluster: PgCluster,
}

#[cfg(test)]
impl Resolved {
    /// The builders' sample instance, its live database named `live`.
    pub fn sample(live: &str) -> Box<Resolved> {
        let mut v = crate::build::sample();
        v.database.name = live.into();
        let cluster = crate::build::sample_clusters()
            .get(&v.database.cluster)
            .cloned()
            .expect("the sample's cluster");
        Box::new(Resolved { v, cluster })
    }
}

/// What an effect on the instance's resolved database works with.
#[derive(Clone, Copy)]
pub struct OnDatabase<'a> {
    pub ctx: &'a crate::runtime::context::Context,
    pub job: &'a OdooUpgradeJob,
    pub r: &'a Resolved,
}

/// What a pass over an upgrade job has learnt. The instance is boxed, as in every
/// kind's facts: they are held by every pass in flight.
#[derive(Default)]
pub struct Facts {
    /// What every pass starts from, and the job as its finalizer write left it.
    pub seen: Seen<OdooUpgradeJob>,
    pub resolved: Option<Box<Resolved>>,
    /// `Kind/name` or what the instance is busy with, if anything.
    pub busy: Option<Option<String>>,
    pub rehearsed: Option<Option<Rehearsal>>,
    /// What still runs that must stop, if anything.
    pub workers: Option<Option<String>>,
    /// The update Job's outcome; `Some(None)` when it does not exist.
    pub update: Option<Option<Outcome>>,
    pub clock: Option<Timestamp>,
    /// What the update shows it did, or why nothing proves it.
    pub updated: Option<Result<String, String>>,
    pub failure: Option<Option<String>>,
    pub adopted: bool,
    pub template: Option<TemplateCopy>,
    pub files: Option<Agent<Result<FilestoreCopyReport, String>>>,
    /// The streamed copy's report; `Some(None)` while it runs.
    pub stream: Option<Option<Result<CopyReport, String>>>,
    /// How the copy differs from the live database, or why it cannot be read.
    pub checked: Option<Result<Vec<String>, String>>,
    /// The database switch, or why it failed.
    pub switch: Option<Result<(), String>>,
    pub switched: Option<Agent<Switched>>,
    pub reverted: bool,
    pub dropping: Option<Dropping>,
    pub copy_dropped: bool,
    pub discard: Option<Agent<Result<FilestoreCopyReport, String>>>,
    /// The live ones of the Jobs a deletion stops, in the order they are stopped.
    pub own_jobs: Option<Vec<String>>,
    /// This pass started (or deleted) a Job: it ends and waits for it.
    pub started: bool,
}

impl AsMut<Seen<OdooUpgradeJob>> for Facts {
    fn as_mut(&mut self) -> &mut Seen<OdooUpgradeJob> {
        &mut self.seen
    }
}

impl Facts {
    /// The live database's name, once resolved.
    pub fn live(&self) -> Option<&str> {
        self.resolved.as_deref().map(|r| r.v.database.name.as_str())
    }
}

/// The job's status as stored: what every ending starts from.
pub fn current(job: &OdooUpgradeJob) -> OdooUpgradeJobStatus {
    job.status.clone().unwrap_or_default()
}

/// The image the upgrade goes to, as it recorded it.
pub fn target(status: &OdooUpgradeJobStatus) -> String {
    status.image.clone().unwrap_or_default()
}

/// Its copy, as it recorded it.
pub fn copy(status: &OdooUpgradeJobStatus) -> String {
    status.copy_database.clone().unwrap_or_default()
}
