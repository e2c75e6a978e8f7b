//! `odoo-operator agent`: the data path of backup and restore jobs. It runs inside
//! the job pod, in the instance's own Odoo image (for its pg_dump/psql, matched to
//! the server) with the filestore volume mounted, and streams: pg_dump → zip →
//! upload parts on the way out, download → verify → psql/filestore on the way back,
//! never staging an archive on disk or in memory.
//!
//! Result: one JSON line on stdout (also written to `--termination-log`, where the
//! controller reads it from the pod status). Exit codes: 0 done; 1 backup failed,
//! nothing left behind; 3 restore or copy refused before writing anything; 4 restore
//! or copy failed after it began writing to the target, which the operator must drop.

pub mod backup;
mod bridge;
pub mod copy;
pub mod install;
pub mod layout;
mod manifest;
mod pg;
mod psql;
pub mod restore;
mod sqlfilter;
mod store;
mod stream;
pub mod switch;
mod zipread;
mod zipwrite;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

pub use layout::ArchiveFormat;

/// Exit code: the backup failed (the upload was aborted, the partial file removed).
pub const EXIT_BACKUP_FAILED: i32 = 1;
/// Exit code: the archive or the target was refused; nothing was written.
pub const EXIT_RESTORE_REFUSED: i32 = 3;
/// Exit code: the restore failed after writing to the target database/directory.
pub const EXIT_RESTORE_FAILED: i32 = 4;

/// Kubernetes truncates termination messages at 4096 bytes.
const TERMINATION_MESSAGE_LIMIT: usize = 4096;

#[derive(clap::Subcommand, Debug)]
pub enum AgentCommand {
    /// Back up a database (and its filestore) to S3 or a file, streaming.
    Backup(Box<backup::BackupArgs>),
    /// Restore an archive into a new, empty database and filestore directory.
    Restore(Box<restore::RestoreArgs>),
    /// Give the restored filestore directory the live name, keeping or removing the
    /// previous one (the last step of a restore).
    SwitchFilestore(switch::SwitchArgs),
    /// Copy a database into an empty one on another server (a cluster migration),
    /// streaming pg_dump into psql in one transaction.
    Copy(Box<copy::CopyArgs>),
    /// Copy this binary into a directory (a job pod's init container).
    Install(install::InstallArgs),
}

/// Where the result line goes besides stdout.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Also write the result (or the error) as JSON to this file: the container's
    /// terminationMessagePath, /dev/termination-log by default in Kubernetes.
    #[arg(long, env = "ODOO_AGENT_TERMINATION_LOG")]
    pub termination_log: Option<PathBuf>,
}

/// The result line.
#[derive(Serialize, Debug, Clone)]
pub struct Report {
    /// `backup` or `restore`.
    pub operation: &'static str,
    /// `s3://bucket/key` or `file:///path`.
    pub location: String,
    pub format: ArchiveFormat,
    pub size_bytes: u64,
    /// Hex SHA-256 of the archive bytes.
    pub sha256: String,
    pub duration_seconds: f64,
    /// The Odoo version (backup: given; restore: from the manifest, when present).
    pub odoo_version: Option<String>,
    /// Backup: the server's version; restore: the manifest's, else the target's.
    pub pg_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filestore_files: Option<u64>,
}

#[derive(Serialize)]
struct Failure<'a> {
    operation: &'static str,
    error: &'a str,
    /// Whether the target database/directory may hold partial data (restore).
    target_touched: bool,
}

fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// SIGTERM (pod deletion) or SIGINT: the job stops, and an upload must be aborted
/// rather than left to the process's death.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// An error with its causes, each added only when the message does not already
/// include it (most variants here embed their source).
fn describe(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    shorten_s3_error(&message)
}

/// S3 errors carry the server's whole XML error document (string to sign, request
/// bytes in hex…); its code and message are what a person needs.
fn shorten_s3_error(message: &str) -> String {
    let Some(start) = message.find("<Error>") else {
        return message.to_owned();
    };
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let from = message[start..].find(&open)? + start + open.len();
        let to = message[from..].find(&format!("</{name}>"))? + from;
        Some(message[from..to].to_owned())
    };
    let end = message[start..]
        .find("</Error>")
        .map_or(message.len(), |i| start + i + "</Error>".len());
    format!(
        "{}{} ({}){}",
        &message[..start],
        tag("Code").unwrap_or_default(),
        tag("Message").unwrap_or_default(),
        &message[end..]
    )
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

