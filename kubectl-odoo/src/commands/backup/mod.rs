//! `kubectl odoo backup create|list|check|describe|download|schedule|delete|orphans`: OdooBackupJobs
//! and OdooBackupSchedules.

pub mod check;
pub mod create;
pub mod delete;
pub mod describe;
pub mod destination;
pub mod download;
pub mod flags;
pub mod from_bucket;
pub mod list;
pub mod orphans;
pub mod schedule;

use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::Printer;

/// Flags of `backup`.
#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum BackupCommand {
    /// Back up an instance now (an OdooBackupJob); --wait follows it.
    Create(create::CreateArgs),
    /// List backups, newest first.
    #[command(alias = "ls", alias = "get")]
    List(list::ListArgs),
    /// Instances with no backup newer than --max-age (exit 3 when any), for cron
    /// jobs and CI.
    Check(check::CheckArgs),
    /// Show a backup's outcome: location, size, checksum, versions, duration, events.
    Describe(describe::DescribeArgs),
    /// Download a backup's archive from S3, verifying its checksum.
    Download(download::DownloadArgs),
    /// Create or update a backup schedule (an OdooBackupSchedule) of an instance.
    Schedule(schedule::ScheduleArgs),
    /// Delete a backup and its archive (--keep-archive keeps the archive).
    Delete(delete::DeleteArgs),
    /// Databases no instance owns (the operator's census) and, with --from-s3,
    /// archives no backup resource records.
    Orphans(orphans::OrphansArgs),
}

impl BackupCommand {
    /// The `-o` format given, if the subcommand has one.
    pub fn output(&self) -> Option<OutputFormat> {
        match self {
            BackupCommand::Create(a) => a.write.output,
            BackupCommand::List(a) => Some(a.output),
            BackupCommand::Check(a) => Some(a.output),
            BackupCommand::Describe(a) => Some(a.output),
            BackupCommand::Schedule(a) => a.write.output,
            BackupCommand::Orphans(a) => Some(a.output),
            BackupCommand::Download(_) | BackupCommand::Delete(_) => None,
        }
    }
}

pub async fn run(ctx: &LazyCtx, args: BackupArgs, printer: &Printer) -> Result<(), CliError> {
    match args.command {
        BackupCommand::Create(a) => create::run(ctx, a, printer).await,
        BackupCommand::List(a) => list::run(ctx, a, printer).await,
        BackupCommand::Check(a) => check::run(ctx, a, printer).await,
        BackupCommand::Describe(a) => describe::run(ctx, a, printer).await,
        BackupCommand::Download(a) => download::run(ctx, a, printer).await,
        BackupCommand::Schedule(a) => schedule::run(ctx, a, printer).await,
        BackupCommand::Delete(a) => delete::run(ctx, a, printer).await,
        BackupCommand::Orphans(a) => orphans::run(ctx, a, printer).await,
    }
}
