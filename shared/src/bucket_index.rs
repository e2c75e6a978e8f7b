//! The bucket describes itself: every archive a backup stores in S3 gets a small
//! record (what it is, whose, when, how big, its SHA-256, whether it was verified)
//! under a fixed index prefix, one directory per instance. The backup resources
//! can then be lost with their namespace or their cluster, and the plugin still
//! lists and restores what the bucket holds.
//!
//! The index is a prefix with one object per archive rather than one list per
//! instance: S3 has no portable compare-and-swap, and a finishing backup and a
//! pruned one of the same instance would otherwise race on one object and lose an
//! entry. The operator writes a record when a backup succeeds and deletes it with
//! the archive; nothing else writes there.

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::backup_job::{BackupFormat, BackupVerification, VerifyResult};

/// The index's directory, below the key template's fixed leading directories.
/// A Kubernetes namespace cannot start with `_`, so the default template's
/// `{namespace}/…` keys never fall under it.
pub const INDEX_DIR: &str = "_odoo-index";
/// What a record says it is, so a stray object under the prefix is told apart.
pub const RECORD_KIND: &str = "odoo-operator.dev/ArchiveRecord/v1";

/// The index root for archives whose keys follow `template`: the template's
/// leading directories up to its first placeholder, then [`INDEX_DIR`]: credentials
/// limited to the template's fixed prefix (`prod/…`) reach it too. Credentials
/// limited to one namespace's keys do not; the backup then succeeds without its
/// record, with an `IndexRecordFailed` warning.
pub fn index_root(template: &str) -> String {
    let fixed = &template[..template.find('{').unwrap_or(template.len())];
    let dirs = &fixed[..fixed.rfind('/').map_or(0, |i| i + 1)];
    format!("{dirs}{INDEX_DIR}/")
}

/// The index root under a prefix a user names (`s3://BUCKET/PREFIX`): the prefix
/// as a directory, then [`INDEX_DIR`].
pub fn index_root_under(prefix: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        format!("{INDEX_DIR}/")
    } else {
        format!("{prefix}/{INDEX_DIR}/")
    }
}

/// The directory of one instance's records.
pub fn instance_prefix(root: &str, namespace: &str, instance: &str) -> String {
    format!("{root}{namespace}/{instance}/")
}

/// The longest backup name a record's file name carries whole: S3 servers that
/// keep objects as files (a gateway over a file system) refuse a path component
/// over 255 bytes, and a backup's name may have 253.
const NAME_IN_KEY: usize = 150;

/// The record of backup `backup` made at `created` (the resource's creation time,
/// fixed for its life, so the operator finds the record again to delete it). A long
/// name is cut and followed by a digest of the whole, so names stay apart.
pub fn record_key(
    root: &str,
    namespace: &str,
    instance: &str,
    created: Timestamp,
    backup: &str,
) -> String {
    let name = if backup.len() <= NAME_IN_KEY {
        backup.to_owned()
    } else {
        let digest = crate::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(backup));
        // Names are DNS subdomains: ASCII, so any byte is a boundary.
        format!("{}-{}", &backup[..NAME_IN_KEY - 17], &digest[..16])
    };
    format!(
        "{}{}-{name}.json",
        instance_prefix(root, namespace, instance),
        created.strftime("%Y%m%dT%H%M%SZ")
    )
}

/// One archive, as the bucket records it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveRecord {
    /// Always [`RECORD_KIND`].
    pub kind: String,
    pub namespace: String,
    pub instance: String,
    /// The OdooBackupJob that made it.
    pub backup: String,
    /// The database backed up.
    pub database: String,
    /// The archive's key in this bucket.
    pub key: String,
    pub format: BackupFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odoo_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_version: Option<String>,
    /// When the backup finished.
    pub completed_at: Timestamp,
    pub size_bytes: u64,
    /// SHA-256 of the archive, hex.
    pub sha256: String,
    /// The verification the backup asked for, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<BackupVerification>,
}

/// Why an object under the index is not taken as a record.
#[derive(Debug, PartialEq, Eq)]
pub struct Rejected(pub String);

impl ArchiveRecord {
    /// Whether its verification passed.
    pub fn is_verified(&self) -> bool {
        self.verified
            .as_ref()
            .is_some_and(|v| v.result == VerifyResult::Passed)
    }

    /// Reads the object at `key` under `root`. The bucket is the tenant's: a record
    /// must be well formed, sit in its own instance's directory, and name an archive
    /// key outside the index, or it is refused.
    pub fn parse(root: &str, key: &str, bytes: &[u8]) -> Result<ArchiveRecord, Rejected> {
        let record: ArchiveRecord = serde_json::from_slice(bytes)
            .map_err(|e| Rejected(format!("{key} is not an archive record: {e}")))?;
        if record.kind != RECORD_KIND {
            return Err(Rejected(format!(
                "{key} is not an archive record (kind {:?})",
                record.kind
            )));
        }
        let home = instance_prefix(root, &record.namespace, &record.instance);
        let in_home = key
            .strip_prefix(&home)
            .is_some_and(|rest| !rest.contains('/'));
        if !in_home || record.namespace.contains('/') || record.instance.contains('/') {
            return Err(Rejected(format!(
                "{key} records {}/{} but is not in its directory {home}",
                record.namespace, record.instance
            )));
        }
        if record.key.starts_with(root) || record.key.is_empty() {
            return Err(Rejected(format!(
                "{key} names {:?} as its archive, which is not an archive key",
                record.key
            )));
        }
        let hex = record.sha256.len() == 64
            && record
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex {
            return Err(Rejected(format!(
                "{key} records no SHA-256 (\"{}\")",
                record.sha256
            )));
        }
        Ok(record)
    }
}