fn write_termination_log(args: &OutputArgs, json: &str) {
    if let Some(path) = &args.termination_log {
        let mut text = json.to_owned();
        if text.len() > TERMINATION_MESSAGE_LIMIT {
            let mut cut = TERMINATION_MESSAGE_LIMIT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        if let Err(e) = std::fs::write(path, text) {
            tracing::warn!(path = %path.display(), error = %e, "writing the termination log");
        }
    }
}

/// A restore's or a copy's result line or failure, whose exit code says whether the
/// target may hold partial data.
#[allow(clippy::type_complexity)]
fn target_outcome<R: Serialize, E: std::error::Error>(
    result: Result<R, E>,
    touched: impl Fn(&E) -> bool,
) -> Result<serde_json::Result<String>, (String, bool, i32)> {
    result.map(|r| serde_json::to_string(&r)).map_err(|e| {
        let touched = touched(&e);
        let code = if touched {
            EXIT_RESTORE_FAILED
        } else {
            EXIT_RESTORE_REFUSED
        };
        (describe(&e), touched, code)
    })
}

/// Runs an agent command and exits the process with its code.
pub async fn run(command: AgentCommand) -> anyhow::Result<()> {
    init_logging();
    // object_store's HTTP client uses rustls without a bundled provider; ring is the
    // workspace's provider everywhere else.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (operation, output, result) = match command {
        AgentCommand::Install(args) => {
            let installed = install::install(&args.to)?;
            println!("{}", installed.display());
            return Ok(());
        }
        AgentCommand::SwitchFilestore(args) => {
            let output = OutputArgs {
                termination_log: std::env::var_os("ODOO_AGENT_TERMINATION_LOG").map(PathBuf::from),
            };
            return match switch::run(&args) {
                Ok(done) => {
                    let json = serde_json::to_string(&done)?;
                    println!("{json}");
                    write_termination_log(&output, &json);
                    Ok(())
                }
                Err(e) => {
                    let message = describe(&e);
                    tracing::error!("switch-filestore failed: {message}");
                    let json = serde_json::to_string(&Failure {
                        operation: "switch-filestore",
                        error: &message,
                        target_touched: false,
                    })?;
                    write_termination_log(&output, &json);
                    std::process::exit(EXIT_BACKUP_FAILED);
                }
            };
        }
        AgentCommand::Backup(args) => {
            let output = args.output.clone();
            let result = backup::run(*args)
                .await
                .map(|r| serde_json::to_string(&r))
                .map_err(|e| (describe(&e), false, EXIT_BACKUP_FAILED));
            ("backup", output, result)
        }
        AgentCommand::Copy(args) => {
            let output = args.output.clone();
            let result = target_outcome(copy::run(*args).await, |e| e.touched_target());
            ("copy", output, result)
        }
        AgentCommand::Restore(args) => {
            let output = args.output.clone();
            let result = target_outcome(restore::run(*args).await, |e| e.touched_target());
            ("restore", output, result)
        }
    };
    match result {
        Ok(json) => {
            let json = json?;
            println!("{json}");
            write_termination_log(&output, &json);
            Ok(())
        }
        Err((message, target_touched, code)) => {
            tracing::error!("{operation} failed: {message}");
            let json = serde_json::to_string(&Failure {
                operation,
                error: &message,
                target_touched,
            })?;
            write_termination_log(&output, &json);
            std::process::exit(code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_error_documents_shrink_to_code_and_message() {
        let raw = "starting the upload: Client error with status 403 Forbidden: \
                   <Error><Code>SignatureDoesNotMatch</Code><Message>The signature does not match.</Message>\
                   <StringToSignBytes>41 57 53</StringToSignBytes></Error>";
        assert_eq!(
            shorten_s3_error(raw),
            "starting the upload: Client error with status 403 Forbidden: \
             SignatureDoesNotMatch (The signature does not match.)"
        );
        assert_eq!(shorten_s3_error("plain"), "plain");
    }
}
