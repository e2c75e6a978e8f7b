//! Following one job resource (backup, restore, upgrade, cluster migration): its
//! phase, message and progress, and the last lines of its batch Job's pod. Reads the
//! named object and the pods of the Job it names (by the `job-name` label) only.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde::Serialize;

use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::Printer;
use crate::phase::{AnyJobPhase, JobEnd};
use crate::watch::followed::Followed;
use indicatif::ProgressBar;
use odoo_model::JobPhase;
use odoo_model::agent::Progress;

/// Lines of the job's log shown while following.
pub const LOG_TAIL: i64 = 5;

/// One view of a job resource.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobSnapshot {
    pub kind: String,
    pub name: String,
    pub phase: String,
    pub message: String,
    pub progress: String,
    pub job_name: String,
    pub generation: i64,
    pub observed_generation: i64,
    pub log_tail: Vec<String>,
    /// The newest byte count the agent printed in that log, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Progress>,
    /// False when the resource does not exist (deleted while following).
    pub exists: bool,
    /// `phase`, typed by the resource's kind; `None` before the operator wrote one.
    #[serde(skip)]
    pub stage: Option<AnyJobPhase>,
}

/// Where a followed job stands.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed(String),
    Waiting,
}

/// Pure: has the job ended? `RolledBack` is a migration's failed end.
pub fn outcome(s: &JobSnapshot) -> Outcome {
    let what = format!("{}/{}", s.kind.to_lowercase(), s.name);
    if !s.exists {
        return Outcome::Failed(format!("{what} was deleted"));
    }
    if s.observed_generation < s.generation {
        return Outcome::Waiting;
    }
    match s.stage.and_then(AnyJobPhase::end) {
        Some(JobEnd::Succeeded) => Outcome::Succeeded,
        Some(JobEnd::Failed) => Outcome::Failed(format!("{what} failed: {}", s.message)),
        Some(JobEnd::RolledBack) => Outcome::Failed(format!("{what} rolled back: {}", s.message)),
        None => Outcome::Waiting,
    }
}

/// Reads the job resource and, while its batch Job runs, the tail of its log.
pub async fn collect<K: Followed>(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<JobSnapshot, CliError> {
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let object = crate::read::read(&api, name).await?;
    let mut snap = snapshot(name, object.as_ref());
    if !snap.job_name.is_empty() && snap.stage == Some(AnyJobPhase::Job(JobPhase::Running)) {
        let selector = format!("job-name={}", snap.job_name);
        let (lines, transfer) =
            split_progress(log_tail(client, namespace, &selector, LOG_TAIL).await);
        snap.log_tail = lines;
        snap.transfer = transfer;
    }
    Ok(snap)
}

/// The view of `object`, the job resource `name` (`None`: it does not exist), before
/// its log is read. Pure.
pub fn snapshot<K: Followed>(name: &str, object: Option<&K>) -> JobSnapshot {
    let kind = K::kind(&()).to_string();
    let Some(object) = object else {
        return JobSnapshot {
            kind,
            name: name.into(),
            ..Default::default()
        };
    };
    let stage = object.phase();
    JobSnapshot {
        kind,
        name: name.into(),
        phase: stage.map_or_else(|| "Pending".into(), AnyJobPhase::name),
        message: object.message().unwrap_or_default().to_owned(),
        progress: object.progress(),
        job_name: object.job_name().unwrap_or_default().to_owned(),
        generation: object.meta().generation.unwrap_or_default(),
        observed_generation: object.observed_generation().unwrap_or_default(),
        log_tail: Vec::new(),
        transfer: None,
        exists: true,
        stage,
    }
}

/// A log tail without the agent's progress lines, and the newest of them: the
/// lines are for people, the progress moves a bar.
pub fn split_progress(lines: Vec<String>) -> (Vec<String>, Option<Progress>) {
    let transfer = lines.iter().rev().find_map(|l| Progress::parse(l));
    let lines = lines
        .into_iter()
        .filter(|l| Progress::parse(l).is_none())
        .collect();
    (lines, transfer)
}

/// The last lines of the newest pod matching `selector` (a batch Job's pods); empty
/// when there is no log to read (pod pending, logs not served, no kubelet): the view
/// stays useful without it and a watch never fails for it.
pub async fn log_tail(
    client: &kube::Client,
    namespace: &str,
    selector: &str,
    lines: i64,
) -> Vec<String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let Ok(list) = pods.list(&ListParams::default().labels(selector)).await else {
        return Vec::new();
    };
    let Some(pod) = list
        .items
        .into_iter()
        .max_by_key(|p| p.metadata.creation_timestamp.as_ref().map(|t| t.0))
    else {
        return Vec::new();
    };
    let params = LogParams {
        tail_lines: Some(lines),
        ..Default::default()
    };
    let name = pod.metadata.name.unwrap_or_default();
    match pods.logs(&name, &params).await {
        Ok(text) => text.lines().map(str::to_owned).collect(),
        Err(_) => Vec::new(),
    }
}

