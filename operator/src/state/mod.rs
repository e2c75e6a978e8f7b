//! The OdooInstance lifecycle as data: a static transition table ([`table`]) with
//! guards over observed facts and one-shot actions, and an idempotent description
//! of what each phase keeps in place ([`ensure`]). The steps of an upgrade on a
//! copy are data too ([`upgrade_steps`]).

pub mod ensure;
pub mod mermaid;
pub mod table;
pub mod upgrade_steps;

use odoo_model::JobPhase;
use odoo_model::cluster_migration::MigrationPhase;

/// What the operator observed this reconcile: the only input of the guards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// The spec validated and its PostgreSQL cluster resolved.
    pub spec_valid: bool,
    /// Role and database exist on the cluster (recorded in a condition, so the
    /// operator does not connect to PostgreSQL on every reconcile).
    pub database_ready: bool,
    /// The database holds an Odoo schema (initialized, restored or migrated).
    pub database_initialized: bool,
    /// `spec.init.enabled`.
    pub init_enabled: bool,
    /// The newest init, backup and restore job and cluster migration of the
    /// instance, as the facts read them.
    pub jobs: JobPhases,
    /// The newest upgrade job of the instance, if any.
    pub upgrade_job: Option<JobPhase>,
    /// `spec.replicas`.
    pub desired_replicas: i32,
    /// Ready web pods.
    pub ready_replicas: i32,
    /// The image the spec asks for is the approved image (`status.image`, the one
    /// the Deployments run).
    pub image_current: bool,
    /// `spec.autoUpgrade.enabled`.
    pub auto_upgrade: bool,
    /// An upgrade job for the spec's image exists already (whatever its outcome), so
    /// a failed automatic upgrade is not retried in a loop.
    pub upgrade_attempted: bool,
    /// The newest upgrade rolled out an image whose web pods did not become ready
    /// within the rollback window.
    pub rollout_timed_out: bool,
}

/// The phase of the instance's newest job resource of each kind the lifecycle
/// reads by its phase alone (the upgrade's view says more; see the instance's facts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobPhases {
    pub init: Option<JobPhase>,
    pub backup: Option<JobPhase>,
    pub restore: Option<JobPhase>,
    pub migration: Option<MigrationPhase>,
}

impl Observed {
    pub(crate) fn job_running(phase: Option<JobPhase>) -> bool {
        matches!(phase, Some(JobPhase::Running))
    }

    /// A migration holds the instance down from Stopping until the switch: its
    /// pre-checks stop nothing (a refused migration costs no downtime), and in
    /// Starting the instance must start, on the target.
    pub(crate) fn migration_running(&self) -> bool {
        self.jobs.migration.is_some_and(|p| {
            matches!(
                p,
                MigrationPhase::Stopping
                    | MigrationPhase::Copying
                    | MigrationPhase::Verifying
                    | MigrationPhase::Switching
            )
        })
    }
}
