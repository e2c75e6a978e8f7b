//! `kubectl odoo status NAME [--watch] [--for ready|terminal|PHASE] [--timeout D]`.
//!
//! Without `--watch`, one snapshot. With it, the same snapshot follows every change of
//! the instance, its Deployments and its events: redrawn in place on a terminal, one
//! timestamped line per change otherwise, one JSON object per change with `-o json`.
//! `--for` turns it into a wait with a truthful exit code: 0 when reached (and the
//! operator has seen the latest spec), 3 when the instance reaches a failed phase
//! instead, 4 on timeout, 5 when it does not exist.

use std::io::IsTerminal;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::{BoxStream, SelectAll};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use kube::runtime::{WatchStreamExt, watcher};
use odoo_model::labels::instance_selector;
use odoo_model::{InstancePhase, OdooInstance};

use kube::ResourceExt;

use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::fleet::{self, Selection};
use crate::format::OutputFormat;
use crate::output::{Printer, use_color};
use crate::phase;
use crate::watch::{Snapshot, collect, render};

/// Flags of `status`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// Name of the instance (or -l/-A for several: a table, or with --for a wait
    /// for each).
    pub name: Option<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Follow changes until interrupted (or until --for is reached).
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Wait until the instance is `ready` (Running), `terminal` (settled: Running,
    /// Stopped, Degraded, Uninitialized) or in the named phase; implies --watch.
    /// Exits 3 if it reaches a failed phase instead (Error, InitFailed, UpgradeFailed).
    #[arg(
        long = "for",
        visible_alias = "until",
        value_name = "ready|terminal|PHASE",
        value_parser = parse_until
    )]
    pub until: Option<String>,
    /// Give up after this long (e.g. 5m); exit code 4.
    #[arg(long, value_parser = crate::duration::parse_duration, default_value = "10m")]
    pub timeout: Duration,
    /// Output format: table (default), json or yaml; with --watch, json is one
    /// object per line.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// `--for`: `ready`, `terminal` or a phase, in any case (`--for stopped`). Anything
/// else is refused before the wait starts: no instance would ever reach it, and the
/// wait would only end at its timeout.
pub fn parse_until(text: &str) -> Result<String, String> {
    let phases = InstancePhase::ALL.map(|p| p.to_string());
    let known = ["ready", "terminal"]
        .into_iter()
        .chain(phases.iter().map(String::as_str))
        .any(|k| k.eq_ignore_ascii_case(text));
    if known {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "expected ready, terminal or a phase: {}",
            phases.join(", ")
        ))
    }
}

/// What a snapshot means for `--for`.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Reached,
    Failed(String),
    Gone(String),
    Waiting,
}

/// The `until` of a wait for an upgrade's image to serve: [`rolled_out`].
const ROLLED_OUT: &str = "rolled-out:";

/// What `upgrade --wait` waits for once its job succeeded: the instance Running
/// `image` with every Deployment rolled out (a rollback ends it as failed).
pub fn rolled_out(image: &str) -> String {
    format!("{ROLLED_OUT}{image}")
}

/// Pure: has the wait ended? Only snapshots the operator produced for the current
/// spec count, so a stale "Running" from before the last change is not success.
pub fn verdict(snapshot: &Snapshot, until: &str) -> Verdict {
    if !snapshot.exists {
        return Verdict::Gone(format!(
            "odoo/{} not found in namespace {}",
            snapshot.name, snapshot.namespace
        ));
    }
    if !snapshot.caught_up() {
        return Verdict::Waiting;
    }
    let phase = snapshot.instance_phase();
    // Once the upgrade's success is taken (the phase leaves Upgrading, which clears
    // an earlier rollback's condition), RolledBack=True is this rollout's.
    if until.starts_with(ROLLED_OUT) && phase != Some(InstancePhase::Upgrading) {
        let rolled_back = snapshot
            .conditions
            .iter()
            .find(|c| c.type_ == "RolledBack" && c.status == "True");
        if let Some(c) = rolled_back {
            return Verdict::Failed(format!(
                "odoo/{} was rolled back: {}",
                snapshot.name, c.message
            ));
        }
    }
    let reached = if until.eq_ignore_ascii_case("ready") {
        phase == Some(InstancePhase::Running)
    } else if let Some(image) = until.strip_prefix(ROLLED_OUT) {
        phase == Some(InstancePhase::Running)
            && snapshot.running_image == image
            && snapshot
                .children
                .iter()
                .filter(|c| c.kind == "Deployment")
                .all(|c| c.ok && c.image == image)
    } else if until.eq_ignore_ascii_case("terminal") {
        phase.is_some_and(|p| phase::SETTLED.contains(&p))
    } else {
        // A phase the user named, spelled as they like (`--for stopped`).
        snapshot.phase.eq_ignore_ascii_case(until)
    };
    if reached {
        Verdict::Reached
    } else if phase.is_some_and(|p| phase::FAILED.contains(&p)) {
        Verdict::Failed(format!(
            "odoo/{} is {}: {}",
            snapshot.name, snapshot.phase, snapshot.message
        ))
    } else {
        Verdict::Waiting
    }
}

