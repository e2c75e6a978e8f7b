//! `kubectl odoo upgrade NAME --image IMAGE`: an OdooUpgradeJob that runs
//! `odoo --update` with the new image while the old one keeps serving; the operator
//! rolls the new image out only when it succeeded. `--wait` follows the job through
//! the watch engine and exits 0 when it succeeded, 3 when it failed, 4 on timeout.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::Api;
use odoo_model::upgrade_job::UpgradeMode;
use odoo_model::{InstanceRef, OdooInstance, OdooUpgradeJob, OdooUpgradeJobSpec};

use crate::cli::{GlobalArgs, OutputFormat, parse_duration};
use crate::commands::{DryRun, change, print_resource, submit};
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::Printer;

/// Flags of `upgrade`.
#[derive(clap::Args, Debug)]
pub struct UpgradeArgs {
    /// Name of the instance.
    pub name: String,
    /// Target image, pinned to a tag or digest (the current image when omitted:
    /// re-run module updates).
    #[arg(long)]
    pub image: Option<String>,
    /// Modules to update, comma-separated (every installed module when omitted).
    #[arg(long, value_delimiter = ',')]
    pub modules: Vec<String>,
    /// Stop the web pods during the upgrade instead of serving the old image.
    #[arg(long)]
    pub maintenance: bool,
    /// Start no earlier than this time (RFC 3339, e.g. 2026-12-01T02:00:00Z).
    #[arg(long, value_parser = parse_time)]
    pub at: Option<Time>,
    /// Follow the upgrade until it ends; exit 3 if it fails, 4 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 30m).
    #[arg(long, value_parser = parse_duration, default_value = "30m")]
    pub timeout: Duration,
    /// none: upgrade; client: print the job without sending it; server: have the API
    /// server validate it without storing it.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: DryRun,
    /// Output format of the created job (table: `odooupgradejob/NAME created`).
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
}

fn parse_time(s: &str) -> Result<Time, String> {
    s.parse::<k8s_openapi::jiff::Timestamp>()
        .map(Time)
        .map_err(|e| format!("invalid time {s:?}: {e}; write it like 2026-12-01T02:00:00Z"))
}

/// The job resource for `args`, named after the instance and the moment. Pure.
pub fn build(args: &UpgradeArgs, now: k8s_openapi::jiff::Timestamp) -> OdooUpgradeJob {
    let name = format!("{}-upgrade-{}", args.name, crate::commands::name_stamp(now));
    OdooUpgradeJob::new(
        &name,
        OdooUpgradeJobSpec {
            instance_ref: InstanceRef {
                name: args.name.clone(),
            },
            image: args.image.clone(),
            modules: args.modules.clone(),
            mode: if args.maintenance {
                UpgradeMode::Maintenance
            } else {
                UpgradeMode::Online
            },
            scheduled_at: args.at.clone(),
        },
    )
}

pub async fn run(global: &GlobalArgs, args: UpgradeArgs) -> Result<(), CliError> {
    let printer = Printer::new(args.output.unwrap_or(OutputFormat::Table), global.color);
    let job = build(&args, k8s_openapi::jiff::Timestamp::now());
    if args.dry_run == DryRun::Client {
        return print_resource(&printer, &job, "created (dry run)");
    }
    let ctx = Ctx::resolve(global).await?;
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    change::get(&instances, &args.name, ns).await?;
    submit(
        &ctx,
        &printer,
        job,
        args.dry_run,
        args.wait.then_some(args.timeout),
        &format!("kubectl odoo status {} -n {ns} --watch", args.name),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use kube::ResourceExt;

    fn parse(args: &[&str]) -> UpgradeArgs {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: UpgradeArgs,
        }
        Wrapper::parse_from(std::iter::once("upgrade").chain(args.iter().copied())).args
    }

    #[test]
    fn flags_become_the_job() {
        let args = parse(&[
            "shop",
            "--image",
            "odoo:18.0-20260101",
            "--modules",
            "sale,stock",
            "--maintenance",
            "--at",
            "2026-12-01T02:00:00Z",
        ]);
        let now: k8s_openapi::jiff::Timestamp = "2026-11-25T10:00:00Z".parse().expect("time");
        let job = build(&args, now);
        assert_eq!(job.name_any(), "shop-upgrade-20261125100000");
        assert_eq!(job.spec.instance_ref.name, "shop");
        assert_eq!(job.spec.image.as_deref(), Some("odoo:18.0-20260101"));
        assert_eq!(job.spec.modules, ["sale", "stock"]);
        assert_eq!(job.spec.mode, UpgradeMode::Maintenance);
        assert!(job.spec.scheduled_at.is_some());
    }

    #[test]
    fn a_bad_time_is_a_usage_error() {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: UpgradeArgs,
        }
        let err = Wrapper::try_parse_from(["upgrade", "shop", "--at", "tomorrow"])
            .err()
            .expect("refused");
        assert!(err.to_string().contains("2026-12-01T02:00:00Z"), "{err}");
    }
}
