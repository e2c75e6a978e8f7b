//! Phases as the model types them. Some reach the plugin as text (a job resource
//! read as a dynamic object, the phase a snapshot shows); they are parsed into the
//! model's enums here before any decision is made on them, so a renamed phase is a
//! compile error rather than a silent mismatch.

use kube::Resource;
use odoo_model::cluster_migration::MigrationPhase;
use odoo_model::{InstancePhase, JobPhase, OdooClusterMigration};
use serde::de::DeserializeOwned;
use serde::de::value::{Error, StrDeserializer};

/// Phases an instance stays in until its spec changes: a wait for it ends there
/// with exit 3.
pub const FAILED: [InstancePhase; 3] = [
    InstancePhase::Error,
    InstancePhase::InitFailed,
    InstancePhase::UpgradeFailed,
];

/// Phases in which nothing is in progress: what `--for=terminal` waits for (with
/// the failed ones, which end the wait with exit 3).
pub const SETTLED: [InstancePhase; 4] = [
    InstancePhase::Running,
    InstancePhase::Stopped,
    InstancePhase::Degraded,
    InstancePhase::Uninitialized,
];

/// Phases in which a batch Job of the instance does the work.
pub const JOB_RUNNING: [InstancePhase; 5] = [
    InstancePhase::Initializing,
    InstancePhase::Upgrading,
    InstancePhase::BackingUp,
    InstancePhase::Restoring,
    InstancePhase::Migrating,
];

/// `text` as one of the model's phase enums, whose serde names are the phases the
/// API server stores; `None` for anything else.
pub fn parse<P: DeserializeOwned>(text: &str) -> Option<P> {
    P::deserialize(StrDeserializer::<Error>::new(text)).ok()
}

/// The phase of a job resource, typed by its kind: upgrade, backup, restore and init
/// jobs share [`JobPhase`]; a cluster migration has its own steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyJobPhase {
    Job(JobPhase),
    Migration(MigrationPhase),
}

/// How a job resource ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    Succeeded,
    Failed,
    /// A migration's failed end that put the instance back on its source.
    RolledBack,
}

impl AnyJobPhase {
    /// The stored `phase` of a job resource of `kind`.
    pub fn parse(kind: &str, phase: &str) -> Option<AnyJobPhase> {
        if kind == OdooClusterMigration::kind(&()) {
            parse(phase).map(AnyJobPhase::Migration)
        } else {
            parse(phase).map(AnyJobPhase::Job)
        }
    }

    /// The name the API server stores, as [`AnyJobPhase::parse`] reads it.
    pub fn name(self) -> String {
        let stored = match self {
            AnyJobPhase::Job(p) => serde_json::to_value(p),
            AnyJobPhase::Migration(p) => serde_json::to_value(p),
        };
        stored
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The end this phase is, if it is one.
    pub fn end(self) -> Option<JobEnd> {
        match self {
            AnyJobPhase::Job(JobPhase::Succeeded)
            | AnyJobPhase::Migration(MigrationPhase::Succeeded) => Some(JobEnd::Succeeded),
            AnyJobPhase::Job(JobPhase::Failed) | AnyJobPhase::Migration(MigrationPhase::Failed) => {
                Some(JobEnd::Failed)
            }
            AnyJobPhase::Migration(MigrationPhase::RolledBack) => Some(JobEnd::RolledBack),
            _ => None,
        }
    }
}

/// How a job resource of `kind` in `phase` ended, if it did.
pub fn job_end(kind: &str, phase: &str) -> Option<JobEnd> {
    AnyJobPhase::parse(kind, phase).and_then(AnyJobPhase::end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_phase_names_parse_into_the_models_enums() {
        assert_eq!(parse("UpgradeFailed"), Some(InstancePhase::UpgradeFailed));
        assert_eq!(parse::<InstancePhase>("Pending"), None);
        assert_eq!(parse::<InstancePhase>(""), None);
        assert_eq!(parse("Succeeded"), Some(JobPhase::Succeeded));
        for phase in InstancePhase::ALL {
            assert_eq!(parse(&phase.to_string()), Some(phase));
        }
    }

    #[test]
    fn a_migration_ends_in_its_own_phases() {
        assert_eq!(
            job_end("OdooClusterMigration", "RolledBack"),
            Some(JobEnd::RolledBack)
        );
        assert_eq!(job_end("OdooClusterMigration", "Copying"), None);
        assert_eq!(job_end("OdooBackupJob", "Failed"), Some(JobEnd::Failed));
        assert_eq!(job_end("OdooBackupJob", "RolledBack"), None);
        assert_eq!(
            AnyJobPhase::parse("OdooUpgradeJob", "Running"),
            Some(AnyJobPhase::Job(JobPhase::Running))
        );
        let rolled_back = AnyJobPhase::Migration(MigrationPhase::RolledBack);
        assert_eq!(rolled_back.name(), "RolledBack");
        assert_eq!(
            AnyJobPhase::parse("OdooClusterMigration", &rolled_back.name()),
            Some(rolled_back)
        );
    }
}
