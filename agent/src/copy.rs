//! `odoo-agent copy`: the data path of a cluster migration. `pg_dump` of the
//! source database streams through the same filter as a restore into `psql` on the
//! target's temporary database, in one transaction that commits only when the whole
//! dump was loaded: the target ends up either a full copy or empty. Nothing is staged
//! on disk or in memory, and the source is only read.

use std::io;
use std::time::Instant;

use odoo_model::agent::{CopyReport, CopyRequest, env};

use super::flags::Flags;
use super::pg::{PgArgs, PgToolError, PgTools, Tool};
use super::psql::PsqlSession;
use super::stream::{TallyReader, human_bytes};

#[derive(clap::Args, Debug)]
pub struct CopyArgs {
    /// The source (the instance's live database, only read) and the target (the
    /// operator's temporary database, created empty and owned by the instance's
    /// role).
    #[command(flatten)]
    pub request: Flags<CopyRequest>,
    #[command(flatten)]
    pub tools: PgTools,
    #[command(flatten)]
    pub output: super::OutputArgs,
}

/// The target's connection as the tools take it, with its own password (never
/// the source's PGPASSWORD, which the tools would otherwise inherit).
fn target(request: &CopyRequest, tools: &PgTools) -> PgArgs {
    PgArgs {
        password: Some(std::env::var(env::TARGET_PG.password).unwrap_or_default()),
        ..tools.connect(&request.target)
    }
}

/// Why a copy was refused before anything was written to the target.
#[derive(Debug, thiserror::Error)]
pub enum CopyRefusal {
    #[error("checking the source: {0}")]
    CheckSource(#[source] PgToolError),
    #[error("checking the target: {0}")]
    CheckTarget(#[source] PgToolError),
    #[error(
        "the target database {database:?} is not empty ({objects} objects); a copy goes into a new, empty database"
    )]
    TargetNotEmpty { database: String, objects: u64 },
    #[error(
        "the target runs PostgreSQL {target}, older than the source's {source_version}; refusing to copy to an older major version"
    )]
    OlderTarget { source_version: u32, target: u32 },
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("copy refused, nothing was written: {0}")]
    Refused(#[from] CopyRefusal),
    #[error(
        "copy failed after it began writing: {0}. The transaction was not committed; the target database may still be dropped before retrying. The source was only read."
    )]
    Failed(#[source] PgToolError),
    #[error("reading the dump: {0}")]
    Stream(#[source] io::Error),
    #[error("the copy thread panicked")]
    Panicked,
}

impl CopyError {
    /// Whether the target may hold partial data.
    pub fn touched_target(&self) -> bool {
        !matches!(self, CopyError::Refused(_))
    }
}

fn endpoint(pg: &PgArgs) -> String {
    format!("{}:{}/{}", pg.host, pg.port, pg.database)
}

pub async fn run(request: CopyRequest, tools: &PgTools) -> Result<CopyReport, CopyError> {
    let started = Instant::now();
    let (source, target) = (tools.connect(&request.source), target(&request, tools));
    let (source_at, target_at) = (endpoint(&source), endpoint(&target));
    let copy = tokio::task::spawn_blocking(move || copy(&source, &target));
    let (bytes, source_version, target_version) = tokio::select! {
        r = copy => r.map_err(|_| CopyError::Panicked)??,
        // psql dies with the process: its open transaction rolls back.
        () = super::shutdown_signal() => return Err(CopyError::Failed(PgToolError::ParseOutput {
            what: "copying", output: "interrupted by a signal".into() })),
    };
    Ok(CopyReport {
        source: source_at,
        target: target_at,
        size_bytes: bytes,
        duration_seconds: super::seconds(started.elapsed()),
        source_pg_version: source_version,
        target_pg_version: target_version,
    })
}

/// Checks both sides, then streams; blocking.
fn copy(source: &PgArgs, target: &PgArgs) -> Result<(u64, String, String), CopyError> {
    let (source_num, source_version) = source.server_version().map_err(CopyRefusal::CheckSource)?;
    let (target_num, target_version) = target.server_version().map_err(CopyRefusal::CheckTarget)?;
    if target_num / 10000 < source_num / 10000 {
        return Err(CopyRefusal::OlderTarget {
            source_version: source_num / 10000,
            target: target_num / 10000,
        }
        .into());
    }
    let objects = target
        .user_object_count()
        .map_err(CopyRefusal::CheckTarget)?;
    if objects > 0 {
        return Err(CopyRefusal::TargetNotEmpty {
            database: target.database.clone(),
            objects,
        }
        .into());
    }
    tracing::info!(
        source = %endpoint(source), source_version, target = %endpoint(target), target_version,
        "copying"
    );
    let mut cmd = source.command("pg_dump");
    // Ownership and privileges are the target role's: it owns what it loads.
    cmd.args(["--no-owner", "--no-privileges"]);
    let dump = Tool::spawn("pg_dump", cmd, false, true)
        .and_then(Tool::into_output)
        .map_err(CopyError::Failed)?;
    let mut dump = TallyReader::new(dump, "copied:");
    let mut psql = PsqlSession::start(target).map_err(CopyError::Failed)?;
    let mut sql = psql.sql();
    let copied = io::copy(&mut dump, &mut sql);
    let finished = sql.finish().map(|(_, dropped)| dropped);
    let bytes = match (copied, finished) {
        (Ok(bytes), Ok(dropped)) => {
            if dropped > 0 {
                tracing::info!(
                    statements = dropped,
                    "skipped statements the instance's role cannot run"
                );
            }
            bytes
        }
        // A broken pipe is psql having stopped: its own error says why.
        (Err(e), _) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(CopyError::Stream(e));
        }
        _ => return Err(CopyError::Failed(psql.failure())),
    };
    let psql = psql.sync().map_err(CopyError::Failed)?;
    psql.commit().map_err(CopyError::Failed)?;
    tracing::info!(size = %human_bytes(bytes), "copy committed");
    Ok((bytes, source_version, target_version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        copy: CopyArgs,
    }

    #[test]
    fn source_and_target_flags_are_distinct() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "copy",
            "--pg-host=a",
            "--pg-user=u",
            "--pg-database=d",
            "--target-pg-host=b",
            "--target-pg-port=5433",
            "--target-pg-user=u",
            "--target-pg-database=d_mig",
        ])
        .expect("parses");
        let request = cli.copy.request.read().expect("a request");
        assert_eq!(request.source.host, "a");
        assert_eq!(request.target.host, "b");
        assert_eq!(request.target.port, 5433);
        let target = target(&request, &cli.copy.tools);
        assert_eq!(target.database, "d_mig");
        assert!(target.password.is_some(), "never the source's PGPASSWORD");
    }
}
