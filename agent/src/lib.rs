//! `odoo-agent`: the data path of backup, restore, migration and upgrade jobs. It runs inside
//! the job pod, in the instance's own Odoo image (for its pg_dump/psql, matched to
//! the server) with the filestore volume mounted, and streams: pg_dump → zip →
//! upload parts on the way out, download → verify → psql/filestore on the way back,
//! never staging an archive on disk or in memory.
//!
//! Result: one JSON line on stdout (also written to `--termination-log`, where the
//! controller reads it from the pod status), typed by the contract in
//! [`odoo_model::agent`], as are the exit codes.

pub mod backup;
mod bridge;
pub mod copy;
pub mod delete;
pub mod filestore_copy;
pub mod flags;
pub mod install;
pub mod layout;
mod manifest;
mod pg;
mod psql;
pub mod restore;
mod snapshot;
mod sqlfilter;
pub mod sqlguard;
mod store;
mod stream;
pub mod switch;
pub mod verify;
mod zipread;
mod zipwrite;

use std::path::PathBuf;
use std::time::Duration;

use odoo_model::agent::{
    BackupReport, CopyReport, DeleteReport, FilestoreCopyReport, Message, Report, RequestError,
    RestoreReport, SwitchReport, VerifyReport, env, exit,
};

pub use layout::BackupFormat;

#[derive(clap::Subcommand, Debug)]
pub enum AgentCommand {
    /// Back up a database (and its filestore) to S3 or a file, streaming.
    Backup(Box<backup::BackupArgs>),
    /// Restore an archive into a new, empty database and filestore directory.
    Restore(Box<restore::RestoreArgs>),
    /// Give the restored filestore directory the live name, keeping or removing the
    /// previous one (the last step of a restore).
    SwitchFilestore(switch::SwitchArgs),
    /// Copy a database's filestore directory under the name of its copy (hard
    /// links where possible) for an upgrade on a copy, or remove that copy.
    CopyFilestore(filestore_copy::FilestoreCopyArgs),
    /// Copy a database into an empty one on another server (a cluster migration),
    /// streaming pg_dump into psql in one transaction.
    Copy(Box<copy::CopyArgs>),
    /// Read a stored archive end to end: every CRC, the SHA-256 and the manifest.
    Verify(Box<verify::VerifyArgs>),
    /// Delete a stored archive and its digest, once its backup is let go; only the
    /// archive whose SHA-256 the backup recorded.
    DeleteArchive(Box<delete::DeleteArgs>),
    /// Copy this binary into a directory (a job pod's init container).
    Install(install::InstallArgs),
}

/// Where the result line goes besides stdout.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Also write the result (or the error) as JSON to this file: the container's
    /// terminationMessagePath, /dev/termination-log by default in Kubernetes.
    #[arg(long, env = env::TERMINATION_LOG)]
    pub termination_log: Option<PathBuf>,
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

/// Prints the line and leaves it where the controller reads it.
fn leave<R: Report>(output: &OutputArgs, message: &Message<R>) {
    let line = message.to_line();
    println!("{line}");
    if let Some(path) = &output.termination_log
        && let Err(e) = std::fs::write(path, &line)
    {
        tracing::warn!(path = %path.display(), error = %e, "writing the termination log");
    }
}

/// Leaves the line of a finished command and gives its exit code.
fn finish<R: Report, E: std::error::Error>(
    output: &OutputArgs,
    result: Result<R, E>,
    failure_code: impl Fn(&E) -> (i32, bool),
) -> i32 {
    match result {
        Ok(report) => {
            leave(output, &Message::done(report));
            exit::DONE
        }
        Err(e) => {
            let message = describe(&e);
            let (code, touched) = failure_code(&e);
            tracing::error!("{} failed: {message}", R::COMMAND);
            leave(output, &Message::<R>::failed(message, touched));
            code
        }
    }
}

/// The exit code of a restore or copy failure and whether the target may hold
/// partial data.
fn target_code(touched: bool) -> (i32, bool) {
    if touched {
        (exit::FAILED_AFTER_WRITE, true)
    } else {
        (exit::REFUSED, false)
    }
}

/// Runs an agent command and exits the process with its code.
pub async fn run(command: AgentCommand) -> anyhow::Result<()> {
    init_logging();
    // object_store's HTTP client uses rustls without a bundled provider; ring is the
    // workspace's provider everywhere else.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let AgentCommand::Install(args) = &command {
        let installed = install::install(&args.to)?;
        println!("{}", installed.display());
        return Ok(());
    }
    std::process::exit(dispatch(command).await);
}

/// A command's request read, then the command run: its exit code. A request that
/// does not read is refused before anything is touched, with its line.
async fn dispatch(command: AgentCommand) -> i32 {
    fn refused<R: Report>(output: &OutputArgs, e: RequestError) -> i32 {
        finish::<R, _>(output, Err(e), |_| (exit::REFUSED, false))
    }
    match command {
        AgentCommand::Install(_) => exit::DONE,
        AgentCommand::SwitchFilestore(args) => match args.request.read() {
            // `target_touched`: the live name may hold other files than the previous.
            Ok(request) => {
                let fail_at = args.fail_at.clone();
                let result = switch::run(&switch::Switch { request, fail_at });
                finish(&args.output, result, |e| (exit::FAILED, e.files_moved))
            }
            Err(e) => refused::<SwitchReport>(&args.output, e),
        },
        AgentCommand::CopyFilestore(args) => match args.request.read() {
            Ok(request) => finish(&args.output, filestore_copy::run(&request), |_| {
                (exit::FAILED, false)
            }),
            Err(e) => refused::<FilestoreCopyReport>(&args.output, e),
        },
        AgentCommand::Backup(args) => match args.request.read() {
            Ok(request) => finish(
                &args.output,
                backup::run(request, &args.tools).await,
                |_| (exit::FAILED, false),
            ),
            Err(e) => refused::<BackupReport>(&args.output, e),
        },
        AgentCommand::Verify(args) => match args.request.read() {
            Ok(request) => finish(&args.output, verify::run(request).await, |_| {
                (exit::FAILED, false)
            }),
            Err(e) => refused::<VerifyReport>(&args.output, e),
        },
        AgentCommand::DeleteArchive(args) => match args.request.read() {
            Ok(request) => finish(&args.output, delete::run(request).await, |_| {
                (exit::FAILED, false)
            }),
            Err(e) => refused::<DeleteReport>(&args.output, e),
        },
        AgentCommand::Copy(args) => match args.request.read() {
            Ok(request) => finish(&args.output, copy::run(request, &args.tools).await, |e| {
                target_code(e.touched_target())
            }),
            Err(e) => refused::<CopyReport>(&args.output, e),
        },
        AgentCommand::Restore(args) => match args.request.read() {
            Ok(request) => finish(
                &args.output,
                restore::run(request, &args.tools).await,
                |e| target_code(e.touched_target()),
            ),
            Err(e) => refused::<RestoreReport>(&args.output, e),
        },
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
