//! `kubectl odoo backup schedule INSTANCE --cron EXPR …`: creates the instance's
//! OdooBackupSchedule, or updates the fields given on an existing one.

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::backup_job::BackupTemplate;
use odoo_model::labels::INSTANCE_LABEL;
use odoo_model::{InstanceRef, OdooBackupSchedule, OdooBackupScheduleSpec, OdooInstance};

use crate::commands::backup::destination::DestinationArgs;
use crate::commands::backup::flags::{VerifyArg, format_parser};
use crate::commands::write::{DryRun, WriteFlags, WriteHelp, apply, print_resource};
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::output::Printer;

/// Flags of `backup schedule`.
#[derive(clap::Args, Debug)]
#[command(write_help(
    "none: apply; client: print the schedule without sending it; server: have the API server validate it without storing it",
    "Output format of the schedule (table: `odoobackupschedule/NAME configured`)"
))]
pub struct ScheduleArgs {
    /// Name of the instance to back up.
    pub instance: String,
    /// Name of the schedule (default: the instance's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Cron expression, e.g. "0 3 * * *" (required when creating).
    #[arg(long, value_name = "EXPR")]
    pub cron: Option<String>,
    /// IANA time zone of the cron expression, e.g. Europe/Brussels (UTC by default).
    #[arg(long, value_name = "TZ")]
    pub time_zone: Option<String>,
    /// How many of the newest succeeded backups to keep (pruned ones are deleted
    /// with their archives; the newest verified and held ones always stay).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..=1000))]
    pub keep_last: Option<i32>,
    /// Also keep the newest backup of each of the last N days that have one.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..=1000))]
    pub keep_daily: Option<i32>,
    /// … of each of the last N ISO weeks.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..=1000))]
    pub keep_weekly: Option<i32>,
    /// … of each of the last N months.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..=1000))]
    pub keep_monthly: Option<i32>,
    /// … of each of the last N years.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..=100))]
    pub keep_yearly: Option<i32>,
    /// Keep succeeded backups younger than this even beyond --keep-last (e.g. 30d).
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Suspend the schedule (--suspend=false resumes it).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub suspend: Option<bool>,
    /// Archive format.
    #[arg(long, value_parser = format_parser())]
    pub format: Option<odoo_model::backup_job::BackupFormat>,
    /// Leave the filestore out (database only).
    #[arg(long)]
    pub no_filestore: bool,
    /// Check the stored backups before they count as Succeeded.
    #[arg(long, value_enum)]
    pub verify: Option<VerifyArg>,
    /// Verify only every Nth backup (with --verify's method).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub verify_every: Option<u32>,
    #[command(flatten)]
    pub destination: DestinationArgs,
    #[command(flatten)]
    pub write: WriteFlags,
}

/// The schedule: the existing spec (if any) with the given fields on top. Pure.
pub fn build(
    args: &ScheduleArgs,
    existing: Option<OdooBackupScheduleSpec>,
    template: Option<BackupTemplate>,
) -> Result<OdooBackupSchedule, CliError> {
    let name = args.name.clone().unwrap_or_else(|| args.instance.clone());
    let mut spec = match (existing, template) {
        (Some(spec), None) => spec,
        (Some(spec), Some(template)) => OdooBackupScheduleSpec { template, ..spec },
        (None, Some(template)) => OdooBackupScheduleSpec {
            instance_ref: InstanceRef {
                name: args.instance.clone(),
            },
            schedule: args.cron.clone().ok_or_else(|| {
                CliError::Usage(format!(
                    "odoobackupschedule/{name} does not exist yet: --cron is required"
                ))
            })?,
            template,
            keep_last: 7,
            keep_failed: 3,
            ..Default::default()
        },
        (None, None) => unreachable!("a new schedule always gets a template"),
    };
    if spec.instance_ref.name != args.instance {
        return Err(CliError::Usage(format!(
            "odoobackupschedule/{name} backs up odoo/{}, not odoo/{}",
            spec.instance_ref.name, args.instance
        )));
    }
    if let Some(cron) = &args.cron {
        spec.schedule = cron.clone();
    }
    if let Some(tz) = &args.time_zone {
        spec.time_zone = Some(tz.clone());
    }
    for (flag, field) in [
        (args.keep_last, &mut spec.keep_last),
        (args.keep_daily, &mut spec.keep_daily),
        (args.keep_weekly, &mut spec.keep_weekly),
        (args.keep_monthly, &mut spec.keep_monthly),
        (args.keep_yearly, &mut spec.keep_yearly),
    ] {
        if let Some(n) = flag {
            *field = n;
        }
    }
    if let Some(age) = &args.max_age {
        spec.max_age = Some(age.clone());
    }
    if let Some(suspend) = args.suspend {
        spec.suspend = suspend;
    }
    if let Some(format) = args.format {
        spec.template.format = format;
    }
    if args.no_filestore {
        spec.template.with_filestore = false;
    }
    if let Some(verify) = args.verify {
        spec.template.verify = verify.into();
    }
    if let Some(every) = args.verify_every {
        spec.verify_every = Some(every);
    }
    let mut schedule = OdooBackupSchedule::new(&name, spec);
    schedule
        .labels_mut()
        .insert(INSTANCE_LABEL.into(), args.instance.clone());
    Ok(schedule)
}

fn destination_given(d: &DestinationArgs) -> bool {
    d.s3.given() || d.pvc.is_some() || d.like.is_some() || d.key.is_some()
}

pub async fn run(ctx: &LazyCtx, args: ScheduleArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    crate::read::get(&instances, &args.instance, ns).await?;
    let name = args.name.clone().unwrap_or_else(|| args.instance.clone());
    let schedules: Api<OdooBackupSchedule> = Api::namespaced(ctx.client.clone(), ns);
    let existing = schedules
        .get_opt(&name)
        .await
        .map_err(CliError::api(format!("reading odoobackupschedule/{name}")))?;
    let verb = if existing.is_some() {
        "configured"
    } else {
        "created"
    };
    let template = if existing.is_none() || destination_given(&args.destination) {
        let destination = args
            .destination
            .resolve(&ctx.client, ns, &args.instance)
            .await?;
        let old = existing.as_ref().map(|s| s.spec.template.clone());
        Some(BackupTemplate {
            destination,
            ..old.unwrap_or(BackupTemplate {
                with_filestore: true,
                ..Default::default()
            })
        })
    } else {
        None
    };
    let mut schedule = build(&args, existing.map(|s| s.spec), template)?;
    if args.write.dry_run == DryRun::Client {
        return print_resource(printer, &schedule, &format!("{verb} (dry run)"));
    }
    schedule.metadata.namespace = Some(ns.clone());
    let applied = apply(&ctx.client, ns, &schedule, args.write.dry_run).await?;
    let verb = match args.write.dry_run {
        DryRun::Server => format!("{verb} (server dry run)"),
        _ => verb.to_owned(),
    };
    print_resource(printer, &applied, &verb)
}
