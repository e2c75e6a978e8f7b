//! `kubectl odoo stop NAME`: scale the web pods to zero (the operator stops cron
//! too), remembering the replicas so `kubectl odoo start` can restore them.

use kube::ResourceExt;
use odoo_model::{InstancePhase, OdooInstance};
use serde_json::Value;

use crate::commands::change::{self, Planned};
use crate::commands::wait::{self, WaitArgs};
use crate::commands::write::{DryRun, WriteFlags, WriteHelp};
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::fleet::{self, Target};
use crate::output::Printer;

/// Annotation holding the web replicas an instance had when it was stopped.
pub const REPLICAS_BEFORE_STOP: &str = "odoo-operator.dev/replicas-before-stop";

/// Flags of `stop`.
#[derive(clap::Args, Debug)]
#[command(
    write_help(
        "none: stop it; client: print the change without sending it; server: have the API server validate the change without storing it",
        "Output format of the changed object (table: `odoo/NAME stopped`)"
    ),
    wait_flags_last()
)]
pub struct StopArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub write: WriteFlags,
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// The apply request that stops `instance`, with the web replicas it had. Pure,
/// so it is unit-tested.
pub fn plan(instance: &OdooInstance) -> Planned<i32> {
    let before = instance.spec.replicas;
    if before == 0 {
        let name = instance.name_any();
        return Planned::Nothing(format!(
            "odoo/{name} is already stopped (0 web replicas); nothing to do."
        ));
    }
    let mut body = change::applied_config(instance);
    change::set(&mut body, &["spec", "replicas"], Value::from(0));
    change::set(
        &mut body,
        &["metadata", "annotations", REPLICAS_BEFORE_STOP],
        Value::String(before.to_string()),
    );
    Planned::Apply(before, body)
}

pub async fn run(ctx: &LazyCtx, args: StopArgs, printer: &Printer) -> Result<(), CliError> {
    args.target.check("stop")?;
    let done = if args.wait.wait { "Stopped" } else { "Applied" };
    let ctx = ctx.get().await?;
    let work = |ctx, printer, name| stop(ctx, printer, name, &args);
    fleet::one_or_many(ctx, printer, &args.target, done, "stop", work).await
}

/// Stops one instance and, with --wait, waits until it is Stopped; what happened,
/// in a few words.
async fn stop(
    ctx: Ctx,
    printer: Printer,
    name: String,
    args: &StopArgs,
) -> Result<String, CliError> {
    let dry_run = args.write.dry_run;
    let planned = change::apply_planned(&ctx, &printer, &name, dry_run, |i| Ok(plan(i))).await?;
    let (before, written) = match planned {
        Ok(done) => done,
        Err(nothing) => return Ok(nothing),
    };
    change::print(&printer, &name, &written, &change::verb("stopped", dry_run))?;
    if dry_run == DryRun::None {
        printer.note_unless_fleet(&format!(
            "The operator scales web and cron to zero. `kubectl odoo start {name}` restores {before} web replica(s)."
        ));
    }
    let stopped = InstancePhase::Stopped.to_string();
    wait::after_write(&ctx, &printer, &args.wait, dry_run, &name, &stopped).await?;
    Ok(format!("{before} web replica(s) remembered"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::change::tests::created_by_plugin;
    use serde_json::json;

    #[test]
    fn stopping_sets_zero_and_remembers_the_replicas() {
        let Planned::Apply(before, body) = plan(&created_by_plugin(3)) else {
            panic!("a running instance is stopped");
        };
        assert_eq!(before, 3);
        assert_eq!(body["spec"]["replicas"], json!(0));
        assert_eq!(
            body["metadata"]["annotations"][REPLICAS_BEFORE_STOP],
            json!("3")
        );
        // What the plugin applied before (create's hosts) is kept in the request.
        assert_eq!(body["spec"]["ingress"]["hosts"], json!(["erp.example.com"]));
        // Fields of other managers are not claimed.
        assert!(body["spec"].get("image").is_none());
    }

    #[test]
    fn a_stopped_instance_is_left_alone() {
        let Planned::Nothing(why) = plan(&created_by_plugin(0)) else {
            panic!("a stopped instance is left alone");
        };
        assert!(why.ends_with("is already stopped (0 web replicas); nothing to do."));
    }
}
