//! `OdooBackupJob`: a database and filestore backup streamed to S3 or a volume.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::{InstanceRef, JobStatusCommon, OBJECT_NAME, S3Bucket, default_true};
use crate::location::optional;

/// Backs up an instance's database and filestore.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooBackupJob",
    namespaced,
    shortname = "odoobackup",
    category = "odoo-all",
    status = "OdooBackupJobStatus",
    doc = "Backs up an Odoo instance's database and filestore, streamed to S3-compatible storage or a volume.",
    printcolumn(
        name = "Instance",
        type_ = "string",
        json_path = ".spec.instanceRef.name",
        description = "The instance backed up"
    ),
    printcolumn(
        name = "Format",
        type_ = "string",
        json_path = ".spec.format",
        description = "Archive format"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Where the job stands"
    ),
    printcolumn(
        name = "Size",
        type_ = "integer",
        json_path = ".status.sizeBytes",
        description = "Archive size in bytes"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.instanceRef == oldSelf.instanceRef && self.destination == oldSelf.destination && self.format == oldSelf.format && self.withFilestore == oldSelf.withFilestore && (has(self.verify) ? self.verify : 'None') == (has(oldSelf.verify) ? oldSelf.verify : 'None')").message("an OdooBackupJob's spec is immutable but for hold; create a new one instead"))]
pub struct OdooBackupJobSpec {
    /// The instance to back up.
    pub instance_ref: InstanceRef,
    /// What to back up and where.
    #[serde(flatten)]
    pub backup: BackupTemplate,
    /// Keeps the backup and its archive: retention passes it over, and the
    /// chart's admission policy refuses its deletion until this is false again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hold: bool,
}

/// What a backup contains and where it goes; shared with backup schedules.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupTemplate {
    /// Archive format. `Zip` is Odoo's own layout (`dump.sql`, `filestore/`,
    /// `manifest.json`), restorable by Odoo's database manager.
    #[serde(default)]
    pub format: BackupFormat,
    /// Include the filestore (`Zip` only).
    #[serde(default = "default_true")]
    pub with_filestore: bool,
    /// Where the archive is written.
    pub destination: BackupDestination,
    /// How the stored backup is checked before the job is Succeeded. `Archive`
    /// reads the stored object end to end (every CRC, the SHA-256, the manifest);
    /// `Restore` also loads it into a scratch database on the same cluster and
    /// compares its row counts with the source's, then drops it.
    #[serde(default, skip_serializing_if = "BackupVerify::is_none")]
    pub verify: BackupVerify,
}

/// How a stored backup is checked.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum BackupVerify {
    /// The agent's report and the operator's look at the stored object only.
    #[default]
    None,
    /// The stored object read back end to end.
    Archive,
    /// The stored object read back and loaded into a scratch database.
    Restore,
}

impl BackupVerify {
    pub fn is_none(&self) -> bool {
        *self == BackupVerify::None
    }
}

impl std::fmt::Display for BackupVerify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackupVerify::None => "None",
            BackupVerify::Archive => "Archive",
            BackupVerify::Restore => "Restore",
        })
    }
}

/// The outcome of a backup's verification.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupVerification {
    /// How it was verified.
    pub method: BackupVerify,
    /// When the verification finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
    /// Whether the stored backup held up.
    pub result: VerifyResult,
    /// What was checked, or what failed.
    #[serde(default)]
    pub message: String,
}

/// Whether a verification passed.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum VerifyResult {
    #[default]
    Passed,
    Failed,
}

/// Archive format of a backup.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum BackupFormat {
    /// Odoo's zip: `dump.sql`, `filestore/…`, `manifest.json`.
    #[default]
    Zip,
    /// `pg_dump` custom format (database only).
    Dump,
    /// Plain SQL (database only).
    Sql,
}

impl BackupFormat {
    /// Every format, in the order flags list them.
    pub const ALL: [BackupFormat; 3] = [BackupFormat::Zip, BackupFormat::Dump, BackupFormat::Sql];

    /// The archive's file extension, which is also how the agent and the plugin's
    /// flags write the format.
    pub fn extension(self) -> &'static str {
        match self {
            BackupFormat::Zip => "zip",
            BackupFormat::Dump => "dump",
            BackupFormat::Sql => "sql",
        }
    }

    /// What the format holds, in a line (the plugin's help).
    pub fn summary(self) -> &'static str {
        match self {
            BackupFormat::Zip => "Odoo's zip: dump.sql, filestore/, manifest.json",
            BackupFormat::Dump => "pg_dump custom format (database only)",
            BackupFormat::Sql => "Plain SQL (database only)",
        }
    }
}