/// The spinner's line: where the job stands now.
pub fn headline(s: &JobSnapshot) -> String {
    let mut line = format!("{}/{} {}", s.kind.to_lowercase(), s.name, s.phase);
    if !s.message.is_empty() {
        line.push_str(&format!(": {}", s.message));
    }
    if !s.progress.is_empty() {
        line.push_str(&format!(" ({})", s.progress));
    }
    if let Some(t) = &s.transfer {
        line.push_str(&format!(
            " · {} {}",
            t.pass.trim_end_matches(':'),
            crate::output::size(t.bytes as i64)
        ));
    }
    line
}

/// One timestamped line per change, and the log lines not shown before.
pub fn changes(old: Option<&JobSnapshot>, new: &JobSnapshot, now: &str) -> Vec<String> {
    let what = format!("{}/{}", new.kind.to_lowercase(), new.name);
    let mut out = Vec::new();
    match old {
        None => out.push(format!("{now} {what} {}: {}", new.phase, new.message)),
        Some(old) if old.exists && !new.exists => out.push(format!("{now} {what} deleted")),
        Some(old) if old.phase != new.phase || old.message != new.message => out.push(format!(
            "{now} {what} {} → {}: {}",
            old.phase, new.phase, new.message
        )),
        Some(_) => {}
    }
    let seen: &[String] = old.map(|o| o.log_tail.as_slice()).unwrap_or_default();
    for l in new_lines(seen, &new.log_tail) {
        out.push(format!("{now}   | {l}"));
    }
    out
}

/// The lines of a log tail not shown with the previous one. The tail is a window:
/// what follows the longest overlap with the last window is new.
pub fn new_lines<'a>(seen: &[String], tail: &'a [String]) -> &'a [String] {
    let overlap = (0..=seen.len().min(tail.len()))
        .rev()
        .find(|&n| seen[seen.len() - n..] == tail[..n])
        .unwrap_or(0);
    &tail[overlap..]
}

/// Follows a job resource until it ends: 0 when it succeeded, `PhaseFailed` (exit 3)
/// when it failed, `Timeout` after `timeout`, `Interrupted` on Ctrl-C (saying the
/// job goes on and how to follow it again).
pub async fn follow<K: Followed>(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
    printer: &Printer,
    resume: &str,
) -> Result<(), CliError> {
    let what = format!("{}/{name}", K::kind(&()).to_lowercase());
    let followed = tokio::time::timeout(
        timeout,
        follow_until_end::<K>(client, namespace, name, printer),
    )
    .await;
    match followed {
        Ok(Err(CliError::Interrupted)) => {
            printer.note(&format!(
                "{what} continues in the cluster; follow it again with: {resume}"
            ));
            Err(CliError::Interrupted)
        }
        Ok(result) => result,
        Err(_) => Err(CliError::Timeout(format!(
            "{what} did not finish within {timeout:?}; it continues in the cluster (follow it again with: {resume})"
        ))),
    }
}

async fn follow_until_end<K: Followed>(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    printer: &Printer,
) -> Result<(), CliError> {
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let changes_of_object = watcher(
        api,
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    )
    .touched_objects()
    .map(|_| ());
    // Logs change without the object changing: a tick reads them.
    let tick = futures::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Some(((), ()))
    });
    let mut signals = futures::stream::select(changes_of_object.boxed(), tick.boxed());
    // On a terminal a spinner shows the elapsed time and where the job stands, under
    // the same lines a log gets; a fleet command's jobs print their lines alone.
    let spinner = (printer.format != OutputFormat::Json && !printer.fleet)
        .then(|| crate::progress::spinner(&format!("{}/{name}", K::kind(&()).to_lowercase())));
    let mut last: Option<JobSnapshot> = None;
    loop {
        let snap = collect::<K>(client, namespace, name).await?;
        if last.as_ref() != Some(&snap) {
            draw(printer, last.as_ref(), &snap, spinner.as_ref())?;
        }
        match outcome(&snap) {
            Outcome::Succeeded => return Ok(()),
            Outcome::Failed(message) => return Err(CliError::PhaseFailed(message)),
            Outcome::Waiting => {}
        }
        last = Some(snap);
        tokio::select! {
            next = signals.next() => if next.is_none() { return Ok(()) },
            _ = tokio::signal::ctrl_c() => return Err(CliError::Interrupted),
        }
    }
}

