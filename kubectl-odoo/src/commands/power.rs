//! `kubectl odoo stop NAME`: scale the web pods to zero (the operator stops cron
//! too), remembering the replicas so `kubectl odoo start NAME [--replicas N]` can
//! bring the instance back with them (1 when unknown).
//!
//! The two commands are one operation, setting the web replicas with the annotation
//! that remembers them: they differ only in their pure plan and its words, so they
//! share one run and one change of an instance.

use kube::ResourceExt;
use odoo_model::OdooInstance;
use serde_json::Value;

use crate::commands::change::{self, Planned};
use crate::commands::wait::{self, WaitArgs};
use crate::commands::write::{DryRun, WriteFlags, WriteHelp};
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::fleet::{self, Target};
use crate::limits;
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
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = limits::start_replicas)]
    pub replicas: Option<i32>,
    #[command(flatten)]
    pub write: WriteFlags,
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// Which way an instance is switched: the command, with what its plan needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// `start`, with the web replicas asked for.
    Start {
        replicas: Option<i32>,
    },
    Stop,
}

/// What a planned start or stop means, for the messages.
#[derive(Debug, PartialEq)]
pub struct Switched {
    /// The web replicas the change sets.
    pub replicas: i32,
    /// What it did to the instance: `odoo/NAME VERB`.
    pub verb: &'static str,
    /// The instance's outcome in a few words (a fleet's summary).
    pub outcome: String,
    /// Said after the change is printed.
    pub note: Note,
    /// Said before the change is printed.
    pub warning: Option<String>,
}

/// A note said after a change (never in a fleet, whose summary says the outcome).
#[derive(Debug, PartialEq)]
pub enum Note {
    /// True of the request, so said in a dry run too.
    Always(String),
    /// What follows once the change is stored: not said in a dry run.
    OnceApplied(String),
}

impl Note {
    fn said(&self, dry_run: DryRun) -> Option<&str> {
        match self {
            Note::Always(note) => Some(note),
            Note::OnceApplied(note) => (dry_run == DryRun::None).then_some(note.as_str()),
        }
    }
}

impl Switch {
    /// The command's name, for its errors and a fleet's summary.
    fn command(self) -> &'static str {
        match self {
            Switch::Start { .. } => "start",
            Switch::Stop => "stop",
        }
    }

    /// A fleet's word for an instance done: the phase waited for, or applied.
    fn done(self, waited: bool) -> &'static str {
        match (self, waited) {
            (_, false) => "Applied",
            (Switch::Start { .. }, true) => "Ready",
            (Switch::Stop, true) => "Stopped",
        }
    }

    /// The apply request that switches `instance`. Pure, so it is unit-tested.
    pub fn plan(self, instance: &OdooInstance) -> Planned<Switched> {
        match self {
            Switch::Start { replicas } => plan_start(instance, replicas),
            Switch::Stop => plan_stop(instance),
        }
    }
}

