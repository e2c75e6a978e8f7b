//! What following a job resource reads of it, typed by its kind: the kinds that
//! share a status ([`JobResource::job_status`]) are read through it; a cluster
//! migration, whose steps are its own, reads its own status. No decision is made on
//! a kind's name.

use std::fmt::Debug;

use odoo_model::job::JobResource;
use odoo_model::{
    OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooRestoreJob, OdooUpgradeJob,
};
use serde::de::DeserializeOwned;

use crate::phase::AnyJobPhase;

/// A job resource the plugin follows to its end.
pub trait Followed: JobResource + Clone + DeserializeOwned + Debug + Send + Sync + 'static {
    /// Where it stands; `None` before the operator wrote a phase.
    fn phase(&self) -> Option<AnyJobPhase> {
        self.job_status()?.phase.map(AnyJobPhase::Job)
    }
    /// What the operator said of that phase.
    fn message(&self) -> Option<&str> {
        self.job_status()?.message.as_deref()
    }
    /// The generation of the spec the status describes.
    fn observed_generation(&self) -> Option<i64> {
        self.job_status()?.observed_generation
    }
    /// The batch Job that does the work, whose log is tailed while it runs.
    fn job_name(&self) -> Option<&str> {
        self.job_status()?.job_name.as_deref()
    }
    /// How far the work has come, for people; empty when the kind does not say.
    fn progress(&self) -> String {
        String::new()
    }
}

impl Followed for OdooInitJob {}

impl Followed for OdooUpgradeJob {}

impl Followed for OdooBackupJob {
    fn progress(&self) -> String {
        bytes(self.status.as_ref().and_then(|s| s.progress_bytes))
    }
}

impl Followed for OdooRestoreJob {
    fn progress(&self) -> String {
        bytes(self.status.as_ref().and_then(|s| s.progress_bytes))
    }
}

impl Followed for OdooClusterMigration {
    fn phase(&self) -> Option<AnyJobPhase> {
        self.status.as_ref()?.phase.map(AnyJobPhase::Migration)
    }
    fn message(&self) -> Option<&str> {
        self.status.as_ref()?.message.as_deref()
    }
    fn observed_generation(&self) -> Option<i64> {
        self.status.as_ref()?.observed_generation
    }
    /// A migration's steps run in the operator, with no batch Job of its own.
    fn job_name(&self) -> Option<&str> {
        None
    }
    fn progress(&self) -> String {
        self.status
            .as_ref()
            .and_then(|s| s.progress.clone())
            .unwrap_or_default()
    }
}

/// Bytes moved so far, for people.
fn bytes(count: Option<i64>) -> String {
    count.map(crate::output::size).unwrap_or_default()
}