/// Progress goes to stderr (stdout carries the command's result), except with
/// `-o json`, whose NDJSON stream is data: one timestamped line per change, printed
/// above the spinner when there is one.
fn draw(
    printer: &Printer,
    old: Option<&JobSnapshot>,
    new: &JobSnapshot,
    spinner: Option<&ProgressBar>,
) -> Result<(), CliError> {
    if printer.format == OutputFormat::Json {
        let line = serde_json::to_string(new).map_err(|e| CliError::Usage(e.to_string()))?;
        return printer.out(&(line + "\n"));
    }
    let now = k8s_openapi::jiff::Zoned::now()
        .strftime("%H:%M:%S")
        .to_string();
    // Several jobs of a fleet command write here at once: their logs would
    // interleave, so only their transitions are shown.
    let quiet = |s: &JobSnapshot| JobSnapshot {
        log_tail: Vec::new(),
        ..s.clone()
    };
    let lines = if printer.fleet {
        changes(old.map(quiet).as_ref(), &quiet(new), &now)
    } else {
        changes(old, new, &now)
    };
    match spinner.filter(|s| !s.is_hidden()) {
        Some(spinner) => {
            for line in lines {
                spinner.println(line);
            }
            spinner.set_message(headline(new));
            crate::progress::transfer(spinner, new.transfer.as_ref());
        }
        None if !lines.is_empty() => printer.note(&lines.join("\n")),
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use odoo_model::{OdooBackupJob, OdooClusterMigration};

    /// A resource of kind `K` as the API server returns it, with `status`.
    fn object<K: Followed>(kind: &str, spec: serde_json::Value, status: serde_json::Value) -> K {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "odoo-operator.dev/v1alpha1",
            "kind": kind,
            "metadata": {"name": "shop-1", "namespace": "team", "generation": 1},
            "spec": spec,
            "status": status,
        }))
        .expect("a valid resource")
    }

    fn backup(status: serde_json::Value) -> OdooBackupJob {
        let spec = serde_json::json!({
            "instanceRef": {"name": "shop"},
            "destination": {"pvc": {"claimName": "b"}},
        });
        object("OdooBackupJob", spec, status)
    }

    fn snap(phase: &str, log: &[&str]) -> JobSnapshot {
        let status = serde_json::json!({"phase": phase, "observedGeneration": 1});
        JobSnapshot {
            log_tail: log.iter().map(|s| (*s).to_owned()).collect(),
            ..snapshot("shop-1", Some(&backup(status)))
        }
    }

    #[test]
    fn ends_only_in_an_end_phase_the_operator_wrote_for_this_spec() {
        assert_eq!(outcome(&snap("Running", &[])), Outcome::Waiting);
        assert_eq!(outcome(&snap("Succeeded", &[])), Outcome::Succeeded);
        let stale = backup(serde_json::json!({"phase": "Succeeded"}));
        assert_eq!(outcome(&snapshot("shop-1", Some(&stale))), Outcome::Waiting);
        let gone = snapshot::<OdooBackupJob>("shop-1", None);
        assert_eq!(
            outcome(&gone),
            Outcome::Failed("odoobackupjob/shop-1 was deleted".into())
        );
    }

    #[test]
    fn a_migration_is_read_in_its_own_steps() {
        let spec = serde_json::json!({"instanceRef": {"name": "shop"}, "targetCluster": "b"});
        let status = serde_json::json!({
            "phase": "RolledBack",
            "message": "the copy failed",
            "observedGeneration": 1,
            "progress": "3/7 tables",
        });
        let m: OdooClusterMigration = object("OdooClusterMigration", spec, status);
        let s = snapshot("shop-1", Some(&m));
        assert_eq!(
            (s.phase.as_str(), s.progress.as_str()),
            ("RolledBack", "3/7 tables")
        );
        assert_eq!(
            outcome(&s),
            Outcome::Failed("odooclustermigration/shop-1 rolled back: the copy failed".into())
        );
        let backup = backup(serde_json::json!({"phase": "Running", "progressBytes": 3 << 20}));
        let s = snapshot("shop-1", Some(&backup));
        assert_eq!(
            (s.phase.as_str(), s.progress.as_str()),
            ("Running", "3.0 MiB")
        );
        let unwritten = snapshot("shop-1", Some(&backup_without_status()));
        assert_eq!(
            (unwritten.phase.as_str(), unwritten.stage),
            ("Pending", None)
        );
    }

    fn backup_without_status() -> OdooBackupJob {
        let mut b = backup(serde_json::json!({}));
        b.status = None;
        b
    }

    #[test]
    fn log_lines_are_printed_once() {
        let a = snap("Running", &["one", "two"]);
        let b = snap("Running", &["two", "three"]);
        let lines = changes(Some(&a), &b, "t");
        assert_eq!(lines, ["t   | three"]);
        let first = changes(None, &a, "t");
        assert_eq!(first.len(), 3, "{first:?}");
    }

    #[test]
    fn the_agents_progress_lines_move_the_bar_and_stay_out_of_the_log() {
        let line = Progress {
            pass: "archive written:".into(),
            bytes: 3 << 20,
            total: None,
        }
        .to_line();
        let (lines, transfer) = split_progress(vec![
            "INFO dumping shop".into(),
            line.clone(),
            "INFO archive written: 3.0 MiB (1.0 MiB/s)".into(),
        ]);
        assert_eq!(
            lines,
            [
                "INFO dumping shop",
                "INFO archive written: 3.0 MiB (1.0 MiB/s)"
            ]
        );
        let s = JobSnapshot {
            transfer,
            ..snap("Running", &[])
        };
        assert_eq!(
            headline(&s),
            "odoobackupjob/shop-1 Running · archive written 3.0 MiB"
        );
        let (_, none) = split_progress(vec!["INFO no progress yet".into()]);
        assert_eq!(none, None);
    }
}
