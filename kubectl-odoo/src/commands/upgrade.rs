//! `kubectl odoo upgrade NAME --image IMAGE`: an OdooUpgradeJob that runs
//! `odoo --update` with the new image, on a copy of the database by default
//! (strategy Copy) or on the live one (`--strategy InPlace`); the operator rolls
//! the new image out only when it succeeded. `--rehearse` upgrades a copy of the
//! running database and drops it, recording the outcome on the instance; the plan
//! printed before a real upgrade shows the last rehearsal. `--wait` follows the job
//! through the watch engine, then (a real upgrade) the instance until it serves the
//! target with every pod rolled out, and exits 0 when it does, 3 when the job failed
//! or the rollout was rolled back, 4 on timeout.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::api::Api;
use odoo_model::instance::MAX_MODULES;
use odoo_model::restore_job::PreviousDatabase;
use odoo_model::upgrade_job::{UpgradeMode, UpgradeStrategy};
use odoo_model::{InstanceRef, OdooInstance, OdooUpgradeJob, OdooUpgradeJobSpec};

use crate::commands::write::{DryRun, print_resource, submit};
use crate::confirm;
use crate::ctx::{Ctx, LazyCtx};
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::fleet::{self, Selection};
use crate::format::OutputFormat;
use crate::limits;
use crate::output::Printer;

