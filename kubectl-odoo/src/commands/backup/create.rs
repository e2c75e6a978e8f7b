//! `kubectl odoo backup create NAME`: an OdooBackupJob of instance NAME, to the
//! destination the flags name (or the instance's newest one); `--wait` follows it.

use std::time::Duration;

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::backup_job::{BackupDestination, BackupTemplate};
use odoo_model::labels::INSTANCE_LABEL;
use odoo_model::{InstanceRef, OdooBackupJob, OdooBackupJobSpec, OdooInstance};

use crate::commands::backup::destination::DestinationArgs;
use crate::commands::backup::flags::{VerifyArg, format_parser};
use crate::commands::write::{DryRun, WriteFlags, WriteHelp, name_stamp, print_resource, submit};
use crate::ctx::{Ctx, LazyCtx};
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::fleet::{self, Target};
use crate::output::Printer;
use odoo_model::backup_job::BackupFormat;

/// Flags of `backup create`.
#[derive(clap::Args, Debug)]
#[command(write_help(
    "none: create; client: print the job without sending it; server: have the API server validate it without storing it",
    "Output format of the created job (table: `odoobackupjob/NAME created`)"
))]
pub struct CreateArgs {
    #[command(flatten)]
    pub target: Target,
    /// Archive format.
    #[arg(long, value_parser = format_parser(), default_value = "zip")]
    pub format: BackupFormat,
    /// Leave the filestore out (database only).
    #[arg(long)]
    pub no_filestore: bool,
    #[command(flatten)]
    pub destination: DestinationArgs,
    /// Check the stored backup before it counts as Succeeded.
    #[arg(long, value_enum, default_value_t = VerifyArg::None)]
    pub verify: VerifyArg,
    /// Follow the backup until it ends; exit 3 if it fails, 4 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 30m).
    #[arg(long, value_parser = parse_duration, default_value = "1h")]
    pub timeout: Duration,
    #[command(flatten)]
    pub write: WriteFlags,
}

/// The job resource backing up `instance`. Pure.
pub fn build(
    args: &CreateArgs,
    instance: &str,
    destination: BackupDestination,
    now: k8s_openapi::jiff::Timestamp,
) -> OdooBackupJob {
    let name = format!("{instance}-backup-{}", name_stamp(now));
    let mut job = OdooBackupJob::new(
        &name,
        OdooBackupJobSpec {
            instance_ref: InstanceRef {
                name: instance.to_owned(),
            },
            backup: BackupTemplate {
                format: args.format,
                with_filestore: !args.no_filestore,
                destination,
                verify: args.verify.into(),
            },
            hold: false,
        },
    );
    // Found with the instance's other children by label (status, report).
    job.labels_mut()
        .insert(INSTANCE_LABEL.into(), instance.to_owned());
    job
}

pub async fn run(ctx: &LazyCtx, args: CreateArgs, printer: &Printer) -> Result<(), CliError> {
    args.target.check("backup create")?;
    let now = k8s_openapi::jiff::Timestamp::now();
    // Flags alone suffice for a client dry run; --like and reuse read the cluster.
    if let Some(name) = &args.target.name
        && args.write.dry_run == DryRun::Client
        && let Some(dest) = args.destination.from_flags()?
    {
        return print_resource(printer, &build(&args, name, dest, now), "created (dry run)");
    }
    let done = if args.wait { "Succeeded" } else { "Created" };
    // One timestamp for the whole run, as for the dry run above.
    let work = |ctx, printer, name| back_up(ctx, printer, name, &args, now);
    let ctx = ctx.get().await?;
    fleet::one_or_many(ctx, printer, &args.target, done, "back up", work).await
}

/// Backs up one instance (following the job with --wait); the job's name.
async fn back_up(
    ctx: Ctx,
    printer: Printer,
    name: String,
    args: &CreateArgs,
    now: k8s_openapi::jiff::Timestamp,
) -> Result<String, CliError> {
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    crate::read::get(&instances, &name, ns).await?;
    let dest = args.destination.resolve(&ctx.client, ns, &name).await?;
    let backup = build(args, &name, dest, now);
    let job = format!("odoobackupjob/{}", backup.name_any());
    submit(
        &ctx,
        &printer,
        backup,
        args.write.dry_run,
        args.wait.then_some(args.timeout),
    )
    .await?;
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_flags;

    #[test]
    fn flags_become_the_job() {
        let args = test_flags::flags::<CreateArgs>(
            "shop --format dump --no-filestore --s3-endpoint http://s3.local:9000 --bucket backups --credentials-secret s3-creds",
        );
        let dest = args
            .destination
            .from_flags()
            .expect("valid")
            .expect("given");
        let now: k8s_openapi::jiff::Timestamp = "2026-11-25T10:00:00Z".parse().expect("time");
        let job = build(&args, "shop", dest, now);
        assert_eq!(job.name_any(), "shop-backup-20261125100000");
        assert!(!job.spec.backup.with_filestore);
        let s3 = job.spec.backup.destination.s3.expect("s3");
        assert_eq!(s3.bucket.bucket, "backups");
        assert_eq!(s3.bucket.credentials.secret_name, "s3-creds");
        assert_eq!(s3.key, "{namespace}/{instance}/{timestamp}.{ext}");
    }

    #[test]
    fn an_incomplete_bucket_or_two_destinations_are_usage_errors() {
        let args = test_flags::flags::<CreateArgs>("shop --bucket b");
        assert!(matches!(
            args.destination.from_flags(),
            Err(CliError::Usage(m)) if m.contains("--s3-endpoint")
        ));
        assert!(test_flags::parse::<CreateArgs>("shop --bucket b --pvc c").is_err());
        let secret = test_flags::refused::<CreateArgs>("shop --credentials-secret S3_Creds");
        assert!(secret.contains("not a Kubernetes name"), "{secret}");
    }
}
