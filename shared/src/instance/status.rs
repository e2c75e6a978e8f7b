//! Observed state: the phase, the status and the records it keeps.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// Where an instance stands in its lifecycle.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, schemars::JsonSchema,
)]
pub enum InstancePhase {
    /// Defaults, database role and database, secrets and volume are being created.
    #[default]
    Provisioning,
    /// The database exists but holds no Odoo schema yet and initialization is off.
    Uninitialized,
    /// An init job is installing modules into the database.
    Initializing,
    /// Initialization failed; the init job's log says why.
    InitFailed,
    /// Web pods are rolling out and not all ready yet.
    Starting,
    /// All desired web pods are ready.
    Running,
    /// Some web pods are not ready, or a pre-flight check fails.
    Degraded,
    /// Scaled to zero on request.
    Stopped,
    /// A database upgrade runs.
    Upgrading,
    /// The last upgrade failed; the previous image keeps serving.
    UpgradeFailed,
    /// A restore replaces the database and filestore.
    Restoring,
    /// A backup runs.
    BackingUp,
    /// The database moves to another PostgreSQL cluster.
    Migrating,
    /// A permanent error (invalid spec, missing cluster) that waits for a change.
    Error,
}

impl InstancePhase {
    /// Every phase, in lifecycle order.
    pub const ALL: [InstancePhase; 14] = [
        InstancePhase::Provisioning,
        InstancePhase::Uninitialized,
        InstancePhase::Initializing,
        InstancePhase::InitFailed,
        InstancePhase::Starting,
        InstancePhase::Running,
        InstancePhase::Degraded,
        InstancePhase::Stopped,
        InstancePhase::Upgrading,
        InstancePhase::UpgradeFailed,
        InstancePhase::Restoring,
        InstancePhase::BackingUp,
        InstancePhase::Migrating,
        InstancePhase::Error,
    ];

    /// Whether a job may begin on an instance in this phase: it has a schema and
    /// no other job holds it (a backup, a restore, a migration wait for this).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            InstancePhase::Running
                | InstancePhase::Degraded
                | InstancePhase::Stopped
                | InstancePhase::Starting
        )
    }
}

impl super::OdooInstance {
    /// The phase the instance's status records, once the operator recorded one.
    pub fn phase(&self) -> Option<InstancePhase> {
        self.status.as_ref().and_then(|s| s.phase)
    }

    /// The phase for a message: `new` before the operator recorded one.
    pub fn phase_text(&self) -> String {
        self.phase().map_or("new".into(), |p| p.to_string())
    }
}

impl std::fmt::Display for InstancePhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Observed state of an Odoo instance.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooInstanceStatus {
    /// Where the instance stands in its lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<InstancePhase>,
    /// A human-readable explanation of the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Standard conditions (`Ready`, `Progressing`, `Degraded`), keyed by type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    pub conditions: Vec<Condition>,
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Web pods that exist (scale subresource).
    #[serde(default)]
    pub replicas: i32,
    /// Web pods that are ready.
    #[serde(default)]
    pub ready_replicas: i32,
    /// Ready web pods over desired, for display (`2/3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// Label selector of the web pods (scale subresource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Where users reach the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The image the web pods run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The Odoo version the web pods run, for example `18.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odoo_version: Option<String>,
    /// The database name in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The last successful backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_backup: Option<LastBackup>,
    /// The last successful backup whose verification passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_backup: Option<LastBackup>,
    /// The databases restores and Copy upgrades kept, newest first, as last
    /// listed on the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_databases: Vec<crate::kept::KeptDatabase>,
    /// The image before the last upgrade, kept for automatic rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_image: Option<String>,
    /// The job resource currently holding the instance (upgrade, restore, backup,
    /// migration), as `Kind/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_job: Option<String>,
    /// The outcome of the last upgrade rehearsal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rehearsal: Option<Rehearsal>,
}

/// What an upgrade rehearsal found: an update of a copy of the database to `image`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rehearsal {
    /// Name of the OdooUpgradeJob.
    pub job: String,
    /// The image rehearsed.
    pub image: String,
    /// Whether `odoo -u` succeeded on the copy.
    pub succeeded: bool,
    /// When the rehearsal ended.
    pub finished_at: Time,
    /// How long `odoo -u` ran, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    /// The outcome in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Rehearsal {
    /// `rehearsed 2026-… in 4m12s, succeeded`.
    pub fn describe(&self) -> String {
        let took = self
            .duration_seconds
            .map(|s| format!(" in {}m{:02}s", s / 60, s % 60))
            .unwrap_or_default();
        format!(
            "rehearsed {} {}{took}, {}",
            self.image,
            self.finished_at.0.strftime("%Y-%m-%d %H:%M UTC"),
            if self.succeeded {
                "succeeded"
            } else {
                "failed"
            }
        )
    }
}

/// A pointer to a finished backup.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastBackup {
    /// Name of the OdooBackupJob.
    pub name: String,
    /// When it completed.
    pub completion_time: Time,
    /// Archive size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
    /// Whether its verification passed; absent when it was not verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}
