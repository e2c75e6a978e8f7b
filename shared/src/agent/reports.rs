//! What each command's line proves when it succeeded.

use serde::{Deserialize, Serialize};

use super::{Command, Report, hex};
use crate::backup_job::BackupFormat;

/// An archive as the agent wrote or read it: what every report about one says.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Archive {
    /// `s3://bucket/key` or the file on the volume.
    pub location: crate::Location,
    pub format: BackupFormat,
    pub size_bytes: u64,
    /// Hex SHA-256 of the archive's bytes (a restore: the same in both passes).
    pub sha256: String,
    pub duration_seconds: f64,
    /// Backup: the version given; restore and verify: the manifest's, if any.
    pub odoo_version: Option<String>,
    pub pg_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filestore_files: Option<u64>,
}

/// `odoo-agent backup`: the archive as stored.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct BackupReport {
    #[serde(flatten)]
    pub archive: Archive,
    /// A volume destination: the file read back after it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_back: Option<ReadBack>,
    /// Every table's rows in the dump's own snapshot, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_counts: Option<RowCounts>,
}

impl Report for BackupReport {
    const COMMAND: Command = Command::Backup;
}

/// The stored archive as read back from its storage.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ReadBack {
    pub size_bytes: u64,
    pub sha256: String,
}

/// `odoo-agent restore`: the archive as read and what the load left in the target.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RestoreReport {
    #[serde(flatten)]
    pub archive: Archive,
    /// The target database after the load, counted by the agent once committed.
    pub loaded: Loaded,
}

impl Report for RestoreReport {
    const COMMAND: Command = Command::Restore;
}

/// What a load put into a database: enough for the operator to check with its own
/// query that the database it is about to switch in is the one loaded.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Loaded {
    /// Tables in the database's user schemas.
    pub tables: u64,
    /// The largest tables by rows (at most [`Loaded::LARGEST`]), exact counts.
    pub largest: Vec<TableRows>,
    /// `latest_version` of `base` when `ir_module_module` has it installed.
    pub base_version: Option<String>,
}

impl Loaded {
    /// How many tables a report lists: what fits a termination message.
    pub const LARGEST: usize = 10;
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    /// `schema.table`.
    pub table: String,
    pub rows: u64,
}

pub use crate::backup_job::RowCounts;

impl RowCounts {
    /// The counts of `tables` (`schema.table` → rows), summed and digested: the
    /// SHA-256 of one `schema.table<TAB>rows<LF>` line per table in name order, so
    /// two databases with the same digest have the same rows in every table.
    pub fn of<'a>(tables: impl IntoIterator<Item = (&'a String, i64)>) -> RowCounts {
        use sha2::Digest as _;
        let mut sorted: Vec<(&String, i64)> = tables.into_iter().collect();
        sorted.sort();
        let mut hasher = sha2::Sha256::new();
        let mut rows = 0i64;
        for (table, n) in &sorted {
            hasher.update(format!("{table}\t{n}\n").as_bytes());
            rows += n;
        }
        RowCounts {
            tables: sorted.len() as i64,
            rows,
            digest: hex(&hasher.finalize()),
        }
    }
}

/// `odoo-agent copy`: a database copied into an empty one.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CopyReport {
    /// `host:port/database` of each side.
    pub source: String,
    pub target: String,
    /// Bytes of SQL streamed from pg_dump to psql.
    pub size_bytes: u64,
    pub duration_seconds: f64,
    pub source_pg_version: String,
    pub target_pg_version: String,
}

impl Report for CopyReport {
    const COMMAND: Command = Command::Copy;
}

/// `odoo-agent switch-filestore`: what the switch did.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SwitchReport {
    pub outcome: SwitchOutcome,
    pub previous_removed: bool,
    /// Why the previous files, asked to be removed, were left (the switch is done
    /// all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_left: Option<String>,
}

impl Report for SwitchReport {
    const COMMAND: Command = Command::SwitchFilestore;
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchOutcome {
    /// The restored directory took the live name.
    Switched,
    /// A repeated run found the switch done.
    AlreadySwitched,
    /// The archive had no filestore: the live files stay with the restored database.
    NoFilesRestored,
}

/// `odoo-agent copy-filestore`: a database's files copied for an upgrade on a copy
/// (hard links where the volume allows), or that copy removed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct FilestoreCopyReport {
    pub outcome: FilestoreCopyOutcome,
    /// Files in the copy.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// How many of them are hard links to the source's (the rest were copied).
    pub linked: u64,
}

impl Report for FilestoreCopyReport {
    const COMMAND: Command = Command::CopyFilestore;
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FilestoreCopyOutcome {
    /// The copy was made.
    Copied,
    /// A repeated run found the copy complete.
    AlreadyCopied,
    /// The database has no files yet: there is nothing to copy.
    NoFiles,
    /// The copy was removed.
    Discarded,
}

/// `odoo-agent verify`: a stored archive read end to end.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct VerifyReport {
    #[serde(flatten)]
    pub archive: Archive,
    /// Zip entries whose CRC-32 was checked.
    pub entries: u64,
}

impl Report for VerifyReport {
    const COMMAND: Command = Command::Verify;
}

/// `odoo-agent delete-archive`: a stored archive and its digest removed, after
/// the backup's retention or `kubectl odoo backup delete` let it go.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DeleteReport {
    /// The archive's location, as given.
    pub location: crate::Location,
    /// Whether the archive was there to delete: a retried deletion finds it gone.
    pub existed: bool,
    /// The bytes the archive and its digest held.
    pub bytes_freed: u64,
    /// Every object or file removed, archive first.
    pub removed: Vec<crate::Location>,
}

impl Report for DeleteReport {
    const COMMAND: Command = Command::DeleteArchive;
}
