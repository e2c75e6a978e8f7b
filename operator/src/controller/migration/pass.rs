//! What every step of a migration shares: the pass it reads, what a step
//! decides, the step condition's type and the temporary database's name.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};
use odoo_model::{OdooClusterMigration, OdooInstance};

use super::facts::{Effect, Facts};
use crate::controller::step::Again;
use crate::pg::clusters::{PgCluster, PgClusters};

type Status = OdooClusterMigrationStatus;

/// Condition types of a migration.
pub mod conditions {
    /// True while a step runs; its reason is the step, its transition time the
    /// step's start (how long Starting has waited).
    pub const STEP: &str = "Progressing";
    /// True once the instance runs on the target; False with the reason on rollback.
    pub const MIGRATED: &str = "Migrated";
}

/// A step's work is recorded done: the next one starts at once.
pub(super) const NEXT_STEP: Again = Again::After(Duration::ZERO);
/// A step waiting on the instance or the copy Job looks again this soon.
pub(super) const POLL: Again = Again::After(Duration::from_secs(2));
/// A queued migration looks again this soon for the one ahead of it.
pub(super) const QUEUED: Again = Again::After(Duration::from_secs(10));

/// What a step decided.
#[derive(Debug, PartialEq)]
pub(super) enum Next {
    /// Learn this first.
    Do(Effect),
    /// The step's work is done: record the next step now.
    Advance(P, String),
    /// Stay, saying what is awaited; look again then.
    Wait(String, Again),
    /// The step failed (reason, message): roll back.
    Fail(Reason, String),
}

impl Next {
    /// The step failed with `reason` because `cluster` did not answer.
    pub(super) fn unreachable(reason: Reason, cluster: &str, e: impl std::fmt::Display) -> Next {
        Next::Fail(reason, format!("cluster {cluster}: {e}"))
    }
}

/// What every step reads.
pub(super) struct Pass<'a> {
    pub(super) m: &'a OdooClusterMigration,
    pub(super) instance: &'a OdooInstance,
    pub(super) clusters: &'a PgClusters,
    pub(super) f: &'a Facts,
}

impl Pass<'_> {
    pub(super) fn cluster(&self, name: &str) -> Result<&PgCluster, String> {
        self.clusters.get(name).map_err(|e| e.to_string())
    }

    pub(super) fn database(&self) -> String {
        database(self.instance)
    }

    pub(super) fn target(&self) -> &str {
        &self.m.spec.target_cluster
    }

    /// Whether the instance, as the pass read it, names `cluster`.
    pub(super) fn instance_on(&self, cluster: &str) -> bool {
        self.instance.spec.database.cluster.as_deref() == Some(cluster)
    }
}

pub(super) fn database(instance: &OdooInstance) -> String {
    instance.spec.database.name.clone().unwrap_or_default()
}

pub(super) fn source_cluster(status: &Status) -> String {
    status.source_cluster.clone().unwrap_or_default()
}

pub(super) fn temporary(status: &Status) -> String {
    status.temporary_database.clone().unwrap_or_default()
}

/// `<database>_mig_<8 hex of the migration's uid>`, within PostgreSQL's 63 bytes.
pub fn temporary_name(database: &str, uid: &str) -> String {
    crate::controller::db_names::per_job(database, "mig", uid)
}

/// When the current step started.
pub(super) fn step_started(status: &Status) -> Option<Timestamp> {
    status
        .conditions
        .iter()
        .find(|c| c.type_ == conditions::STEP)
        .map(|c| c.last_transition_time.0)
}

/// Whether a migration ended.
pub(super) fn finished(phase: P) -> bool {
    matches!(phase, P::Succeeded | P::RolledBack | P::Failed)
}