/// The apply request that stops `instance`, remembering the web replicas it had.
fn plan_stop(instance: &OdooInstance) -> Planned<Switched> {
    let before = instance.spec.replicas;
    let name = instance.name_any();
    if before == 0 {
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
    let stopped = Switched {
        replicas: 0,
        verb: "stopped",
        outcome: format!("{before} web replica(s) remembered"),
        note: Note::OnceApplied(format!(
            "The operator scales web and cron to zero. `kubectl odoo start {name}` restores {before} web replica(s)."
        )),
        warning: None,
    };
    Planned::Apply(stopped, body)
}

/// The apply request that starts `instance` with the replicas asked for (at least
/// 1: the flag's parser says so), else those remembered by stop, else 1.
fn plan_start(instance: &OdooInstance, requested: Option<i32>) -> Planned<Switched> {
    let current = instance.spec.replicas;
    let name = instance.name_any();
    if current > 0 && requested.is_none_or(|n| n == current) {
        return Planned::Nothing(format!(
            "odoo/{name} is already running ({current} web replica(s)); nothing to do."
        ));
    }
    let remembered = instance.annotations().get(REPLICAS_BEFORE_STOP);
    let parsed = remembered.and_then(|r| r.trim().parse::<i32>().ok().filter(|n| *n > 0));
    let warning = remembered.filter(|_| parsed.is_none()).map(|value| {
        format!(
            "odoo/{name}: annotation {REPLICAS_BEFORE_STOP}={value:?} is not a replica count; ignoring it"
        )
    });
    let (replicas, why) = match (requested, parsed) {
        (Some(n), _) => (n, "as requested"),
        (None, Some(n)) => (n, "as before kubectl odoo stop"),
        (None, None) => (1, "none remembered"),
    };
    let mut body = change::applied_config(instance);
    change::set(&mut body, &["spec", "replicas"], Value::from(replicas));
    // Drop the plugin's claim on the annotation, which removes it. (Set by someone
    // else, it stays; a later stop overwrites it.)
    change::remove(
        &mut body,
        &["metadata", "annotations", REPLICAS_BEFORE_STOP],
    );
    let outcome = format!("{replicas} web replica(s), {why}");
    let started = Switched {
        replicas,
        // Running already: --replicas changed the count.
        verb: if current > 0 { "scaled" } else { "started" },
        note: Note::Always(format!("{outcome}.")),
        outcome,
        warning,
    };
    Planned::Apply(started, body)
}

/// `kubectl odoo start`.
pub async fn start(ctx: &LazyCtx, args: StartArgs, printer: &Printer) -> Result<(), CliError> {
    let switch = Switch::Start {
        replicas: args.replicas,
    };
    run(
        ctx,
        switch,
        &args.target,
        args.write.dry_run,
        &args.wait,
        printer,
    )
    .await
}

/// `kubectl odoo stop`.
pub async fn stop(ctx: &LazyCtx, args: StopArgs, printer: &Printer) -> Result<(), CliError> {
    run(
        ctx,
        Switch::Stop,
        &args.target,
        args.write.dry_run,
        &args.wait,
        printer,
    )
    .await
}

/// Either command, on the named instance or on each one selected (with a summary).
async fn run(
    ctx: &LazyCtx,
    switch: Switch,
    target: &Target,
    dry_run: DryRun,
    wait: &WaitArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let command = switch.command();
    target.check(command)?;
    let done = switch.done(wait.wait);
    let ctx = ctx.get().await?;
    let work = |ctx, printer, name| switch_one(ctx, printer, name, switch, dry_run, wait);
    fleet::one_or_many(ctx, printer, target, done, command, work).await
}

/// Switches one instance and, with --wait, waits until it is ready or stopped; what
/// happened, in a few words.
async fn switch_one(
    ctx: Ctx,
    printer: Printer,
    name: String,
    switch: Switch,
    dry_run: DryRun,
    wait: &WaitArgs,
) -> Result<String, CliError> {
    let planned = change::apply_planned(&ctx, &printer, &name, dry_run, |i| Ok(switch.plan(i)));
    let (switched, written) = match planned.await? {
        Ok(done) => done,
        Err(nothing) => return Ok(nothing),
    };
    if let Some(warning) = &switched.warning {
        printer.warn(warning);
    }
    change::print(
        &printer,
        &name,
        &written,
        &change::verb(switched.verb, dry_run),
    )?;
    if let Some(note) = switched.note.said(dry_run) {
        printer.note_unless_fleet(note);
    }
    let target = wait::target_for(switched.replicas);
    wait::after_write(&ctx, &printer, wait, dry_run, &name, &target).await?;
    Ok(switched.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::change::tests::created_by_plugin;
    use crate::commands::test_flags;
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

    fn start(instance: &OdooInstance, replicas: Option<i32>) -> Planned<Switched> {
        Switch::Start { replicas }.plan(instance)
    }

    fn stop(instance: &OdooInstance) -> Planned<Switched> {
        Switch::Stop.plan(instance)
    }

    #[test]
    fn stopping_sets_zero_and_remembers_the_replicas() {
        let Planned::Apply(stopped, body) = stop(&created_by_plugin(3)) else {
            panic!("a running instance is stopped");
        };
        assert_eq!(
            stopped,
            Switched {
                replicas: 0,
                verb: "stopped",
                outcome: "3 web replica(s) remembered".into(),
                note: Note::OnceApplied(
                    "The operator scales web and cron to zero. `kubectl odoo start shop` restores 3 web replica(s)."
                        .into()
                ),
                warning: None,
            }
        );
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
        let Planned::Nothing(why) = stop(&created_by_plugin(0)) else {
            panic!("a stopped instance is left alone");
        };
        assert!(why.ends_with("is already stopped (0 web replicas); nothing to do."));
    }

    #[test]
    fn start_restores_what_stop_remembered() {
        let Planned::Apply(_, body) = stop(&created_by_plugin(3)) else {
            panic!("stops");
        };
        let remembered = body["metadata"]["annotations"][REPLICAS_BEFORE_STOP]
            .as_str()
            .map(str::to_owned);
        let Planned::Apply(started, body) = start(&stopped(remembered.as_deref()), None) else {
            panic!("starts");
        };
        assert_eq!(
            started,
            Switched {
                replicas: 3,
                verb: "started",
                outcome: "3 web replica(s), as before kubectl odoo stop".into(),
                note: Note::Always("3 web replica(s), as before kubectl odoo stop.".into()),
                warning: None,
            }
        );
        assert_eq!(body["spec"]["replicas"], json!(3));
        assert!(
            change::get_path(&body, &["metadata", "annotations", REPLICAS_BEFORE_STOP]).is_none()
        );
        assert_eq!(body["spec"]["ingress"]["hosts"], json!(["erp.example.com"]));
    }

    #[test]
    fn the_flag_wins_and_one_is_the_default() {
        let Planned::Apply(started, _) = start(&stopped(Some("3")), Some(5)) else {
            panic!("starts");
        };
        assert_eq!(
            (started.replicas, started.outcome.as_str()),
            (5, "5 web replica(s), as requested")
        );
        let Planned::Apply(started, _) = start(&stopped(Some("lots")), None) else {
            panic!("starts");
        };
        assert_eq!(
            (started.replicas, started.outcome.as_str()),
            (1, "1 web replica(s), none remembered")
        );
        assert_eq!(
            started.warning.as_deref(),
            Some(
                "odoo/shop: annotation odoo-operator.dev/replicas-before-stop=\"lots\" is not a replica count; ignoring it"
            )
        );
    }

    #[test]
    fn running_instances_are_left_alone_unless_the_count_changes() {
        let Planned::Nothing(why) = start(&created_by_plugin(2), None) else {
            panic!("a running instance is left alone");
        };
        assert!(why.ends_with("is already running (2 web replica(s)); nothing to do."));
        let Planned::Apply(scaled, _) = start(&created_by_plugin(2), Some(4)) else {
            panic!("--replicas changes a running instance's count");
        };
        assert_eq!((scaled.replicas, scaled.verb), (4, "scaled"));
    }

    #[test]
    fn start_takes_one_to_the_schemas_maximum() {
        assert_eq!(
            test_flags::flags::<StartArgs>("shop --replicas 1").replicas,
            Some(1)
        );
        let zero = test_flags::refused::<StartArgs>("shop --replicas 0");
        assert!(
            zero.contains("0 is not in 1..=100: an instance starts with at least 1 web replica (kubectl odoo stop scales to 0)"),
            "{zero}"
        );
        assert!(test_flags::refused::<StartArgs>("shop --replicas 101").contains("1..=100"));
    }

    #[test]
    fn only_a_start_is_noted_in_a_dry_run() {
        let start = Note::Always("1 web replica(s), none remembered.".into());
        let stop = Note::OnceApplied("The operator scales web and cron to zero.".into());
        assert!(start.said(DryRun::Client).is_some());
        assert_eq!(stop.said(DryRun::Client), None);
        assert_eq!(stop.said(DryRun::Server), None);
        assert!(stop.said(DryRun::None).is_some());
    }
}
