//! The contract between the operator and `odoo-agent`, the program its job pods run:
//! each command's request, which the operator writes into the pod's environment and
//! the agent reads back; the exit codes; and the one JSON line the agent leaves as
//! its container's termination message. Both sides use these types, so neither can
//! drift from the other.
//!
//! A report is the agent's claim, not yet proof: the operator checks what it can
//! itself (the stored object, the loaded database) before a job is Succeeded, and a
//! job whose agent left no report, or a report of another command, fails.

mod digest;
mod message;
mod progress;
mod reports;
mod request;

pub use digest::{digest_key, digest_line, hex, parse_digest_line};
pub use message::{Failure, Message, Outcome, ParseError, Report};
pub use progress::Progress;
pub use reports::{
    Archive, BackupReport, CopyReport, DeleteReport, FilestoreCopyOutcome, FilestoreCopyReport,
    Loaded, ReadBack, RestoreReport, RowCounts, SwitchOutcome, SwitchReport, TableRows,
    VerifyReport,
};
pub use request::{
    BackupRequest, CopyRequest, DeleteRequest, FilestoreCopyRequest, PgConnection, Request,
    RequestError, RestoreRequest, S3Options, SwitchRequest, VerifyRequest,
};

use serde::{Deserialize, Serialize};

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
    /// The connection to the database a command works on, in libpq's own
    /// variables: the tools the agent runs read them as they are.
    pub const PG: PgVars = PgVars {
        host: "PGHOST",
        port: "PGPORT",
        user: "PGUSER",
        database: "PGDATABASE",
        sslmode: "PGSSLMODE",
        sslrootcert: "PGSSLROOTCERT",
        password: "PGPASSWORD",
    };
    /// Copy: the target's connection, libpq's names behind `ODOO_AGENT_TARGET_`
    /// (so the tools, which inherit the environment, never take them for the
    /// source's).
    pub const TARGET_PG: PgVars = PgVars {
        host: "ODOO_AGENT_TARGET_PGHOST",
        port: "ODOO_AGENT_TARGET_PGPORT",
        user: "ODOO_AGENT_TARGET_PGUSER",
        database: "ODOO_AGENT_TARGET_PGDATABASE",
        sslmode: "ODOO_AGENT_TARGET_PGSSLMODE",
        sslrootcert: "ODOO_AGENT_TARGET_PGSSLROOTCERT",
        password: "ODOO_AGENT_TARGET_PGPASSWORD",
    };

    /// The names of one side's connection. The password is always a Secret
    /// reference in a pod, so it is named here but is never part of a request.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct PgVars {
        pub host: &'static str,
        pub port: &'static str,
        pub user: &'static str,
        pub database: &'static str,
        pub sslmode: &'static str,
        pub sslrootcert: &'static str,
        pub password: &'static str,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup_job::BackupFormat;

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
