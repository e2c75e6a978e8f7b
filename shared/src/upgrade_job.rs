//! `OdooUpgradeJob`: `odoo -u` with a target image, then a rollout. Under the
//! `Copy` strategy the update runs on a copy of the database and its files, which
//! takes the live name only once the update succeeded; a rehearsal does the same
//! and drops the copy, touching nothing of the instance.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::{InstanceRef, JobStatusCommon};
use crate::instance::{MAX_MODULES, MODULE};
use crate::restore_job::PreviousDatabase;

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
    doc = "Upgrades an Odoo instance: runs `odoo -u` with the target image on a copy of the database (strategy Copy) or on the live one (InPlace), then rolls out the image; on failure the previous image serves the untouched database. A rehearsal upgrades a copy and drops it.",
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
        name = "Step",
        type_ = "string",
        json_path = ".status.step",
        description = "The step of a Copy upgrade"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self == oldSelf").message("an OdooUpgradeJob's spec is immutable; create a new one instead"))]
#[x_kube(validation = Rule::new("!has(self.rehearsal) || !self.rehearsal || !has(self.strategy) || self.strategy == 'Copy'").message("a rehearsal upgrades a copy: strategy InPlace cannot rehearse"))]
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
        length(max = MAX_MODULES),
        inner(
            length(min = MODULE.min, max = MODULE.max),
            regex(pattern = MODULE.pattern)
        )
    )]
    pub modules: Vec<String>,
    /// `Online` keeps the web pods serving the old image during the upgrade;
    /// `Maintenance` stops them first.
    #[serde(default)]
    pub mode: UpgradeMode,
    /// Do not start before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<Time>,
    /// `Copy` upgrades a copy and switches to it only on success; `InPlace` runs
    /// the update on the live database. The instance's `autoUpgrade.strategy` when
    /// unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<UpgradeStrategy>,
    /// Upgrade a copy of the running database and drop it: the outcome and its
    /// duration are recorded on the instance, and nothing else changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rehearsal: bool,
    /// Copy strategy: what happens to the database (and files) the upgraded copy
    /// replaces. Kept as `<database>_pre_upgrade_<time>` by default.
    #[serde(default)]
    pub previous_database: PreviousDatabase,
}

/// Where `odoo -u` runs.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum UpgradeStrategy {
    /// On a copy of the database and filestore, made while the instance is
    /// stopped; the copy takes the live name only when the update succeeded, so a
    /// failure leaves the live database untouched.
    #[default]
    Copy,
    /// On the live database while the old image serves. Odoo commits module by
    /// module, so a failure halfway leaves a partly updated database: for databases
    /// too large to copy, with a backup taken first.
    InPlace,
}

impl OdooUpgradeJob {
    /// The image the job upgrades `instance` to: its own `spec.image`, else the
    /// image the instance's spec names (empty when neither does).
    pub fn target_of(&self, instance: &crate::OdooInstance) -> String {
        self.spec
            .image
            .clone()
            .or_else(|| instance.spec.image.clone())
            .unwrap_or_default()
    }
}

/// The newest real upgrade among `jobs` (rehearsals aside, by creation): the one
/// an instance's lifecycle follows, puts on probation and rolls back.
pub fn newest_upgrade<'a>(
    jobs: impl IntoIterator<Item = &'a OdooUpgradeJob>,
) -> Option<&'a OdooUpgradeJob> {
    use kube::ResourceExt as _;
    jobs.into_iter()
        .filter(|j| !j.spec.rehearsal)
        .max_by_key(|j| j.creation_timestamp().map(|t| t.0))
}

impl std::fmt::Display for UpgradeStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UpgradeStrategy::Copy => "Copy",
            UpgradeStrategy::InPlace => "InPlace",
        })
    }
}

/// The steps of a Copy upgrade (and a rehearsal), each resumed from status alone.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum UpgradeStep {
    /// Web and cron scale to zero (not in a rehearsal).
    Stopping,
    /// The database and its files are copied.
    Copying,
    /// `odoo -u` runs with the target image on the copy.
    Upgrading,
    /// The upgraded copy takes the live name; the previous database is kept.
    Switching,
    /// With `previousDatabase: Drop`: the instance rolls out the target on the
    /// upgraded database, and the previous database and files are dropped only
    /// once it runs (until then they are what a user would go back to).
    Starting,
    /// The copy is dropped: after a failure, or at the end of a rehearsal.
    Discarding,
}

/// How the database was copied.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum CopyMethod {
    /// `CREATE DATABASE … TEMPLATE`, with no session open on the live database.
    Template,
    /// pg_dump streamed into the copy in one transaction, while sessions are open.
    Streamed,
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
    /// The strategy resolved when the job started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<UpgradeStrategy>,
    /// Copy strategy: the step in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<UpgradeStep>,
    /// Copy strategy: the copy the update runs on (and its filestore directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_database: Option<String>,
    /// Copy strategy: how the database was copied, once it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_method: Option<CopyMethod>,
    /// Copy strategy: the name the replaced database and files are kept under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_database_name: Option<String>,
    /// Copy strategy: the upgraded copy has the live name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub database_switched: bool,
    /// Whether `odoo -u` succeeded, once it ended (a rehearsal's result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_succeeded: Option<bool>,
    /// When `odoo -u` started, by the database server's clock (the one Odoo's
    /// `write_date` keeps), to the microsecond: every module it updates must have
    /// been written since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_started: Option<MicroTime>,
    /// How long `odoo -u` ran, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_seconds: Option<i64>,
}

impl std::fmt::Display for UpgradeStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Display for CopyMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
