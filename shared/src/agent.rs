//! The contract between the operator and `odoo-agent`, the program its job pods run:
//! the environment the operator sets, the exit codes, and the one JSON line the
//! agent leaves as its container's termination message. The agent writes these
//! types and the operator reads them, so neither side can drift from the other.
//!
//! A report is the agent's claim, not yet proof: the operator checks what it can
//! itself (the stored object, the loaded database) before a job is Succeeded, and a
//! job whose agent left no report, or a report of another command, fails.

use serde::{Deserialize, Serialize};

use crate::backup_job::BackupFormat;

/// Environment variables the operator sets on the agent's container.
pub mod env {
    /// Backup: `s3://bucket/key` or an absolute path on a mounted volume.
    pub const DESTINATION: &str = "ODOO_AGENT_DESTINATION";
    /// Restore, verify and delete-archive: `s3://bucket/key` or an absolute path
    /// on a mounted volume.
    pub const SOURCE: &str = "ODOO_AGENT_SOURCE";
    /// `zip`, `dump` or `sql`.
    pub const FORMAT: &str = "ODOO_AGENT_FORMAT";
    /// The database's filestore directory, `<data_dir>/filestore/<database>`.
    pub const FILESTORE: &str = "ODOO_AGENT_FILESTORE";
    /// Backup: leave the filestore out of a zip.
    pub const WITHOUT_FILESTORE: &str = "ODOO_AGENT_WITHOUT_FILESTORE";
    /// Restore and verify: the archive's SHA-256 (hex) as recorded when it was made.
    pub const EXPECTED_SHA256: &str = "ODOO_AGENT_EXPECTED_SHA256";
    /// The Odoo version for a zip's manifest; the official Odoo image sets it.
    pub const ODOO_VERSION: &str = "ODOO_VERSION";
    /// Where the report goes besides stdout: the container's terminationMessagePath.
    pub const TERMINATION_LOG: &str = "ODOO_AGENT_TERMINATION_LOG";
    /// Install: the directory the agent copies itself into.
    pub const INSTALL_DIR: &str = "ODOO_AGENT_INSTALL_DIR";
    /// Switch-filestore: the filestore root and the three directory names.
    pub const FILESTORE_ROOT: &str = "ODOO_AGENT_FILESTORE_ROOT";
    pub const LIVE: &str = "ODOO_AGENT_LIVE";
    pub const RESTORED: &str = "ODOO_AGENT_RESTORED";
    pub const KEPT: &str = "ODOO_AGENT_KEPT";
    pub const DROP_PREVIOUS: &str = "ODOO_AGENT_DROP_PREVIOUS";
    /// Fault injection for tests: the switch steps that fail (comma-separated).
    pub const FAIL_AT: &str = "ODOO_AGENT_FAIL_AT";
    /// Copy-filestore: the copy's directory name (the source is [`LIVE`]), and
    /// whether to remove the copy instead of making it.
    pub const COPY: &str = "ODOO_AGENT_COPY";
    pub const DISCARD: &str = "ODOO_AGENT_DISCARD";
    /// Backup: count every table's rows in the dump's own snapshot.
    pub const COUNT_ROWS: &str = "ODOO_AGENT_COUNT_ROWS";
    /// Restore: check the filestore's entries but write none (a verification's
    /// scratch restore).
    pub const SKIP_FILESTORE: &str = "ODOO_AGENT_SKIP_FILESTORE";
    /// Copy: the target's connection, libpq's names behind this prefix.
    pub const TARGET_PG_PREFIX: &str = "ODOO_AGENT_TARGET_PG";
    /// S3 endpoint and options; the credentials are the AWS variables.
    pub const S3_ENDPOINT: &str = "ODOO_AGENT_S3_ENDPOINT";
    pub const S3_REGION: &str = "ODOO_AGENT_S3_REGION";
    pub const S3_FORCE_PATH_STYLE: &str = "ODOO_AGENT_S3_FORCE_PATH_STYLE";
    pub const S3_INSECURE_SKIP_TLS_VERIFY: &str = "ODOO_AGENT_S3_INSECURE_SKIP_TLS_VERIFY";
    pub const S3_PART_SIZE_MIB: &str = "ODOO_AGENT_S3_PART_SIZE_MIB";
    pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
}

