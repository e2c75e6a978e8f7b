//! The flags of `restore` and the objects they describe.

use std::path::PathBuf;
use std::time::Duration;

use kube::ResourceExt;
use odoo_model::labels::INSTANCE_LABEL;
use odoo_model::restore_job::{PreviousDatabase, RestoreMode, RestoreSource};
use odoo_model::{InstanceRef, OdooInstance, OdooRestoreJob, OdooRestoreJobSpec};

use crate::commands::backup::flags::S3Flags;
use crate::commands::write::{DryRun, name_stamp};
use crate::duration::parse_duration;
use crate::format::OutputFormat;
use crate::limits;

/// Flags of `restore`.
#[derive(clap::Args, Debug)]
// --from-s3 with --latest-of reads the bucket's index; every other pair is refused.
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["from_backup", "latest_of", "from_s3", "from_file"])))]
pub struct RestoreArgs {
    /// The instance restored into (with --into: the instance whose spec is copied).
    pub name: String,
    /// Restore this OdooBackupJob.
    #[arg(long, value_name = "BACKUPJOB", conflicts_with_all = ["latest_of", "from_s3", "from_file"])]
    pub from_backup: Option<String>,
    /// Restore the latest successful backup of this instance (the newest verified
    /// one when there is one). With --from-s3 s3://BUCKET[/PREFIX]: of NAMESPACE/NAME
    /// as the bucket's index records it, with no backup resource needed.
    #[arg(long, value_name = "INSTANCE")]
    pub latest_of: Option<String>,
    /// Restore this S3 object (with --s3-endpoint and --credentials-secret), or,
    /// with --latest-of, the newest backup the bucket records.
    #[arg(long, value_name = "s3://BUCKET/KEY")]
    pub from_s3: Option<String>,
    /// Upload this local archive (an Odoo backup zip, a pg dump or SQL) to S3, then
    /// restore it. The bucket is the instance's newest backup destination unless the
    /// S3 flags name one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["latest_of", "from_s3"])]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub s3: S3Flags,
    /// Expected SHA-256 of the archive (hex).
    #[arg(long, value_name = "HEX", value_parser = limits::sha256)]
    pub sha256: Option<String>,
    /// Restore into a new instance of this name, with NAME's spec (and no
    /// initialization), instead of replacing NAME's database.
    #[arg(long, value_name = "NEWNAME")]
    pub into: Option<String>,
    /// Neutralize the restored database (no outgoing mail, crons or payments).
    #[arg(long)]
    pub neutralize: bool,
    /// copy: a duplicate with a new database identity; move: keep the identity.
    #[arg(long, value_enum, default_value_t = ModeArg::Copy)]
    pub mode: ModeArg,
    /// Drop the replaced database after the switch instead of keeping it.
    #[arg(long)]
    pub drop_previous: bool,
    /// Do not ask for confirmation (required when no one can answer a prompt).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Follow the restore until it ends; exit 3 if it fails, 4 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 1h).
    #[arg(long, value_parser = parse_duration, default_value = "1h")]
    pub timeout: Duration,
    /// none: restore; client: print the job without sending it (nothing uploaded);
    /// server: have the API server validate it without storing it.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: DryRun,
    /// Output format of the created job (table: `odoorestorejob/NAME created`).
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// Restore mode flag.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    Copy,
    Move,
}

/// The restore job for a resolved source. Pure.
pub fn build(
    args: &RestoreArgs,
    target: &str,
    source: RestoreSource,
    sha256: Option<String>,
    now: k8s_openapi::jiff::Timestamp,
) -> OdooRestoreJob {
    let mut restore = OdooRestoreJob::new(
        &format!("{target}-restore-{}", name_stamp(now)),
        OdooRestoreJobSpec {
            instance_ref: InstanceRef {
                name: target.to_owned(),
            },
            source,
            sha256: sha256.or_else(|| args.sha256.clone()),
            mode: match args.mode {
                ModeArg::Copy => RestoreMode::Copy,
                ModeArg::Move => RestoreMode::Move,
            },
            neutralize: args.neutralize,
            previous_database: if args.drop_previous {
                PreviousDatabase::Drop
            } else {
                PreviousDatabase::Keep
            },
        },
    );
    restore
        .labels_mut()
        .insert(INSTANCE_LABEL.into(), target.to_owned());
    restore
}

/// A new instance with `source`'s spec: no initialization (the restore fills the
/// database), no ingress hosts (they belong to the source), its own database name
/// and role (the source's role is the source's: the operator would refuse it).
pub fn copy_instance(source: &OdooInstance, name: &str) -> OdooInstance {
    let mut spec = source.spec.clone();
    spec.init.enabled = false;
    spec.database.name = None;
    spec.database.role = None;
    spec.ingress = None;
    OdooInstance::new(name, spec)
}