pub async fn run(ctx: &LazyCtx, args: StatusArgs, printer: &Printer) -> Result<(), CliError> {
    args.selection.check(args.name.as_deref(), "status")?;
    let Some(name) = args.name.clone() else {
        return run_fleet(ctx, args, printer).await;
    };
    let ctx = ctx.get().await?;
    let first = collect(&ctx.client, &ctx.namespace, &name).await?;
    if !first.exists && args.until.is_none() {
        return Err(CliError::NotFound(format!(
            "odoo/{} not found in namespace {}",
            name, ctx.namespace
        )));
    }
    if !args.watch && args.until.is_none() {
        return printer.show(&first);
    }
    follow_one(
        ctx,
        printer,
        &name,
        args.until.as_deref(),
        args.timeout,
        first,
    )
    .await
}

/// Follows one instance from its `first` snapshot (`status --watch`, and `--wait`
/// after a write): the live view on a terminal, a line per change otherwise, NDJSON
/// with `-o json`; with `until`, until it is reached.
pub async fn follow_one(
    ctx: &Ctx,
    printer: &Printer,
    name: &str,
    until: Option<&str>,
    timeout: Duration,
    first: Snapshot,
) -> Result<(), CliError> {
    let renderer = match printer.format {
        OutputFormat::Json => Renderer::Json,
        _ if std::io::stdout().is_terminal() => Renderer::Live { drawn: 0 },
        _ => Renderer::Lines,
    };
    let result =
        tokio::time::timeout(timeout, follow(ctx, name, until, renderer, printer, first)).await;
    match result {
        Ok(Err(CliError::Interrupted)) => {
            printer.note(&format!(
                "odoo/{} goes on in the cluster; watch it again with: kubectl odoo status {} -n {} --watch",
                name, name, ctx.namespace
            ));
            Err(CliError::Interrupted)
        }
        Ok(r) => r,
        Err(_) => Err(CliError::Timeout(format!(
            "odoo/{} did not become {} within {:?}",
            name,
            until.unwrap_or("ready"),
            timeout
        ))),
    }
}

/// `status -l SELECTOR` / `-A`: the selected instances as a table, or with `--for`
/// a wait for each of them and a summary.
async fn run_fleet(ctx: &LazyCtx, args: StatusArgs, printer: &Printer) -> Result<(), CliError> {
    if args.watch && args.until.is_none() {
        return Err(CliError::Usage(
            "--watch follows one instance; with -l or -A, --for waits for each of them".into(),
        ));
    }
    let ctx = ctx.get().await?;
    let instances = args.selection.instances(ctx).await?;
    let Some(until) = args.until.as_deref() else {
        return crate::commands::list::print(printer, &instances, args.selection.all_namespaces);
    };
    // Waiting changes nothing: every instance is waited for at once by default.
    let parallel = args.selection.parallel(instances.len());
    let quiet = printer.for_fleet();
    let timeout = args.timeout;
    let reports = fleet::run(
        printer,
        &args.selection,
        instances,
        parallel,
        "Reached",
        |instance| {
            let ctx = ctx.in_namespace(&instance.namespace().unwrap_or_default());
            let name = instance.name_any();
            async move {
                wait(&ctx, &quiet, &name, until, timeout).await?;
                Ok(format!("odoo/{name} is {until}"))
            }
        },
    )
    .await?;
    fleet::finish(printer, &format!("become {until}"), &reports)
}

/// Waits for one of a fleet command's instances to reach `until`, with one line
/// per change on stderr: 0 when reached, 3 when it reached a failed phase, 4 after
/// `timeout`, 5 when it does not exist.
pub async fn wait(
    ctx: &Ctx,
    printer: &Printer,
    name: &str,
    until: &str,
    timeout: Duration,
) -> Result<(), CliError> {
    let first = collect(&ctx.client, &ctx.namespace, name).await?;
    tokio::time::timeout(
        timeout,
        follow(ctx, name, Some(until), Renderer::Notes, printer, first),
    )
    .await
    .unwrap_or_else(|_| {
        Err(CliError::Timeout(format!(
            "odoo/{name} did not become {until} within {timeout:?}"
        )))
    })
}

