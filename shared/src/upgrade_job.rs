//! `OdooUpgradeJob`: `odoo -u` with a target image, then a rollout.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::{InstanceRef, JobStatusCommon};

/// Upgrades an instance's database with a target image, then rolls web and cron to it.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooUpgradeJob",
    namespaced,
    shortname = "odooupgrade",
    category = "odoo-all",
    status = "OdooUpgradeJobStatus",
    doc = "Upgrades an Odoo instance: scales cron to zero, runs `odoo -u` with the target image, then rolls out the image; on failure the previous image keeps serving.",
    printcolumn(
        name = "Instance",
        type_ = "string",
        json_path = ".spec.instanceRef.name",
        description = "The instance upgraded"
    ),
    printcolumn(
        name = "Image",
        type_ = "string",
        json_path = ".spec.image",
        description = "Target image"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Where the job stands"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self == oldSelf").message("an OdooUpgradeJob's spec is immutable; create a new one instead"))]
pub struct OdooUpgradeJobSpec {
    /// The instance to upgrade.
    pub instance_ref: InstanceRef,
    /// Target image, pinned to a tag or digest; the instance's current image when
    /// unset (re-running module updates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    #[x_kube(validation = Rule::new("self.contains('@sha256:') || (self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$') && !self.endsWith(':latest'))").message("image must be pinned to a tag or digest, for example odoo:18.0-20250101 (untagged and :latest images drift)"))]
    pub image: Option<String>,
    /// Modules to update; every installed module (`-u all`) when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 200),
        inner(length(min = 1, max = 128), regex(pattern = r"^[a-z0-9_]+$"))
    )]
    pub modules: Vec<String>,
    /// `Online` keeps the web pods serving the old image during the upgrade;
    /// `Maintenance` stops them first.
    #[serde(default)]
    pub mode: UpgradeMode,
    /// Do not start before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<Time>,
}

/// How web traffic is handled during an upgrade.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum UpgradeMode {
    /// Web keeps serving the old image while the database upgrades.
    #[default]
    Online,
    /// Web is scaled to zero during the upgrade.
    Maintenance,
}

/// Observed state of an upgrade job.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooUpgradeJobStatus {
    /// Phase, conditions and timing.
    #[serde(flatten)]
    pub job: JobStatusCommon,
    /// The image the database is upgraded to: `spec.image`, or the instance's image
    /// when unset. Recorded when the job starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The image the instance ran before the upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_image: Option<String>,
    /// Cron replicas to restore after the upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cron_replicas: Option<i32>,
    /// True when the new image was reverted because its pods did not become ready.
    #[serde(default)]
    pub rolled_back: bool,
}
