//! `OdooRestoreJob`: restore a backup into an instance, switching only after success.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::{InstanceRef, JobStatusCommon, OBJECT_NAME, S3Bucket, Text};
use crate::location::optional;

/// An archive's SHA-256, as lowercase hex.
pub const SHA256: Text = Text {
    min: 64,
    max: 64,
    pattern: r"^[0-9a-f]{64}$",
};

/// Restores a backup into an instance.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooRestoreJob",
    namespaced,
    shortname = "odoorestore",
    category = "odoo-all",
    status = "OdooRestoreJobStatus",
    doc = "Restores a backup into an Odoo instance: verifies the checksum, loads a temporary database and switches names only after success.",
    printcolumn(
        name = "Instance",
        type_ = "string",
        json_path = ".spec.instanceRef.name",
        description = "The instance restored into"
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
#[x_kube(validation = Rule::new("self == oldSelf").message("an OdooRestoreJob's spec is immutable; create a new one instead"))]
pub struct OdooRestoreJobSpec {
    /// The instance restored into.
    pub instance_ref: InstanceRef,
    /// Where the backup comes from.
    pub source: RestoreSource,
    /// Expected SHA-256 of the archive (hex); verified before anything is touched. A
    /// backup resource's recorded checksum is used when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = SHA256.pattern))]
    pub sha256: Option<String>,
    /// `Copy` gives the restored database a new identity (uuid and secret), for
    /// duplicates; `Move` keeps it, for disaster recovery.
    #[serde(default)]
    pub mode: RestoreMode,
    /// Neutralize the restored database (disable outgoing mail, external crons and
    /// payment providers), for staging copies.
    #[serde(default)]
    pub neutralize: bool,
    /// What happens to the database being replaced once the restored one is in place.
    #[serde(default)]
    pub previous_database: PreviousDatabase,
}

/// Exactly one source of a restore.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("[has(self.backupJob), has(self.s3), has(self.pvc), has(self.latestBackupOf)].filter(x, x).size() == 1").message("source needs exactly one of backupJob, s3, pvc or latestBackupOf"))]
pub struct RestoreSource {
    /// Name of a succeeded OdooBackupJob in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub backup_job: Option<String>,
    /// An object in S3-compatible storage (Odoo zip, pg custom dump or SQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Object>,
    /// A file on a PersistentVolumeClaim (where `kubectl odoo restore --from-file`
    /// uploads a local archive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pvc: Option<PvcObject>,
    /// The latest successful backup of another instance in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_backup_of: Option<InstanceRef>,
}

/// An object in S3-compatible storage.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3Object {
    /// The bucket and how to reach it.
    #[serde(flatten)]
    pub bucket: S3Bucket,
    /// Object key.
    #[schemars(length(min = 1, max = 1024))]
    pub key: String,
}

/// A file on a PersistentVolumeClaim.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct PvcObject {
    /// Name of the PersistentVolumeClaim.
    #[schemars(
        length(min = OBJECT_NAME.min, max = OBJECT_NAME.max),
        regex(pattern = OBJECT_NAME.pattern)
    )]
    pub claim_name: String,
    /// Path of the archive inside the volume.
    #[schemars(length(min = 1, max = 1024))]
    #[x_kube(validation = Rule::new("!self.startsWith('/') && !self.contains('..')").message("pvc.path is relative to the volume root and may not contain '..'"))]
    pub path: String,
}

/// Identity of a restored database.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum RestoreMode {
    /// A duplicate: new database uuid and secret.
    #[default]
    Copy,
    /// The same database moved: identity kept.
    Move,
}

/// Fate of the replaced database.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum PreviousDatabase {
    /// Keep it under a dated name; status records the name.
    #[default]
    Keep,
    /// Drop it after the switch succeeded.
    Drop,
}

/// Observed state of a restore job.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooRestoreJobStatus {
    /// Phase, conditions and timing.
    #[serde(flatten)]
    pub job: JobStatusCommon,
    /// The verified SHA-256 of the archive restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Name under which the replaced database was kept, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_database_name: Option<String>,
    /// Bytes restored so far while running, for progress display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_bytes: Option<i64>,
    /// Where the restore stands while running; every step resumes from status alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<RestoreStep>,
    /// The archive restored, resolved from the source when the restore started:
    /// `s3://bucket/key` or a path on the source volume.
    #[serde(default, deserialize_with = "optional")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub location: Option<crate::Location>,
    /// The new database the archive is loaded into before the switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_database: Option<String>,
    /// True once the restored database carries the instance's database name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub database_switched: bool,
    /// The Odoo version the archive's manifest names, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odoo_version: Option<String>,
}

/// The steps of a running restore.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
pub enum RestoreStep {
    /// The archive is verified and loaded into a temporary database and filestore
    /// directory while the instance keeps serving the current ones.
    Loading,
    /// Odoo from the instance's image opens the loaded database before it is
    /// switched in, while the instance keeps serving: `odoo neutralize` first when
    /// the restore neutralizes (images from 16.0 on), then `odoo shell` loads its
    /// registry without updating anything and reads the superuser's context.
    Opening,
    /// The instance is stopped, the restored database and filestore take the live
    /// names, and the previous ones are kept.
    Switching,
    /// With `previousDatabase: Drop`: the instance starts on the restored database,
    /// and the previous one is dropped only once the instance runs on it (until
    /// then it is what a user would go back to).
    Starting,
}

impl std::fmt::Display for RestoreStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