/// The renderer for this output.
enum Renderer {
    Live {
        drawn: usize,
    },
    Lines,
    Json,
    /// Lines on stderr: the instance is one of several a command works on.
    Notes,
}

/// Change signals from the instance, its Deployments and its events only. The
/// instance's own versions come with the signal: each stored phase is shown even
/// when the next one follows within the settle delay of `follow`.
fn signals(ctx: &Ctx, name: &str) -> SelectAll<BoxStream<'static, Option<OdooInstance>>> {
    let ns = &ctx.namespace;
    let instance = watcher(
        Api::<OdooInstance>::namespaced(ctx.client.clone(), ns),
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    )
    .touched_objects()
    .map(|i| i.ok());
    let deployments = watcher(
        Api::<Deployment>::namespaced(ctx.client.clone(), ns),
        watcher::Config::default().labels(&instance_selector(name)),
    )
    .touched_objects()
    .map(|_| None);
    let events = watcher(
        Api::<Event>::namespaced(ctx.client.clone(), ns),
        watcher::Config::default().fields(&format!("involvedObject.name={name}")),
    )
    .touched_objects()
    .map(|_| None);
    // Claims and init jobs are not watched; a slow tick catches their changes.
    let tick = futures::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        Some((None, ()))
    });
    futures::stream::select_all(vec![
        instance.boxed(),
        deployments.boxed(),
        events.boxed(),
        tick.boxed(),
    ])
}

async fn follow(
    ctx: &Ctx,
    name: &str,
    until: Option<&str>,
    mut renderer: Renderer,
    printer: &Printer,
    first: Snapshot,
) -> Result<(), CliError> {
    let color = use_color(ctx.global.color, matches!(renderer, Renderer::Live { .. }));
    let ns = &ctx.namespace;
    let mut signals = signals(ctx, name);
    let mut last: Option<Snapshot> = None;
    let mut snapshot = first;
    // The instance as its watch last delivered it. Versions arrive in order, so
    // what is drawn from them never goes back to an older phase; a read below may
    // be newer, and its phase is shown once the watch delivers it.
    let mut latest: Option<OdooInstance> = None;
    loop {
        if last.as_ref() != Some(&snapshot) {
            draw(&mut renderer, printer, last.as_ref(), &snapshot, color)?;
            last = Some(snapshot.clone());
        }
        if let Some(until) = until {
            match verdict(&snapshot, until) {
                Verdict::Reached => return Ok(()),
                Verdict::Failed(message) => return Err(CliError::PhaseFailed(message)),
                Verdict::Gone(message) => return Err(CliError::NotFound(message)),
                Verdict::Waiting => {}
            }
        }
        let signal = tokio::select! {
            next = signals.next() => match next {
                None => return Ok(()),
                Some(signal) => signal,
            },
            _ = tokio::signal::ctrl_c() => return Err(CliError::Interrupted),
        };
        if let Some(version) = signal {
            let seen = snapshot.clone().with_instance(&version);
            if last.as_ref().is_some_and(|l| l.phase != seen.phase) {
                draw(&mut renderer, printer, last.as_ref(), &seen, color)?;
                last = Some(seen);
            }
            latest = Some(version);
        }
        // Changes come in bursts (status, then children): settle briefly, read once.
        tokio::time::sleep(Duration::from_millis(150)).await;
        snapshot = collect(&ctx.client, ns, name).await?;
        if let Some(version) = latest.as_ref().filter(|_| snapshot.exists) {
            snapshot = snapshot.with_instance(version);
        }
    }
}