/// The record a restore of "the latest backup" takes from the bucket: the newest
/// verified one when there is one, the newest otherwise (the rule the cluster's
/// `latestBackupOf` follows), and the newer unverified one passed over, if any.
pub fn latest(records: &[ArchiveRecord]) -> Option<(&ArchiveRecord, Option<&ArchiveRecord>)> {
    let newest = records.iter().max_by_key(|r| r.completed_at)?;
    match records
        .iter()
        .filter(|r| r.is_verified())
        .max_by_key(|r| r.completed_at)
    {
        Some(verified) => Some((
            verified,
            (!std::ptr::eq(verified, newest)).then_some(newest),
        )),
        None => Some((newest, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(backup: &str, at: &str, verified: Option<VerifyResult>) -> ArchiveRecord {
        ArchiveRecord {
            kind: RECORD_KIND.into(),
            namespace: "team-a".into(),
            instance: "shop".into(),
            backup: backup.into(),
            database: "team_a_shop".into(),
            key: format!("team-a/shop/{backup}.zip"),
            format: BackupFormat::Zip,
            odoo_version: Some("18.0".into()),
            pg_version: None,
            completed_at: at.parse().expect("time"),
            size_bytes: 10,
            sha256: "a".repeat(64),
            verified: verified.map(|result| BackupVerification {
                method: crate::backup_job::BackupVerify::Archive,
                at: None,
                result,
                message: String::new(),
            }),
        }
    }

    #[test]
    fn the_index_sits_beside_the_template_fixed_directories() {
        assert_eq!(
            index_root("{namespace}/{instance}/{timestamp}.{ext}"),
            "_odoo-index/"
        );
        assert_eq!(
            index_root("prod/eu/{namespace}/{timestamp}.{ext}"),
            "prod/eu/_odoo-index/"
        );
        assert_eq!(index_root("prod/x-{namespace}.{ext}"), "prod/_odoo-index/");
        assert_eq!(index_root("fixed/name.zip"), "fixed/_odoo-index/");
        assert_eq!(index_root_under(""), "_odoo-index/");
        assert_eq!(index_root_under("/prod/eu/"), "prod/eu/_odoo-index/");
        let at: Timestamp = "2026-12-04T10:00:00Z".parse().expect("time");
        assert_eq!(
            record_key("_odoo-index/", "team-a", "shop", at, "shop-1"),
            "_odoo-index/team-a/shop/20261204T100000Z-shop-1.json"
        );
        // A long name fits a file system's 255-byte component, and stays distinct.
        let long = |c: &str| format!("{}{c}", "b".repeat(252));
        let (a, b) = (
            record_key("_odoo-index/", "t", "s", at, &long("x")),
            record_key("_odoo-index/", "t", "s", at, &long("y")),
        );
        assert_ne!(a, b);
        assert!(a.rsplit('/').next().is_some_and(|f| f.len() <= 255), "{a}");
    }

    #[test]
    fn a_record_round_trips_and_a_misplaced_or_forged_one_is_refused() {
        let r = record("b1", "2026-12-04T10:00:00Z", None);
        let bytes = serde_json::to_vec(&r).expect("json");
        let key = "_odoo-index/team-a/shop/20261204T100000Z-b1.json";
        assert_eq!(
            ArchiveRecord::parse("_odoo-index/", key, &bytes),
            Ok(r.clone())
        );
        // Another instance's directory, a nested path, the index itself as the
        // archive, a bad digest, another kind: all refused.
        let elsewhere = "_odoo-index/team-b/shop/20261204T100000Z-b1.json";
        assert!(ArchiveRecord::parse("_odoo-index/", elsewhere, &bytes).is_err());
        let nested = "_odoo-index/team-a/shop/x/b1.json";
        assert!(ArchiveRecord::parse("_odoo-index/", nested, &bytes).is_err());
        let mut into_index = r.clone();
        into_index.key = "_odoo-index/team-a/shop/other.json".into();
        let b = serde_json::to_vec(&into_index).expect("json");
        assert!(ArchiveRecord::parse("_odoo-index/", key, &b).is_err());
        let mut bad_digest = r.clone();
        bad_digest.sha256 = "zz".into();
        let b = serde_json::to_vec(&bad_digest).expect("json");
        assert!(ArchiveRecord::parse("_odoo-index/", key, &b).is_err());
        let mut other = r;
        other.kind = "something".into();
        let b = serde_json::to_vec(&other).expect("json");
        assert!(ArchiveRecord::parse("_odoo-index/", key, &b).is_err());
        assert!(ArchiveRecord::parse("_odoo-index/", key, b"{").is_err());
    }

    #[test]
    fn the_latest_is_the_newest_verified_then_the_newest() {
        assert!(latest(&[]).is_none());
        let records = vec![
            record("old", "2026-12-01T10:00:00Z", Some(VerifyResult::Passed)),
            record("new", "2026-12-03T10:00:00Z", None),
            record("failed", "2026-12-02T10:00:00Z", Some(VerifyResult::Failed)),
        ];
        let (taken, passed_over) = latest(&records).expect("records");
        assert_eq!(taken.backup, "old");
        assert_eq!(passed_over.map(|r| r.backup.as_str()), Some("new"));
        let (taken, passed_over) = latest(&records[1..]).expect("records");
        assert_eq!(taken.backup, "new");
        assert!(passed_over.is_none());
    }
}
