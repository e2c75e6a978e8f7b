//! `kubectl odoo start NAME [--replicas N]`: bring a stopped instance back with the
//! web replicas it had before `kubectl odoo stop` (1 when unknown).

use kube::ResourceExt;

use odoo_model::OdooInstance;
use serde_json::Value;

use crate::commands::change::{self, Planned};
use crate::commands::stop::REPLICAS_BEFORE_STOP;
use crate::commands::wait::{self, WaitArgs};
use crate::commands::write::{WriteFlags, WriteHelp};
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::fleet::{self, Target};
use crate::output::Printer;

/// Flags of `start`.
#[derive(clap::Args, Debug)]
#[command(
    write_help(
        "none: start it; client: print the change without sending it; server: have the API server validate the change without storing it",
        "Output format of the changed object (table: `odoo/NAME started`)"
    ),
    wait_flags_last()
)]
pub struct StartArgs {
    #[command(flatten)]
    pub target: Target,
    /// Web pods to start (default: the replicas before `kubectl odoo stop`, else 1).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub replicas: Option<i32>,
    #[command(flatten)]
    pub write: WriteFlags,
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// Where the replicas to start with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Remembered,
    Default,
}

/// The outcome of a start, for the messages.
#[derive(Debug, PartialEq)]
pub struct Started {
    pub replicas: i32,
    pub source: Source,
    /// The remembered value, when it was not a replica count (it is dropped).
    pub unreadable: Option<String>,
    /// It was running already and --replicas changed the count.
    pub was_running: bool,
}

/// The apply request that starts `instance`. Pure, so it is unit-tested.
pub fn plan(instance: &OdooInstance, requested: Option<i32>) -> Result<Planned<Started>, CliError> {
    if let Some(n) = requested.filter(|n| *n < 1) {
        return Err(CliError::Usage(format!(
            "--replicas must be at least 1 to start an instance, got {n} (kubectl odoo stop scales to 0)"
        )));
    }
    let current = instance.spec.replicas;
    if current > 0 && requested.is_none_or(|n| n == current) {
        let name = instance.name_any();
        return Ok(Planned::Nothing(format!(
            "odoo/{name} is already running ({current} web replica(s)); nothing to do."
        )));
    }
    let remembered = instance.annotations().get(REPLICAS_BEFORE_STOP);
    let parsed = remembered.and_then(|r| r.trim().parse::<i32>().ok().filter(|n| *n > 0));
    let unreadable = remembered.filter(|_| parsed.is_none()).cloned();
    let (replicas, source) = match (requested, parsed) {
        (Some(n), _) => (n, Source::Flag),
        (None, Some(n)) => (n, Source::Remembered),
        (None, None) => (1, Source::Default),
    };
    let mut body = change::applied_config(instance);
    change::set(&mut body, &["spec", "replicas"], Value::from(replicas));
    // Drop the plugin's claim on the annotation, which removes it. (Set by someone
    // else, it stays; a later stop overwrites it.)
    change::remove(
        &mut body,
        &["metadata", "annotations", REPLICAS_BEFORE_STOP],
    );
    let started = Started {
        replicas,
        source,
        unreadable,
        was_running: current > 0,
    };
    Ok(Planned::Apply(started, body))
}

pub async fn run(ctx: &LazyCtx, args: StartArgs, printer: &Printer) -> Result<(), CliError> {
    args.target.check("start")?;
    let done = if args.wait.wait { "Ready" } else { "Applied" };
    let ctx = ctx.get().await?;
    let work = |ctx, printer, name| start(ctx, printer, name, &args);
    fleet::one_or_many(ctx, printer, &args.target, done, "start", work).await
}

/// Starts one instance and, with --wait, waits until it is ready; what happened, in
/// a few words.
async fn start(
    ctx: Ctx,
    printer: Printer,
    name: String,
    args: &StartArgs,
) -> Result<String, CliError> {
    let dry_run = args.write.dry_run;
    let planned = change::apply_planned(&ctx, &printer, &name, dry_run, |i| plan(i, args.replicas));
    let (started, written) = match planned.await? {
        Ok(done) => done,
        Err(nothing) => return Ok(nothing),
    };
    if let Some(value) = &started.unreadable {
        printer.warn(&format!(
            "odoo/{name}: annotation {REPLICAS_BEFORE_STOP}={value:?} is not a replica count; ignoring it"
        ));
    }
    let verb = if started.was_running {
        "scaled"
    } else {
        "started"
    };
    change::print(&printer, &name, &written, &change::verb(verb, dry_run))?;
    let why = match started.source {
        Source::Flag => "as requested",
        Source::Remembered => "as before kubectl odoo stop",
        Source::Default => "none remembered",
    };
    let message = format!("{} web replica(s), {why}", started.replicas);
    printer.note_unless_fleet(&format!("{message}."));
    let ready = wait::target_for(started.replicas);
    wait::after_write(&ctx, &printer, &args.wait, dry_run, &name, &ready).await?;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::change::tests::created_by_plugin;
    use crate::commands::stop;
    use serde_json::json;

    /// The instance as stored after `stop` applied its request.
    fn stopped(annotation: Option<&str>) -> OdooInstance {
        let mut i = created_by_plugin(0);
        if let Some(a) = annotation {
            i.annotations_mut()
                .insert(REPLICAS_BEFORE_STOP.into(), a.into());
        }
        i
    }

    #[test]
    fn start_restores_what_stop_remembered() {
        let Planned::Apply(_, body) = stop::plan(&created_by_plugin(3)) else {
            panic!("stops");
        };
        let remembered = body["metadata"]["annotations"][REPLICAS_BEFORE_STOP]
            .as_str()
            .map(str::to_owned);
        let Ok(Planned::Apply(started, body)) = plan(&stopped(remembered.as_deref()), None) else {
            panic!("starts");
        };
        assert_eq!((started.replicas, started.source), (3, Source::Remembered));
        assert_eq!(body["spec"]["replicas"], json!(3));
        assert!(
            change::get_path(&body, &["metadata", "annotations", REPLICAS_BEFORE_STOP]).is_none()
        );
        assert_eq!(body["spec"]["ingress"]["hosts"], json!(["erp.example.com"]));
    }

    #[test]
    fn the_flag_wins_and_one_is_the_default() {
        let Ok(Planned::Apply(started, _)) = plan(&stopped(Some("3")), Some(5)) else {
            panic!("starts");
        };
        assert_eq!((started.replicas, started.source), (5, Source::Flag));
        let Ok(Planned::Apply(started, _)) = plan(&stopped(Some("lots")), None) else {
            panic!("starts");
        };
        assert_eq!((started.replicas, started.source), (1, Source::Default));
        assert_eq!(started.unreadable.as_deref(), Some("lots"));
    }

    #[test]
    fn running_instances_and_bad_counts() {
        let Ok(Planned::Nothing(why)) = plan(&created_by_plugin(2), None) else {
            panic!("a running instance is left alone");
        };
        assert!(why.ends_with("is already running (2 web replica(s)); nothing to do."));
        let err = plan(&stopped(None), Some(0)).expect_err("zero does not start");
        assert_eq!(err.exit_code(), 2);
    }
}