impl std::fmt::Display for BackupFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// Text that names no archive format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFormatError(pub String);

impl std::fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not an archive format: zip, dump or sql", self.0)
    }
}

impl std::error::Error for ParseFormatError {}

impl std::str::FromStr for BackupFormat {
    type Err = ParseFormatError;

    /// `zip`, `dump` or `sql`, in any case (the resource's `Zip` too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackupFormat::ALL
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseFormatError(s.to_owned()))
    }
}

/// Exactly one destination.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.s3) != has(self.pvc)").message("destination needs exactly one of s3 or pvc"))]
pub struct BackupDestination {
    /// S3-compatible object storage, written with multipart upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Destination>,
    /// A PersistentVolumeClaim in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pvc: Option<PvcDestination>,
}

/// An S3 destination.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3Destination {
    /// The bucket and how to reach it.
    #[serde(flatten)]
    pub bucket: S3Bucket,
    /// Object key template. `{namespace}`, `{instance}`, `{database}`,
    /// `{timestamp}` (UTC, `20260101T120000Z`) and `{ext}` are replaced.
    #[serde(default = "default_key_template")]
    #[schemars(length(min = 1, max = 1024))]
    pub key: String,
}

fn default_key_template() -> String {
    "{namespace}/{instance}/{timestamp}.{ext}".into()
}

/// A volume destination.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct PvcDestination {
    /// Name of the PersistentVolumeClaim.
    #[schemars(
        length(min = OBJECT_NAME.min, max = OBJECT_NAME.max),
        regex(pattern = OBJECT_NAME.pattern)
    )]
    pub claim_name: String,
    /// File path template inside the volume; same placeholders as the S3 key.
    #[serde(default = "default_key_template")]
    #[schemars(length(min = 1, max = 1024))]
    #[x_kube(validation = Rule::new("!self.startsWith('/') && !self.contains('..')").message("pvc.path is relative to the volume root and may not contain '..'"))]
    pub path: String,
}

/// Observed state of a backup job.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooBackupJobStatus {
    /// Phase, conditions and timing.
    #[serde(flatten)]
    pub job: JobStatusCommon,
    /// Where the archive was written (`s3://bucket/key`, or its path on the
    /// destination volume).
    #[serde(default, deserialize_with = "optional")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub location: Option<crate::Location>,
    /// Archive size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
    /// SHA-256 of the archive, hex-encoded; restores verify it before touching data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: Option<String>,
    /// How long the backup took, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    /// Odoo version of the database backed up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odoo_version: Option<String>,
    /// PostgreSQL server version the dump was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_version: Option<String>,
    /// Bytes written so far while running, for progress display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_bytes: Option<i64>,
    /// Rows in the dump's own snapshot (with `verify: Restore`, which compares the
    /// scratch database's rows with these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_counts: Option<RowCounts>,
    /// The verification `spec.verify` asked for, once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<BackupVerification>,
}

/// Every table's rows of a database, in short.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowCounts {
    /// Tables in the user schemas.
    pub tables: i64,
    /// Rows of all of them.
    pub rows: i64,
    /// SHA-256 of the per-table counts (`schema.table<TAB>rows<LF>` in name order).
    pub digest: String,
}

/// The backup a restore of "the latest backup of an instance" takes: the newest
/// succeeded one whose verification passed, when there is one; the newest
/// succeeded one otherwise. Shared by the operator and the plugin, so the plan the
/// plugin shows is the restore the operator runs.
#[derive(Debug, Clone, Copy)]
pub struct LatestBackup<'a> {
    pub job: &'a OdooBackupJob,
    /// Whether its verification passed.
    pub verified: bool,
    /// A newer succeeded backup that was passed over because it is not verified.
    pub newer_unverified: Option<&'a OdooBackupJob>,
}

impl OdooBackupJob {
    /// The metadata patch that has the operator delete this backup's archive
    /// before the resource goes: the cleanup finalizer and the request, in one
    /// write conditional on the version read. Then delete the resource.
    pub fn archive_deletion_request(&self) -> serde_json::Value {
        use crate::labels::{DELETE_ARCHIVE_ANNOTATION, JOB_CLEANUP_FINALIZER};
        use kube::ResourceExt as _;
        let mut finalizers = self.finalizers().to_vec();
        if !finalizers.iter().any(|f| f == JOB_CLEANUP_FINALIZER) {
            finalizers.push(JOB_CLEANUP_FINALIZER.to_owned());
        }
        serde_json::json!({ "metadata": {
            "finalizers": finalizers,
            "annotations": { DELETE_ARCHIVE_ANNOTATION: "true" },
            "resourceVersion": self.resource_version(),
        }})
    }

