//! Many instances with one command. `-l/--selector` and `-A/--all-namespaces` pick
//! them, `--max-parallel` bounds how many are worked on at once, and with `--wait` a
//! summary table (instance, result, duration, message) ends the run, whose exit code
//! is the worst outcome: 4 when one timed out, else 3 when one failed.
//!
//! Ctrl-C stops starting new ones and names those still running: what they asked of
//! the cluster (a job, a replica count) goes on there.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use odoo_model::OdooInstance;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::{Printer, View, table};

/// How many instances a fleet command works on at once unless `--max-parallel`
/// says otherwise (an upgrade: one, as it stops its instance).
pub const PARALLEL: usize = 4;

/// The flags that turn a one-instance command into a fleet command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Selection {
    /// Act on every instance whose labels match (e.g. tier=prod), instead of one
    /// named instance.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Act on the instances of every namespace (all of them, or those -l matches).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// How many instances are worked on at once with -l or -A (default: 1 for
    /// upgrade, all for status --for, 4 otherwise).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_parallel: Option<u16>,
}

impl Selection {
    /// Whether instances are selected rather than named.
    pub fn is_fleet(&self) -> bool {
        self.selector.is_some() || self.all_namespaces
    }

    /// `--max-parallel`, or the command's default.
    pub fn parallel(&self, default: usize) -> usize {
        self.max_parallel.map_or(default, usize::from)
    }

    /// A name and a selection exclude each other; one of them is needed. Checked
    /// before anything is read, so a wrong command line changes nothing.
    pub fn check(&self, name: Option<&str>, command: &str) -> Result<(), CliError> {
        match (name, self.is_fleet()) {
            (Some(name), true) => Err(CliError::Usage(format!(
                "give either an instance name ({name}) or -l/-A to select instances, not both"
            ))),
            (None, false) => Err(CliError::Usage(format!(
                "{command} needs an instance name, or -l SELECTOR / -A to act on several"
            ))),
            _ if self.max_parallel.is_some() && !self.is_fleet() => Err(CliError::Usage(
                "--max-parallel applies to several instances (-l or -A)".into(),
            )),
            _ => Ok(()),
        }
    }

    /// The instances of the namespace (every namespace with -A), those -l matches
    /// when it is given, sorted by namespace and name; maybe none.
    pub async fn list(&self, ctx: &Ctx) -> Result<Vec<OdooInstance>, CliError> {
        let api: Api<OdooInstance> = if self.all_namespaces {
            Api::all(ctx.client.clone())
        } else {
            Api::namespaced(ctx.client.clone(), &ctx.namespace)
        };
        let mut params = ListParams::default();
        if let Some(selector) = &self.selector {
            params = params.labels(selector);
        }
        let mut items = api
            .list(&params)
            .await
            .map_err(CliError::api("listing Odoo instances"))?
            .items;
        items.sort_by_key(|i| (i.namespace().unwrap_or_default(), i.name_any()));
        Ok(items)
    }

    /// The selected instances, as [`Selection::list`]; none is an error (exit 5)
    /// that says what was looked for.
    pub async fn instances(&self, ctx: &Ctx) -> Result<Vec<OdooInstance>, CliError> {
        let items = self.list(ctx).await?;
        if items.is_empty() {
            let matching = self
                .selector
                .as_ref()
                .map(|s| format!(" match -l {s}"))
                .unwrap_or_default();
            let place = if self.all_namespaces {
                "in any namespace".to_owned()
            } else {
                format!("in namespace {}", ctx.namespace)
            };
            return Err(CliError::NotFound(format!(
                "no Odoo instances{matching} {place}"
            )));
        }
        Ok(items)
    }

    /// How an instance is named in messages and the summary: with its namespace
    /// when several namespaces are involved.
    pub fn label(&self, instance: &OdooInstance) -> String {
        if self.all_namespaces {
            format!(
                "{}/{}",
                instance.namespace().unwrap_or_default(),
                instance.name_any()
            )
        } else {
            instance.name_any()
        }
    }
}

