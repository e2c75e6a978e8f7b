//! `kubectl odoo backup list [INSTANCE] [-A]`: backups newest first; with
//! `--from-s3`, what a bucket's index records instead.

use kube::ResourceExt;
use odoo_model::OdooBackupJob;
use odoo_model::backup_job::VerifyResult;

use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::list::{self, Columns};
use crate::output::{Printer, age, size};

/// Flags of `backup list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Only the backups of this instance.
    pub instance: Option<String>,
    /// List the backups of every namespace.
    #[arg(short = 'A', long, conflicts_with = "from_s3")]
    pub all_namespaces: bool,
    /// List what this bucket's index records (s3://BUCKET[/PREFIX], with
    /// --s3-endpoint and --credentials-secret), not the cluster's backups: works
    /// with no backup resource left, after a namespace or cluster is lost.
    #[arg(long, value_name = "s3://BUCKET[/PREFIX]", conflicts_with = "instance")]
    pub from_s3: Option<String>,
    /// With --from-s3: only the archives of this instance, as NAMESPACE/NAME.
    #[arg(long = "instance", value_name = "NAMESPACE/NAME", requires = "from_s3")]
    pub of_instance: Option<String>,
    #[command(flatten)]
    pub s3: crate::commands::backup::flags::S3Flags,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

pub async fn run(ctx: &LazyCtx, args: ListArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    if let Some(url) = &args.from_s3 {
        let instance = args.of_instance.as_deref();
        return crate::commands::backup::from_bucket::list(ctx, url, instance, &args.s3, printer)
            .await;
    }
    let namespace = (!args.all_namespaces).then_some(ctx.namespace.as_str());
    let items = crate::commands::backup::destination::backups_of(
        &ctx.client,
        namespace,
        args.instance.as_deref(),
    )
    .await?;
    print(printer, &items, args.all_namespaces)
}

/// Phase of a backup for display; none yet reads as the model's default, Pending.
pub fn phase(job: &OdooBackupJob) -> String {
    let phase = job.status.as_ref().and_then(|s| s.job.phase);
    format!("{:?}", phase.unwrap_or_default())
}

/// How backups show in a list.
const COLUMNS: Columns<OdooBackupJob> = Columns {
    kind: "odoobackupjob",
    header: &[
        "NAME", "INSTANCE", "PHASE", "VERIFIED", "SIZE", "AGE", "LOCATION",
    ],
    wide: &["FORMAT", "SHA256"],
    row,
};

/// The backups as a table, names, or a List object.
pub fn print(printer: &Printer, items: &[OdooBackupJob], namespaces: bool) -> Result<(), CliError> {
    list::print(printer, &COLUMNS, items, namespaces, "No backups found.")
}

fn row(j: &OdooBackupJob, wide: bool) -> Vec<String> {
    let status = j.status.clone().unwrap_or_default();
    let mut row = vec![
        j.name_any(),
        j.spec.instance_ref.name.clone(),
        phase(j),
        verified(j),
        status.size_bytes.map(size).unwrap_or_else(|| "-".into()),
        age(j.creation_timestamp().as_ref()),
        status
            .location
            .map_or_else(|| "-".into(), |l| l.to_string()),
    ];
    if wide {
        row.push(format!("{:?}", j.spec.backup.format));
        row.push(status.sha256.unwrap_or_else(|| "-".into()));
    }
    row
}

/// The VERIFIED column: the verification's method and result, `pending` while one
/// is asked for and not done, `-` when none is.
fn verified(j: &OdooBackupJob) -> String {
    let status = j.status.as_ref();
    if let Some(v) = status.and_then(|s| s.verified.as_ref()) {
        let result = match v.result {
            VerifyResult::Passed => "passed",
            VerifyResult::Failed => "failed",
        };
        return format!("{} {result}", v.method);
    }
    let finished = status
        .and_then(|s| s.job.phase)
        .is_some_and(|p| p.is_finished());
    if j.spec.backup.verify.is_none() || finished {
        "-".into()
    } else {
        "pending".into()
    }
}
