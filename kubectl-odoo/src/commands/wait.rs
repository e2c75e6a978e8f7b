//! `--wait` on the commands that change an instance (create, stop, start, scale):
//! after the write, the same watch as `kubectl odoo status NAME --for=…`, so the exit
//! code tells a script whether the change took effect (0), failed (3) or timed out
//! (4). Success counts only once the operator observed the generation written.

use std::time::Duration;

use odoo_model::InstancePhase;

use crate::commands::status;
use crate::commands::write::DryRun;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::Printer;

/// The flags.
#[derive(clap::Args, Debug, Clone)]
pub struct WaitArgs {
    /// Follow the instance live until the change took effect; exit 3 if it reaches
    /// a failed phase, 4 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 90s, 5m).
    #[arg(long, value_parser = crate::duration::parse_duration, default_value = "10m", requires = "wait")]
    pub timeout: Duration,
}

/// Waits for `name` to reach `target` (`ready`, `terminal` or a phase) when asked;
/// never for a dry run, which changed nothing. One instance is followed with the live
/// view of `status --watch`; one of a fleet command's, with a line per change.
pub async fn after_write(
    ctx: &Ctx,
    printer: &Printer,
    args: &WaitArgs,
    dry_run: DryRun,
    name: &str,
    target: &str,
) -> Result<(), CliError> {
    if !args.wait || dry_run != DryRun::None {
        return Ok(());
    }
    if printer.fleet {
        return status::wait(ctx, printer, name, target, args.timeout).await;
    }
    // The live view of `status --watch`, whatever -o the write was printed with.
    let view = Printer {
        format: OutputFormat::Table,
        ..*printer
    };
    let first = crate::watch::collect(&ctx.client, &ctx.namespace, name).await?;
    status::follow_one(ctx, &view, name, Some(target), args.timeout, first).await
}

/// What a change to `replicas` web pods waits for.
pub fn target_for(replicas: i32) -> String {
    if replicas == 0 {
        InstancePhase::Stopped.to_string()
    } else {
        "ready".into()
    }
}