/// How one instance's work ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ended {
    Succeeded,
    Failed,
    TimedOut,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ended::Succeeded => "Succeeded",
            Ended::Failed => "Failed",
            Ended::TimedOut => "TimedOut",
        })
    }
}

/// One line of the summary.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub instance: String,
    pub result: String,
    pub seconds: u64,
    pub message: String,
    #[serde(skip)]
    pub outcome: Ended,
    #[serde(skip)]
    pub exit_code: u8,
}

impl Report {
    fn new(
        instance: String,
        done: &str,
        took: Duration,
        result: Result<String, CliError>,
    ) -> Report {
        let (outcome, message, exit_code) = match result {
            Ok(message) => (Ended::Succeeded, message, 0),
            Err(e @ CliError::Timeout(_)) => (Ended::TimedOut, e.to_string(), e.exit_code()),
            Err(e) => (Ended::Failed, e.to_string(), e.exit_code()),
        };
        Report {
            instance,
            result: match outcome {
                Ended::Succeeded => done.to_owned(),
                other => other.to_string(),
            },
            seconds: took.as_secs(),
            message,
            outcome,
            exit_code,
        }
    }
}

/// Runs `work` for every instance, at most `parallel` at once, in the order given.
/// Each result is reported as it ends, on stderr; the reports come back in the
/// order of `instances`, a success named `done` ("Succeeded" when the work waited
/// for the outcome, "Created" when it only asked for it). Ctrl-C starts nothing
/// more and names what still runs.
pub async fn run<F, Fut>(
    printer: &Printer,
    selection: &Selection,
    instances: Vec<OdooInstance>,
    parallel: usize,
    done: &str,
    work: F,
) -> Result<Vec<Report>, CliError>
where
    F: Fn(OdooInstance) -> Fut,
    Fut: Future<Output = Result<String, CliError>>,
{
    let total = instances.len();
    let mut waiting = instances.into_iter().enumerate();
    let mut running = FuturesUnordered::new();
    let mut names: Vec<Option<String>> = vec![None; total];
    let mut reports: Vec<Option<Report>> = vec![None; total];
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        while running.len() < parallel.max(1) {
            let Some((index, instance)) = waiting.next() else {
                break;
            };
            let label = selection.label(&instance);
            names[index] = Some(label.clone());
            let started = Instant::now();
            let job = work(instance);
            running.push(async move {
                let result = job.await;
                (index, label, started.elapsed(), result)
            });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            _ = &mut interrupt => {
                let still: Vec<String> = names
                    .iter()
                    .zip(&reports)
                    .filter_map(|(name, report)| match (name, report) {
                        (Some(name), None) => Some(name.clone()),
                        _ => None,
                    })
                    .collect();
                let not_started = total - names.iter().filter(|n| n.is_some()).count();
                printer.note(&format!(
                    "interrupted: {not_started} not started; still running (they go on in the cluster): {}",
                    still.join(", ")
                ));
                return Err(CliError::Interrupted);
            }
            Some((index, label, took, result)) = running.next() => {
                let report = Report::new(label, done, took, result);
                let line = format!("{}: {}: {}", report.instance, report.result, report.message);
                printer.note(&line);
                reports[index] = Some(report);
            }
        }
    }
    Ok(reports.into_iter().flatten().collect())
}

/// A fleet command whose work on one instance needs nothing from the others: the
/// selected instances, `work` for each (in the instance's namespace, with the
/// fleet's printer), [`PARALLEL`] at a time unless `--max-parallel` says otherwise,
/// then the summary.
pub async fn each<F, Fut>(
    ctx: &Ctx,
    printer: &Printer,
    selection: &Selection,
    done: &str,
    verb: &str,
    work: F,
) -> Result<(), CliError>
where
    F: Fn(Ctx, Printer, String) -> Fut,
    Fut: Future<Output = Result<String, CliError>>,
{
    let instances = selection.instances(ctx).await?;
    let quiet = printer.for_fleet();
    let parallel = selection.parallel(PARALLEL);
    let reports = run(printer, selection, instances, parallel, done, |i| {
        let ctx = ctx.in_namespace(&i.namespace().unwrap_or_default());
        work(ctx, quiet, i.name_any())
    })
    .await?;
    finish(printer, verb, &reports)
}

