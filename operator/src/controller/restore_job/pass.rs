//! What a pass over a restore job learns ([`Facts`]), the effects its steps ask
//! for ([`Effect`]), and when it looks again.

use crate::controller::step::Seen;
use std::time::Duration;

use odoo_model::agent::RestoreReport;
use odoo_model::restore_job::OdooRestoreJobStatus;
use odoo_model::{OdooInstance, OdooRestoreJob};

use super::runs::OdooRun;
use crate::controller::kept::Dropping;
use crate::controller::proof;
use crate::controller::restore_plan::{Source, Unusable};
use crate::controller::step::JobStep;
use crate::runtime::agent_pod::{Agent, Switched};
use crate::runtime::batch::Outcome;
use crate::validate::ValidInstance;

/// What a step past Pending reads: the job, its instance, the instance resolved,
/// and what the pass learnt.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) job: &'a OdooRestoreJob,
    pub(super) instance: &'a OdooInstance,
    pub(super) v: &'a ValidInstance,
    pub(super) f: &'a Facts,
}

impl<'a> At<'a> {
    /// The step's view, once the pass resolved the instance.
    pub(super) fn resolved(
        job: &'a OdooRestoreJob,
        instance: &'a OdooInstance,
        f: &'a Facts,
    ) -> Option<Self> {
        let v = f.valid.as_deref()?;
        Some(At {
            job,
            instance,
            v,
            f,
        })
    }
}

/// What a pass over a restore job has learnt: the prologue's instance, then each
/// effect's outcome. Large values are boxed: this is held by every pass in flight.
#[derive(Default)]
pub struct Facts {
    /// What every pass starts from, and the job as its finalizer write left it.
    pub(super) seen: Seen<OdooRestoreJob>,
    /// Another job that goes first, if any.
    pub(super) queued: Option<Option<String>>,
    /// The archive of the job's source, or why it cannot be used (yet).
    pub(super) source: Option<Result<Source, Unusable>>,
    /// The instance resolved at its database's image.
    pub(super) valid: Option<Box<ValidInstance>>,
    /// The load Job, and once it ended, the agent's report or why there is none.
    pub(super) load: Option<Agent<Result<RestoreReport, String>>>,
    /// The temporary database was created and the load Job applied by this pass.
    pub(super) load_started: bool,
    /// The loaded database checked against the report: the proof, or why not.
    pub(super) proof: Option<proof::Checked>,
    /// The temporary database was dropped by this pass.
    pub(super) discarded: bool,
    /// Odoo's runs read so far, in order, with their outcome (`None`: no Job).
    pub(super) runs: Vec<(OdooRun, Option<Outcome>)>,
    /// The run whose Job this pass applied.
    pub(super) run_started: Option<OdooRun>,
    /// The error a failed run's Odoo ended with, if its log tells one.
    pub(super) failure: Option<Option<String>>,
    /// Whether Odoo's neutralization marked the database, or why not.
    pub(super) neutralized: Option<Result<(), String>>,
    /// What still serves from the live database, if anything.
    pub(super) serving: Option<Option<String>>,
    /// The temporary database prepared and renamed to the live name, or why not.
    pub(super) databases: Option<Result<(), String>>,
    /// The filestore switch's Job, and once it ended, where the files are.
    pub(super) switch: Option<Agent<Switched>>,
    /// The filestore switch's Job was applied by this pass.
    pub(super) switch_started: bool,
    /// The previous database is back under the live name.
    pub(super) reverted: bool,
    /// Where dropping the kept database and files stands (previousDatabase: Drop).
    pub(super) dropping: Option<Dropping>,
}

impl AsMut<Seen<OdooRestoreJob>> for Facts {
    fn as_mut(&mut self) -> &mut Seen<OdooRestoreJob> {
        &mut self.seen
    }
}

/// What a step over a restore job asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Whether another job goes first.
    ReadQueue,
    /// The archive of the job's source.
    Resolve,
    /// The instance resolved at its database's image.
    ReadInstance,
    ReadLoad,
    /// Creates the empty temporary database, then applies the load Job.
    StartLoad,
    /// Checks the loaded database against the agent's report and the digest.
    Prove,
    /// Drops the temporary database of a restore that will not switch.
    Discard,
    ReadRun(OdooRun),
    StartRun(OdooRun),
    ReadRunFailure(OdooRun),
    ReadNeutralized,
    ReadServing,
    /// Prepares the temporary database and gives it the live name in one
    /// transaction (the live one is kept).
    SwitchDatabases,
    ReadSwitch,
    StartSwitch,
    /// Puts the previous database back under the live name.
    Revert,
    /// Removes the kept files, then their database, once the instance runs.
    DropKept,
}

pub(super) type Step = JobStep<OdooRestoreJobStatus, Effect>;

/// A restore that waits its turn (behind the instance's settling or another job)
/// looks again this soon: what it waits on does not always wake it.
pub(super) const QUEUED: Duration = Duration::from_secs(10);

/// A step just recorded goes on at once; its status write wakes it as well.
pub(super) const NEXT_STEP: Duration = Duration::from_secs(1);

/// The load Job's outcome wakes the restore (the shared Jobs watch); this is a
/// safety net while it runs.
pub(super) const LOADING: Duration = Duration::from_secs(10);

/// Odoo's runs on the loaded database are short: looked at this often.
pub(super) const OPENING: Duration = Duration::from_secs(5);

/// The instance stops for the switch, or starts once switched, within seconds.
pub(super) const INSTANCE_CHANGING: Duration = Duration::from_secs(2);

/// The filestore switch's Job, followed as the load Job is.
pub(super) const SWITCHING: Duration = Duration::from_secs(10);

/// A half-switched filestore waits for a person to check the volume and delete the
/// switch's Job: nothing changes on its own, so it is looked at seldom.
pub(super) const HALF_SWITCHED: Duration = Duration::from_secs(60);

/// The instance starting on the restored database, then the removal of the kept
/// files (previousDatabase: Drop).
pub(super) const STARTING: Duration = Duration::from_secs(5);
