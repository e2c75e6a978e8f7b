//! What a pass over a backup job learns, and what its steps ask for. The steps
//! (`flow`, `verify`) read these; the effects (the kind's `apply`) fill them.

use crate::controller::step::Seen;
use kube::ResourceExt;
use odoo_model::agent::{BackupReport, RestoreReport, RowCounts, VerifyReport};
use odoo_model::{Location, OdooBackupJob, OdooBackupJobStatus};

use super::super::proof::Checked;
use crate::runtime::agent_pod::Agent;
use crate::validate::ValidInstance;

/// What a pass over a backup job has learnt.
///
/// The instance and the resolved instance are boxed, as the init job's are: this
/// is held by every backup's pass in flight.
#[derive(Debug, Default)]
pub struct Facts {
    /// What every pass starts from, and the job as its finalizer write left it.
    pub seen: Seen<OdooBackupJob>,
    /// What the job queues behind; `Some(None)` when nothing holds the instance.
    pub queued: Option<Option<String>>,
    /// The instance resolved, at its database's image.
    pub valid: Option<Box<ValidInstance>>,
    /// The backup's agent Job: where it stands, and its report taken once ended.
    pub backup: Option<Agent<Result<BackupReport, String>>>,
    /// The backup's Job was applied by this pass.
    pub started: bool,
    /// The operator's own look at the archive in its bucket.
    pub stored: Option<Checked>,
    /// The bucket index record written, or why not.
    pub indexed: Option<Result<(), String>>,
    pub verify: Verifying,
}

impl AsMut<Seen<OdooBackupJob>> for Facts {
    fn as_mut(&mut self) -> &mut Seen<OdooBackupJob> {
        &mut self.seen
    }
}

/// What a pass learns of the verification `spec.verify` asks for.
#[derive(Debug, Default)]
pub struct Verifying {
    /// The verification's agent Job, and its report taken once ended.
    pub run: Option<Agent<Result<Said, String>>>,
    /// The scratch database (a `Restore` verification's) was made by this pass.
    pub scratch_made: bool,
    /// The verification's Job was applied by this pass.
    pub started: bool,
    /// The job's status as stored now, read past the cache; `Some(None)` when the
    /// job is gone.
    pub recorded: Option<Option<Box<OdooBackupJobStatus>>>,
    /// The scratch database as the operator counts it, or why it does not agree
    /// with the agent's report.
    pub loaded: Option<Result<RowCounts, String>>,
    /// The scratch database was dropped by this pass.
    pub dropped: bool,
}

/// What a verification's agent reported.
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    Archive(VerifyReport),
    Restore(RestoreReport),
}

/// What a step over a backup job asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Reads which other job of the instance this one queues behind.
    ReadQueue,
    /// Resolves the instance (reads the PostgreSQL clusters).
    Resolve,
    ReadBackup,
    /// Applies the backup's Job, known missing, writing to the recorded location.
    StartBackup(Location),
    /// Looks at the reported archive in its bucket.
    CheckStored,
    /// Writes the bucket index record of this final status.
    WriteIndex(Box<OdooBackupJobStatus>),
    ReadVerify,
    CreateScratch,
    /// Applies the verification's Job, known missing.
    StartVerify,
    /// Reads the job as stored, past the cache.
    ReadRecorded,
    /// Counts the scratch database and checks it against the agent's report.
    CountScratch,
    DropScratch,
}

/// The backup's agent Job.
pub fn backup_job_name(job: &OdooBackupJob) -> String {
    format!("{}-job", job.name_any())
}