/// Flags of `upgrade`.
#[derive(clap::Args, Debug)]
pub struct UpgradeArgs {
    /// Name of the instance (or -l/-A to upgrade several, one at a time unless
    /// --max-parallel says more).
    pub name: Option<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Target image, pinned to a tag or digest (the current image when omitted:
    /// re-run module updates).
    #[arg(long)]
    pub image: Option<String>,
    /// Modules to update, comma-separated (every installed module when omitted).
    #[arg(long, value_delimiter = ',', value_parser = limits::module)]
    pub modules: Vec<String>,
    /// Stop the web pods during an InPlace upgrade instead of serving the old image
    /// (a Copy upgrade always stops them).
    #[arg(long)]
    pub maintenance: bool,
    /// Copy: update a copy, switch to it only on success. InPlace: update the live
    /// database (a failure halfway leaves it partly updated). The instance's
    /// autoUpgrade.strategy when omitted.
    #[arg(long, value_parser = parse_strategy)]
    pub strategy: Option<UpgradeStrategy>,
    /// Upgrade a copy of the running database and drop it: no downtime, nothing
    /// changes on the instance; the outcome is recorded on it.
    #[arg(long, conflicts_with_all = ["maintenance", "drop_previous"])]
    pub rehearse: bool,
    /// Drop the previous database and files once the upgraded copy is in place
    /// (kept as <database>_pre_upgrade_<time> by default).
    #[arg(long)]
    pub drop_previous: bool,
    /// Upgrade several instances (-l, -A) without asking; needed when nobody can
    /// confirm at a terminal. One named instance is upgraded without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
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

fn parse_strategy(s: &str) -> Result<UpgradeStrategy, String> {
    match s.to_ascii_lowercase().as_str() {
        "copy" => Ok(UpgradeStrategy::Copy),
        "inplace" | "in-place" => Ok(UpgradeStrategy::InPlace),
        _ => Err(format!("unknown strategy {s:?}; use Copy or InPlace")),
    }
}

fn parse_time(s: &str) -> Result<Time, String> {
    s.parse::<k8s_openapi::jiff::Timestamp>()
        .map(Time)
        .map_err(|e| format!("invalid time {s:?}: {e}; write it like 2026-12-01T02:00:00Z"))
}

/// The job resource upgrading `instance` as `args` say, named after the instance and
/// the moment. Pure.
pub fn build(
    args: &UpgradeArgs,
    instance: &str,
    now: k8s_openapi::jiff::Timestamp,
) -> OdooUpgradeJob {
    let kind = if args.rehearse {
        "rehearsal"
    } else {
        "upgrade"
    };
    let name = format!(
        "{instance}-{kind}-{}",
        crate::commands::write::name_stamp(now)
    );
    OdooUpgradeJob::new(
        &name,
        OdooUpgradeJobSpec {
            instance_ref: InstanceRef {
                name: instance.to_owned(),
            },
            image: args.image.clone(),
            modules: args.modules.clone(),
            mode: if args.maintenance {
                UpgradeMode::Maintenance
            } else {
                UpgradeMode::Online
            },
            scheduled_at: args.at.clone(),
            strategy: if args.rehearse { None } else { args.strategy },
            rehearsal: args.rehearse,
            previous_database: if args.drop_previous {
                PreviousDatabase::Drop
            } else {
                PreviousDatabase::Keep
            },
        },
    )
}

/// What the upgrade will do, in lines for the terminal: the images, the strategy
/// and the last rehearsal (or a suggestion to rehearse). Pure.
pub fn plan(instance: &OdooInstance, job: &OdooUpgradeJob) -> Vec<String> {
    let status = instance.status.clone().unwrap_or_default();
    let running = status.image.clone().unwrap_or_else(|| "?".into());
    let target = job.target_of(instance);
    let name = &job.spec.instance_ref.name;
    let database = status.database.clone().unwrap_or_else(|| name.clone());
    if job.spec.rehearsal {
        return vec![format!(
            "rehearsal: {database} is copied while {name} keeps serving {running}, the copy is updated to {target}, then dropped; nothing changes on {name}"
        )];
    }
    let strategy = job
        .spec
        .strategy
        .unwrap_or(instance.spec.auto_upgrade.strategy);
    let how = match strategy {
        UpgradeStrategy::Copy => format!(
            "strategy Copy: {name} stops, {database} is copied and the copy updated; it replaces {database} only if the update succeeds"
        ),
        UpgradeStrategy::InPlace => format!(
            "strategy InPlace: {database} is updated while it serves; a failure halfway leaves it partly updated"
        ),
    };
    let rehearsed = match &status.last_rehearsal {
        Some(r) if r.image == target => r.describe(),
        Some(r) => format!(
            "not rehearsed with {target} (last rehearsal: {}); kubectl odoo upgrade {name} --image {target} --rehearse",
            r.describe()
        ),
        None => format!(
            "not rehearsed; kubectl odoo upgrade {name} --image {target} --rehearse tries it on a copy first"
        ),
    };
    vec![
        format!("upgrade {name}: {running} → {target}"),
        format!("  {how}"),
        format!("  {rehearsed}"),
    ]
}

pub async fn run(ctx: &LazyCtx, args: UpgradeArgs, printer: &Printer) -> Result<(), CliError> {
    args.selection.check(args.name.as_deref(), "upgrade")?;
    limits::at_most("--modules", &args.modules, MAX_MODULES)?;
    let Some(name) = args.name.clone() else {
        return run_fleet(ctx.get().await?, args, printer).await;
    };
    let job = build(&args, &name, k8s_openapi::jiff::Timestamp::now());
    if args.dry_run == DryRun::Client {
        return print_resource(printer, &job, "created (dry run)");
    }
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    let instance = crate::read::get(&instances, &name, ns).await?;
    for line in plan(&instance, &job) {
        printer.note(&line);
    }
    // What must serve once the job succeeded: a real upgrade's `--wait` lasts until
    // it does, since a rollout whose pods never get ready is rolled back after the
    // job's success.
    let serves = (!job.spec.rehearsal && args.dry_run == DryRun::None)
        .then(|| job.spec.image.clone().or(instance.spec.image.clone()))
        .flatten();
    submit(
        ctx,
        printer,
        job,
        args.dry_run,
        args.wait.then_some(args.timeout),
    )
    .await?;
    match serves {
        Some(image) if args.wait => {
            let view = Printer {
                format: crate::format::OutputFormat::Table,
                ..*printer
            };
            let first = crate::watch::collect(&ctx.client, ns, &name).await?;
            let until = crate::commands::status::rolled_out(&image);
            crate::commands::status::follow_one(
                ctx,
                &view,
                &name,
                Some(&until),
                args.timeout,
                first,
            )
            .await
        }
        _ => Ok(()),
    }
}

/// `upgrade -l SELECTOR` / `-A`: every plan shown and confirmed once, then one job
/// per instance, `--max-parallel` at a time (1 by default: an upgrade stops its
/// instance), and with `--wait` the summary.
async fn run_fleet(ctx: &Ctx, args: UpgradeArgs, printer: &Printer) -> Result<(), CliError> {
    let instances = args.selection.instances(ctx).await?;
    let now = k8s_openapi::jiff::Timestamp::now();
    let parallel = args.selection.parallel(1);
    let mut lines = Vec::new();
    for instance in &instances {
        lines.extend(plan(instance, &build(&args, &instance.name_any(), now)));
    }
    let count = instances.len();
    lines.push(format!(
        "{count} instance(s), {parallel} at a time{}",
        if args.wait {
            ""
        } else {
            " (without --wait, all jobs are created now and the operator runs them)"
        }
    ));
    // Shown in every case: on a terminal before the question, in a CI log as the
    // record of what was asked for.
    for line in &lines {
        printer.note(line);
    }
    if args.dry_run == DryRun::None {
        let unattended = format!(
            "upgrading {count} instances needs --yes when nobody can confirm at a terminal"
        );
        confirm::confirm(
            printer,
            args.yes,
            "",
            "the number of instances",
            &count.to_string(),
            unattended,
        )
        .await?;
    }
    let quiet = printer.for_fleet();
    let wait = args.wait.then_some(args.timeout);
    let done = if args.wait { "Succeeded" } else { "Created" };
    let reports = fleet::run(
        printer,
        &args.selection,
        instances,
        parallel,
        done,
        |instance| {
            let ns = instance.namespace().unwrap_or_default();
            let ctx = ctx.in_namespace(&ns);
            let name = instance.name_any();
            let job = build(&args, &name, now);
            let job_name = job.name_any();
            async move {
                submit(&ctx, &quiet, job, args.dry_run, wait).await?;
                Ok(format!("odooupgradejob/{job_name}"))
            }
        },
    )
    .await?;
    fleet::finish(printer, "upgrade", &reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_flags;

    #[test]
    fn flags_become_the_job() {
        let args = test_flags::flags(
            "shop --image odoo:18.0-20260101 --modules sale,stock --maintenance --at 2026-12-01T02:00:00Z",
        );
        let now: k8s_openapi::jiff::Timestamp = "2026-11-25T10:00:00Z".parse().expect("time");
        let job = build(&args, "shop", now);
        assert_eq!(job.name_any(), "shop-upgrade-20261125100000");
        assert_eq!(job.spec.instance_ref.name, "shop");
        assert_eq!(job.spec.image.as_deref(), Some("odoo:18.0-20260101"));
        assert_eq!(job.spec.modules, ["sale", "stock"]);
        assert_eq!(job.spec.mode, UpgradeMode::Maintenance);
        assert!(job.spec.scheduled_at.is_some());
    }

    fn instance(rehearsed: Option<(&str, bool)>) -> OdooInstance {
        let mut i: OdooInstance = serde_json::from_value(serde_json::json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": "shop" },
            "spec": { "image": "odoo:18.0-1" },
            "status": { "image": "odoo:18.0-1", "database": "shop" },
        }))
        .expect("instance");
        if let (Some((image, succeeded)), Some(s)) = (rehearsed, i.status.as_mut()) {
            s.last_rehearsal = Some(odoo_model::instance::Rehearsal {
                job: "r".into(),
                image: image.into(),
                succeeded,
                finished_at: Time("2026-11-30T10:00:00Z".parse().expect("time")),
                duration_seconds: Some(252),
                message: None,
            });
        }
        i
    }

    #[test]
    fn the_plan_names_the_strategy_and_the_last_rehearsal_of_the_target() {
        let now: k8s_openapi::jiff::Timestamp = "2026-12-01T10:00:00Z".parse().expect("time");
        let job = build(&test_flags::flags("shop --image odoo:19.0-2"), "shop", now);
        let plan = plan(&instance(Some(("odoo:19.0-2", true))), &job).join("\n");
        assert!(plan.contains("odoo:18.0-1 → odoo:19.0-2"), "{plan}");
        assert!(plan.contains("strategy Copy"), "{plan}");
        assert!(
            plan.contains("rehearsed odoo:19.0-2 2026-11-30 10:00 UTC in 4m12s, succeeded"),
            "{plan}"
        );
        let plan = plan_of(&instance(Some(("odoo:19.0-1", false))), &job);
        assert!(plan.contains("not rehearsed with odoo:19.0-2"), "{plan}");
        let plan = plan_of(&instance(None), &job);
        assert!(plan.contains("--rehearse"), "{plan}");
        let in_place = build(
            &test_flags::flags("shop --image odoo:19.0-2 --strategy InPlace"),
            "shop",
            now,
        );
        assert!(plan_of(&instance(None), &in_place).contains("partly updated"));
    }

    fn plan_of(i: &OdooInstance, job: &OdooUpgradeJob) -> String {
        plan(i, job).join("\n")
    }

    #[test]
    fn a_rehearsal_is_its_own_job_that_copies() {
        let now: k8s_openapi::jiff::Timestamp = "2026-12-01T10:00:00Z".parse().expect("time");
        let job = build(
            &test_flags::flags("shop --image odoo:19.0-2 --rehearse"),
            "shop",
            now,
        );
        assert!(job.spec.rehearsal);
        assert_eq!(job.name_any(), "shop-rehearsal-20261201100000");
        assert!(plan_of(&instance(None), &job).contains("nothing changes on shop"));
        assert!(test_flags::parse::<UpgradeArgs>("shop --rehearse --drop-previous").is_err());
        let err =
            test_flags::parse::<UpgradeArgs>("shop --strategy sideways").expect_err("refused");
        assert!(err.to_string().contains("Copy or InPlace"), "{err}");
        let modules = test_flags::refused::<UpgradeArgs>("shop --modules sale,web-site");
        assert!(modules.contains("'web-site'"), "{modules}");
        assert!(
            modules.contains("not a module's technical name"),
            "{modules}"
        );
    }

    #[test]
    fn a_bad_time_is_a_usage_error() {
        let err = test_flags::parse::<UpgradeArgs>("shop --at tomorrow").expect_err("refused");
        assert!(err.to_string().contains("2026-12-01T02:00:00Z"), "{err}");
    }
}
