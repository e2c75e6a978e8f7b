//! `OdooClusterMigration`: move an instance's database to another PostgreSQL cluster.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::InstanceRef;
use crate::instance::CLUSTER;

/// Moves an instance's database to another PostgreSQL cluster.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooClusterMigration",
    namespaced,
    shortname = "odoomigration",
    category = "odoo-all",
    status = "OdooClusterMigrationStatus",
    doc = "Moves an Odoo instance's database to another PostgreSQL cluster: copy under a temporary name, verify, switch, start; the source is kept until the user confirms.",
    printcolumn(
        name = "Instance",
        type_ = "string",
        json_path = ".spec.instanceRef.name",
        description = "The instance migrated"
    ),
    printcolumn(
        name = "From",
        type_ = "string",
        json_path = ".status.sourceCluster",
        description = "Source cluster"
    ),
    printcolumn(
        name = "To",
        type_ = "string",
        json_path = ".spec.targetCluster",
        description = "Target cluster"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Current step"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.instanceRef == oldSelf.instanceRef && self.targetCluster == oldSelf.targetCluster").message("instanceRef and targetCluster are immutable; create a new migration instead"))]
pub struct OdooClusterMigrationSpec {
    /// The instance to migrate.
    pub instance_ref: InstanceRef,
    /// Target cluster, a name from the operator's pg-clusters Secret.
    #[schemars(
        length(min = CLUSTER.min, max = CLUSTER.max),
        regex(pattern = CLUSTER.pattern)
    )]
    pub target_cluster: String,
    /// Drop the source database once the instance runs on the target. It is kept
    /// otherwise, until this is set to true.
    #[serde(default)]
    pub drop_source_after: bool,
}

/// The steps of a migration.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, schemars::JsonSchema,
)]
pub enum MigrationPhase {
    /// Accepted, not started.
    #[default]
    Pending,
    /// Checking the target cluster: present, reachable, not an older PostgreSQL major.
    PreChecks,
    /// Stopping the instance.
    Stopping,
    /// Copying the database to the target under a temporary name.
    Copying,
    /// Comparing row counts, sequences, extensions and schemas.
    Verifying,
    /// Renaming into place and switching `spec.database.cluster`.
    Switching,
    /// Starting the instance on the target.
    Starting,
    /// The instance runs on the target.
    Succeeded,
    /// A step failed before the switch; the instance runs on the source again.
    RolledBack,
    /// A step failed and could not be rolled back automatically; the message says
    /// what to do.
    Failed,
}

/// Observed state of a migration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooClusterMigrationStatus {
    /// The current step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<MigrationPhase>,
    /// A human-readable explanation of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Standard conditions, keyed by type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    pub conditions: Vec<Condition>,
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The cluster the database came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_cluster: Option<String>,
    /// Temporary database name on the target during the copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_database: Option<String>,
    /// Replicas to restore when the instance starts again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_replicas: Option<i32>,
    /// True once `spec.database.cluster` points at the target.
    #[serde(default)]
    pub switched: bool,
    /// True once the instance served from the target.
    #[serde(default)]
    pub ran_on_target: bool,
    /// True once the source database was dropped on request.
    #[serde(default)]
    pub source_dropped: bool,
    /// Tables verified so far / in all, for progress display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// When the migration started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// When it reached an end state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
}