/// The instances a command works on: one by name, or several by selection.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Target {
    /// Name of the instance (or -l/-A to select several).
    pub name: Option<String>,
    #[command(flatten)]
    pub selection: Selection,
}

impl Target {
    /// [`Selection::check`] of these flags; `command` is named in the error.
    pub fn check(&self, command: &str) -> Result<(), CliError> {
        self.selection.check(self.name.as_deref(), command)
    }
}

/// The prologue of a command that takes one instance by name or several by
/// selection: `work` on the named one, with the command's own printer and its error
/// as the command's; else [`each`] over the selection. `work` gets what varies by
/// instance owned: a fleet makes it per instance.
pub async fn one_or_many<F, Fut>(
    ctx: &Ctx,
    printer: &Printer,
    target: &Target,
    done: &str,
    verb: &str,
    work: F,
) -> Result<(), CliError>
where
    F: Fn(Ctx, Printer, String) -> Fut,
    Fut: Future<Output = Result<String, CliError>>,
{
    if let Some(name) = &target.name {
        return work(ctx.clone(), *printer, name.clone()).await.map(drop);
    }
    each(ctx, printer, &target.selection, done, verb, work).await
}

/// The summary as a table (or data with `-o json|yaml`), then the worst outcome as
/// the command's result.
pub fn finish(printer: &Printer, verb: &str, reports: &[Report]) -> Result<(), CliError> {
    printer.show(reports)?;
    worst(verb, reports)
}

impl View for [Report] {
    fn data(&self) -> impl serde::Serialize {
        self
    }

    fn table(&self, _wide: bool, _color: bool) -> String {
        let rows = self.iter().map(|r| {
            vec![
                r.instance.clone(),
                r.result.clone(),
                duration(r.seconds),
                r.message.clone(),
            ]
        });
        table(&["INSTANCE", "RESULT", "DURATION", "MESSAGE"], rows)
    }
}

/// `1m05s`.
fn duration(seconds: u64) -> String {
    format!("{}m{:02}s", seconds / 60, seconds % 60)
}

/// The result of the whole run: Ok when every instance succeeded; otherwise the
/// error of the worst outcome (timed out before failed), naming the instances.
pub fn worst(verb: &str, reports: &[Report]) -> Result<(), CliError> {
    let Some(worst) = reports.iter().map(|r| r.outcome).max() else {
        return Ok(());
    };
    let of = |outcome: Ended| -> Vec<&str> {
        reports
            .iter()
            .filter(|r| r.outcome == outcome)
            .map(|r| r.instance.as_str())
            .collect()
    };
    let total = reports.len();
    match worst {
        Ended::Succeeded => Ok(()),
        Ended::TimedOut => {
            let late = of(Ended::TimedOut);
            Err(CliError::Timeout(format!(
                "{} of {total} did not {verb} in time: {}",
                late.len(),
                late.join(", ")
            )))
        }
        Ended::Failed => {
            let failed = of(Ended::Failed);
            let message = format!(
                "{} of {total} failed to {verb}: {}",
                failed.len(),
                failed.join(", ")
            );
            // A job or phase that failed is exit 3; a refusal or an API error keeps
            // its own code when nothing reached a failed phase.
            let phase_failed = reports
                .iter()
                .any(|r| r.outcome == Ended::Failed && r.exit_code == 3);
            if phase_failed {
                Err(CliError::PhaseFailed(message))
            } else {
                Err(CliError::Failed(message))
            }
        }
    }
}