    /// Whether its archive goes with it ([`Self::archive_deletion_request`]).
    pub fn archive_deletion_requested(&self) -> bool {
        use kube::ResourceExt as _;
        self.annotations()
            .get(crate::labels::DELETE_ARCHIVE_ANNOTATION)
            .is_some_and(|v| v == "true")
    }

    /// Whether the backup succeeded with a passed verification.
    pub fn verified(&self) -> bool {
        self.status
            .as_ref()
            .and_then(|s| s.verified.as_ref())
            .is_some_and(|v| v.result == VerifyResult::Passed)
    }
}

/// The backup of `instance` a `latestBackupOf` restore takes, if any.
pub fn latest_backup_of<'a>(
    backups: &'a [OdooBackupJob],
    instance: &str,
) -> Option<LatestBackup<'a>> {
    use crate::JobPhase;
    let completed = |b: &OdooBackupJob| {
        b.status
            .as_ref()
            .and_then(|s| s.job.completion_time.as_ref())
            .map(|t| t.0)
    };
    let mut succeeded: Vec<&OdooBackupJob> = backups
        .iter()
        .filter(|b| b.spec.instance_ref.name == instance)
        .filter(|b| b.status.as_ref().and_then(|s| s.job.phase) == Some(JobPhase::Succeeded))
        .collect();
    succeeded.sort_by_key(|b| std::cmp::Reverse(completed(b)));
    let newest = *succeeded.first()?;
    Some(match succeeded.iter().find(|b| b.verified()) {
        Some(verified) => LatestBackup {
            job: verified,
            verified: true,
            newer_unverified: (!std::ptr::eq(*verified, newest)).then_some(newest),
        },
        None => LatestBackup {
            job: newest,
            verified: false,
            newer_unverified: None,
        },
    })
}

impl LatestBackup<'_> {
    /// Which backup was taken, and why, in a sentence.
    pub fn describe(&self, instance: &str) -> String {
        use kube::ResourceExt as _;
        let name = self.job.name_any();
        match (self.verified, self.newer_unverified) {
            (true, Some(newer)) => format!(
                "OdooBackupJob {name}, the newest verified backup of {instance} (the newer {} is not verified)",
                newer.name_any()
            ),
            (true, None) => {
                format!("OdooBackupJob {name}, the newest backup of {instance}, verified")
            }
            (false, _) => {
                format!("OdooBackupJob {name}, the newest backup of {instance} (none is verified)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JobPhase;

    fn backup(
        name: &str,
        minute: i64,
        phase: JobPhase,
        verified: Option<VerifyResult>,
    ) -> OdooBackupJob {
        let mut b = OdooBackupJob::new(
            name,
            OdooBackupJobSpec {
                instance_ref: crate::InstanceRef {
                    name: "shop".into(),
                },
                backup: BackupTemplate::default(),
                hold: false,
            },
        );
        let at: k8s_openapi::jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
        let mut status = OdooBackupJobStatus::default();
        status.job.phase = Some(phase);
        status.job.completion_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            at + k8s_openapi::jiff::SignedDuration::from_mins(minute),
        ));
        status.verified = verified.map(|result| BackupVerification {
            method: BackupVerify::Archive,
            result,
            ..Default::default()
        });
        b.status = Some(status);
        b
    }

    #[test]
    fn the_latest_backup_is_the_newest_verified_one_and_says_so() {
        use kube::ResourceExt as _;
        let backups = vec![
            backup(
                "old-verified",
                1,
                JobPhase::Succeeded,
                Some(VerifyResult::Passed),
            ),
            backup("newer", 2, JobPhase::Succeeded, None),
            backup("newest-failed", 3, JobPhase::Failed, None),
        ];
        let latest = latest_backup_of(&backups, "shop").expect("one");
        assert_eq!(latest.job.name_any(), "old-verified");
        assert!(
            latest
                .describe("shop")
                .contains("the newer newer is not verified")
        );
        let unverified = vec![
            backup("a", 1, JobPhase::Succeeded, None),
            backup("b", 2, JobPhase::Succeeded, None),
        ];
        let latest = latest_backup_of(&unverified, "shop").expect("one");
        assert_eq!(latest.job.name_any(), "b");
        assert!(latest.describe("shop").contains("none is verified"));
        assert!(latest_backup_of(&unverified, "blog").is_none());
    }
}
