//! `kubectl odoo migrate-cluster NAME --to CLUSTER`: an OdooClusterMigration, after
//! showing the plan (from ⇒ to) and confirming; `--wait` follows its steps
//! (PreChecks, Stopping, Copying, Verifying, Switching, Starting) live.

use std::time::Duration;

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::labels::INSTANCE_LABEL;
use odoo_model::{InstanceRef, OdooClusterMigration, OdooClusterMigrationSpec, OdooInstance};

use crate::commands::write::{DryRun, name_stamp, submit};
use crate::confirm::confirm_plan;
use crate::ctx::LazyCtx;
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::limits;
use crate::output::Printer;

/// Flags of `migrate-cluster`.
#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// Name of the instance.
    pub name: String,
    /// Target PostgreSQL cluster (a name from the operator's pg-clusters Secret).
    #[arg(long, value_name = "CLUSTER", value_parser = limits::cluster)]
    pub to: String,
    /// Drop the source database once the instance runs on the target.
    #[arg(long)]
    pub drop_source_after: bool,
    /// Do not ask for confirmation (required when no one can answer a prompt).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Follow the migration until it ends; exit 3 if it fails or rolls back, 4 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 2h).
    #[arg(long, value_parser = parse_duration, default_value = "2h")]
    pub timeout: Duration,
    /// none: migrate; client: print the migration without sending it; server: have
    /// the API server validate it without storing it.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: DryRun,
    /// Output format of the created migration.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// The migration resource. Pure.
pub fn build(args: &MigrateArgs, now: k8s_openapi::jiff::Timestamp) -> OdooClusterMigration {
    let mut migration = OdooClusterMigration::new(
        &format!("{}-migrate-{}", args.name, name_stamp(now)),
        OdooClusterMigrationSpec {
            instance_ref: InstanceRef {
                name: args.name.clone(),
            },
            target_cluster: args.to.clone(),
            drop_source_after: args.drop_source_after,
        },
    );
    migration
        .labels_mut()
        .insert(INSTANCE_LABEL.into(), args.name.clone());
    migration
}

pub async fn run(ctx: &LazyCtx, args: MigrateArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    let instance = crate::read::get(&instances, &args.name, ns).await?;
    let from = instance
        .spec
        .database
        .cluster
        .clone()
        .unwrap_or_else(|| "default".into());
    if from == args.to {
        return Err(CliError::Precondition(format!(
            "odoo/{} already runs on cluster {from}",
            args.name
        )));
    }
    let plan = format!(
        "Migration plan for odoo/{} in namespace {ns}:\n  database cluster: {from} ⇒ {}\n  the instance is stopped while the database is copied and verified, then started on {}\n  source database: {}",
        args.name,
        args.to,
        args.to,
        if args.drop_source_after {
            "dropped once the instance runs on the target"
        } else {
            "kept on the source cluster"
        }
    );
    confirm_plan(
        printer,
        args.yes,
        args.dry_run == DryRun::None,
        &plan,
        &args.name,
        &format!("migrating odoo/{} stops it during the copy", args.name),
    )
    .await?;
    let migration = build(&args, k8s_openapi::jiff::Timestamp::now());
    submit(
        ctx,
        printer,
        migration,
        args.dry_run,
        args.wait.then_some(args.timeout),
    )
    .await
}