fn draw(
    renderer: &mut Renderer,
    printer: &Printer,
    old: Option<&Snapshot>,
    new: &Snapshot,
    color: bool,
) -> Result<(), CliError> {
    match renderer {
        Renderer::Json => printer
            .out(&(serde_json::to_string(new).map_err(|e| CliError::Usage(e.to_string()))? + "\n")),
        Renderer::Lines | Renderer::Notes => {
            let now = k8s_openapi::jiff::Zoned::now()
                .strftime("%H:%M:%S")
                .to_string();
            let lines = render::changes(old, new, &now);
            if lines.is_empty() {
                Ok(())
            } else if matches!(renderer, Renderer::Notes) {
                // One of many instances: its phases only; conditions and children
                // of a dozen instances at once would bury them.
                let phases: Vec<&String> = lines
                    .iter()
                    .filter(|l| l.contains(" phase ") || l.ends_with(" deleted"))
                    .collect();
                for line in phases {
                    printer.note(line);
                }
                Ok(())
            } else {
                printer.out(&(lines.join("\n") + "\n"))
            }
        }
        Renderer::Live { drawn } => {
            let term = console::Term::stdout();
            // A pseudo-terminal nobody sized reports 0×0: use a common size then.
            let (height, width) = term
                .size_checked()
                .filter(|&(h, w)| h > 0 && w > 0)
                .map_or((40, 100), |(h, w)| (usize::from(h), usize::from(w)));
            let mut lines = render::block(new, color, width);
            // Never taller than the terminal: a redraw could not reach lines that
            // scrolled away, and the scrollback would fill with half frames.
            lines.truncate(height.saturating_sub(1).max(1));
            if *drawn > 0 {
                term.clear_last_lines(*drawn)?;
            }
            *drawn = lines.len();
            printer.out(&(lines.join("\n") + "\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(phase: &str, generation: i64, observed: i64) -> Snapshot {
        Snapshot {
            name: "shop".into(),
            phase: phase.into(),
            generation,
            observed_generation: observed,
            exists: true,
            ..Default::default()
        }
    }

    #[test]
    fn an_upgrade_serves_once_running_its_image_fully_rolled_out() {
        let until = rolled_out("odoo:18.0-b");
        let web = |ok| crate::watch::children::ChildView {
            kind: "Deployment".into(),
            name: "shop-web".into(),
            state: String::new(),
            ok,
            image: "odoo:18.0-b".into(),
        };
        let serving = |image: &str, ok| Snapshot {
            running_image: image.into(),
            children: vec![web(ok)],
            ..snap("Running", 2, 2)
        };
        assert_eq!(
            verdict(&serving("odoo:18.0-b", true), &until),
            Verdict::Reached
        );
        // Still the old image, or the new one not rolled out: not yet.
        assert_eq!(
            verdict(&serving("odoo:18.0-a", true), &until),
            Verdict::Waiting
        );
        assert_eq!(
            verdict(&serving("odoo:18.0-b", false), &until),
            Verdict::Waiting
        );
        // Rolled back: the condition says so once the upgrade's success was taken.
        let rolled_back = crate::watch::snapshot::ConditionView {
            type_: "RolledBack".into(),
            status: "True".into(),
            message: "reverted to odoo:18.0-a".into(),
            ..Default::default()
        };
        let back = Snapshot {
            running_image: "odoo:18.0-a".into(),
            conditions: vec![rolled_back.clone()],
            ..snap("Running", 3, 3)
        };
        assert!(matches!(verdict(&back, &until), Verdict::Failed(m) if m.contains("rolled back")));
        // An earlier rollback's condition while the upgrade is still being taken.
        let earlier = Snapshot {
            conditions: vec![rolled_back],
            ..snap("Upgrading", 2, 2)
        };
        assert_eq!(verdict(&earlier, &until), Verdict::Waiting);
    }

    #[test]
    fn for_takes_ready_terminal_or_a_phase_and_refuses_the_rest() {
        for ok in [
            "ready",
            "Ready",
            "terminal",
            "Stopped",
            "stopped",
            "UPGRADEFAILED",
        ] {
            assert_eq!(parse_until(ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in ["runing", "done", ""] {
            let e = parse_until(bad).expect_err(bad);
            assert!(e.contains("Running") && e.contains("terminal"), "{e}");
        }
    }

    #[test]
    fn success_counts_only_once_the_operator_caught_up() {
        assert_eq!(verdict(&snap("Running", 3, 2), "ready"), Verdict::Waiting);
        assert_eq!(verdict(&snap("Running", 3, 3), "ready"), Verdict::Reached);
        assert_eq!(verdict(&snap("Stopped", 3, 3), "Stopped"), Verdict::Reached);
        assert!(matches!(
            verdict(&snap("InitFailed", 1, 1), "ready"),
            Verdict::Failed(_)
        ));
        assert_eq!(verdict(&snap("Starting", 1, 1), "ready"), Verdict::Waiting);
        let gone = Snapshot {
            exists: false,
            ..snap("Running", 1, 1)
        };
        assert!(matches!(verdict(&gone, "ready"), Verdict::Gone(_)));
        assert_eq!(
            verdict(&snap("Stopped", 1, 1), "terminal"),
            Verdict::Reached
        );
        assert_eq!(
            verdict(&snap("Upgrading", 1, 1), "terminal"),
            Verdict::Waiting
        );
        assert!(matches!(
            verdict(&snap("UpgradeFailed", 1, 1), "terminal"),
            Verdict::Failed(_)
        ));
    }
}