/// The agent's exit codes.
pub mod exit {
    /// The command did what its report says.
    pub const DONE: i32 = 0;
    /// The backup (or a switch) failed; nothing was left behind.
    pub const FAILED: i32 = 1;
    /// The archive or the target was refused before anything was written.
    pub const REFUSED: i32 = 3;
    /// The restore or copy failed after it began writing to the target, which the
    /// operator must drop.
    pub const FAILED_AFTER_WRITE: i32 = 4;
}

/// The agent's commands, as the first argument of `odoo-agent`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    Backup,
    Restore,
    Copy,
    SwitchFilestore,
    CopyFilestore,
    Verify,
    DeleteArchive,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Backup => "backup",
            Command::Restore => "restore",
            Command::Copy => "copy",
            Command::SwitchFilestore => "switch-filestore",
            Command::CopyFilestore => "copy-filestore",
            Command::Verify => "verify",
            Command::DeleteArchive => "delete-archive",
        }
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command's report: what its line proves when the command succeeded.
pub trait Report: Serialize + for<'de> Deserialize<'de> {
    const COMMAND: Command;
}

/// The line the agent leaves: which command, and its outcome.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(bound = "R: Report")]
pub struct Message<R> {
    pub command: Command,
    #[serde(flatten)]
    pub outcome: Outcome<R>,
}

/// Done with its report, or failed with why.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "outcome", content = "detail", rename_all = "lowercase")]
#[serde(bound = "R: Report")]
pub enum Outcome<R> {
    Done(R),
    Failed(Failure),
}

impl<R: Report> Message<R> {
    pub fn done(report: R) -> Self {
        Message {
            command: R::COMMAND,
            outcome: Outcome::Done(report),
        }
    }

    /// Bytes of an error message a line keeps.
    pub const ERROR_LIMIT: usize = 3000;

    pub fn failed(mut error: String, target_touched: bool) -> Self {
        if error.len() > Self::ERROR_LIMIT {
            let mut cut = Self::ERROR_LIMIT;
            while !error.is_char_boundary(cut) {
                cut -= 1;
            }
            error.truncate(cut);
            error.push('…');
        }
        Message {
            command: R::COMMAND,
            outcome: Outcome::Failed(Failure {
                error,
                target_touched,
            }),
        }
    }

    /// The JSON line. Reports are bounded (at most [`Loaded::LARGEST`] tables, an
    /// error of at most [`Message::ERROR_LIMIT`] bytes), so it fits the 4096 bytes
    /// Kubernetes keeps of a termination message.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a termination message: the line of this command, or why it is not one.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ParseError::Missing);
        }
        let line = text
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .ok_or_else(|| ParseError::NotAReport(excerpt(text)))?;
        let probe: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| ParseError::Malformed(format!("{e}: {}", excerpt(line))))?;
        let command = probe.get("command").and_then(|c| c.as_str());
        if command != Some(R::COMMAND.as_str()) {
            return Err(ParseError::OtherCommand {
                expected: R::COMMAND,
                found: command.unwrap_or("none").to_owned(),
            });
        }
        serde_json::from_value(probe)
            .map_err(|e| ParseError::Malformed(format!("{e}: {}", excerpt(line))))
    }
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(200).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// Why a termination message is not a report the operator can take.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    Missing,
    NotAReport(String),
    Malformed(String),
    OtherCommand { expected: Command, found: String },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Missing => f.write_str("the agent left no report"),
            ParseError::NotAReport(text) => {
                write!(f, "the agent's container ended without a report: {text:?}")
            }
            ParseError::Malformed(why) => write!(f, "the agent's report is malformed: {why}"),
            ParseError::OtherCommand { expected, found } => write!(
                f,
                "the container left a report of command {found:?}, not {expected}: the binary that ran is not this job's agent"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Why a command failed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    /// Whether the target database or directory may hold partial data.
    pub target_touched: bool,
}

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

/// The object beside a backup in S3 that holds its SHA-256: `<key>.sha256`.
pub fn digest_key(key: &str) -> String {
    format!("{key}.sha256")
}

/// The digest object's content, in `sha256sum`'s format.
pub fn digest_line(sha256: &str, key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    format!("{sha256}  {name}\n")
}

/// The SHA-256 of a digest object's content.
pub fn parse_digest_line(text: &str) -> Option<&str> {
    let sha = text.split_whitespace().next()?;
    (sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit())).then_some(sha)
}

/// Where a byte transfer of the agent stands, printed on stderr as one JSON line
/// (`{"progress":{"pass":"archive written:","bytes":1048576}}`) every few seconds
/// while bytes move. The plugin reads the newest one from the job pod's log to move
/// a byte bar; anything else in the log is left alone.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// What is being counted, as the agent's log lines name it.
    pub pass: String,
    /// Bytes done.
    pub bytes: u64,
    /// Bytes in all, when known before the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct ProgressLine {
    progress: Progress,
}

impl Progress {
    /// The line the agent prints.
    pub fn to_line(&self) -> String {
        serde_json::to_string(&ProgressLine {
            progress: self.clone(),
        })
        .unwrap_or_default()
    }

    /// A progress line, or None for any other log line.
    pub fn parse(line: &str) -> Option<Progress> {
        let line = line.trim();
        if !line.starts_with("{\"progress\"") {
            return None;
        }
        serde_json::from_str::<ProgressLine>(line)
            .ok()
            .map(|l| l.progress)
    }
}

/// Lowercase hex of `bytes`: how every digest of the contract is written.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup() -> BackupReport {
        BackupReport {
            archive: Archive {
                location: crate::Location::s3("b", "k.zip"),
                format: BackupFormat::Zip,
                size_bytes: 10,
                sha256: "ab".repeat(32),
                duration_seconds: 1.5,
                odoo_version: Some("17.0".into()),
                pg_version: Some("16.4".into()),
                filestore_files: Some(2),
            },
            read_back: None,
            row_counts: None,
        }
    }

    #[test]
    fn a_report_reads_back_as_written() {
        let line = Message::done(backup()).to_line();
        assert!(line.starts_with(r#"{"command":"backup","outcome":"done","detail":{"#));
        assert_eq!(
            Message::<BackupReport>::parse(&line),
            Ok(Message::done(backup()))
        );
        let failed = Message::<BackupReport>::failed("no space".into(), false);
        assert_eq!(
            Message::<BackupReport>::parse(&failed.to_line()),
            Ok(failed)
        );
    }

    #[test]
    fn anything_but_this_commands_line_is_refused_with_a_reason() {
        assert_eq!(
            Message::<BackupReport>::parse("  "),
            Err(ParseError::Missing)
        );
        assert!(matches!(
            Message::<BackupReport>::parse("usage: odoo [options]"),
            Err(ParseError::NotAReport(_))
        ));
        let switch = Message::done(SwitchReport {
            outcome: SwitchOutcome::Switched,
            previous_removed: false,
            previous_left: None,
        })
        .to_line();
        assert!(matches!(
            Message::<BackupReport>::parse(&switch),
            Err(ParseError::OtherCommand { .. })
        ));
        // A line of the right command without the proof fields is not a report.
        assert!(matches!(
            Message::<BackupReport>::parse(
                r#"{"command":"backup","outcome":"done","detail":{"location":"x"}}"#
            ),
            Err(ParseError::Malformed(_))
        ));
        // Logs before the line (FallbackToLogsOnError) are skipped.
        let line = format!("starting\n{}\n", Message::done(backup()).to_line());
        assert!(Message::<BackupReport>::parse(&line).is_ok());
    }

    #[test]
    fn progress_lines_round_trip_and_other_lines_are_not_progress() {
        let p = Progress {
            pass: "archive written:".into(),
            bytes: 1 << 20,
            total: Some(4 << 20),
        };
        let line = p.to_line();
        assert_eq!(
            line,
            r#"{"progress":{"pass":"archive written:","bytes":1048576,"total":4194304}}"#
        );
        assert_eq!(Progress::parse(&line), Some(p));
        assert_eq!(
            Progress::parse("2026-12-01T10:00:00Z INFO archive written: 1.0 MiB"),
            None
        );
        assert_eq!(Progress::parse(r#"{"progress":"no"}"#), None);
    }
}
