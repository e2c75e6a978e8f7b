//! What `status` shows, gathered into one serialisable struct.

use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams};
use odoo_model::labels::instance_selector;
use odoo_model::{InstancePhase, OdooInstance};
use serde::Serialize;

use crate::error::CliError;
use crate::phase;
use crate::watch::children::{self, ChildView};

use crate::watch::job::LOG_TAIL;

/// One view of an instance.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub name: String,
    pub namespace: String,
    pub phase: String,
    pub message: String,
    pub ready: String,
    pub url: String,
    /// The image the spec asks for.
    pub image: String,
    /// The image the instance runs (its status), which a rollback sets back.
    pub running_image: String,
    pub generation: i64,
    pub observed_generation: i64,
    pub conditions: Vec<ConditionView>,
    pub children: Vec<ChildView>,
    pub warnings: Vec<EventView>,
    /// The latest events of any type on the instance and its children, newest last.
    pub recent: Vec<EventView>,
    /// The last lines of the running batch Job's pod while the instance initializes,
    /// upgrades, backs up, restores or migrates; empty when no log can be read.
    pub log_tail: Vec<String>,
    /// False when the instance does not exist (deleted while watching).
    pub exists: bool,
    /// The last upgrade rehearsal, in words; empty without one.
    pub rehearsal: String,
    /// The job resource holding the instance (`OdooBackupJob/nightly-1`), as the
    /// operator records it; empty when none does.
    pub active_job: String,
    /// The last successful backup in words (name, time, size, verified or not);
    /// empty without one.
    pub last_backup: String,
    /// The databases restores and upgrades kept, newest first, in words (name,
    /// what kept it, size); empty without any.
    pub kept: Vec<String>,
    /// Where its Ready web pods serve, `http://<pod IP>:<port>`: reachable from
    /// the cluster's network (on the local simulated cluster, from the machine).
    pub serving: Vec<String>,
}

/// A condition, flattened for display.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConditionView {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// An event on the instance or a child.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    /// When it was last seen (RFC 3339); the view shows its age.
    pub last_seen: String,
}

impl Snapshot {
    /// This snapshot with what `instance` itself says (phase, message, conditions,
    /// generations); children, events and logs stay as they were.
    pub fn with_instance(self, instance: &OdooInstance) -> Snapshot {
        let status = instance.status.clone().unwrap_or_default();
        Snapshot {
            phase: status
                .phase
                .map(|p| p.to_string())
                .unwrap_or_else(|| "Pending".into()),
            message: status.message.unwrap_or_default(),
            ready: status.ready.unwrap_or_default(),
            url: status.url.unwrap_or_default(),
            image: instance.spec.image.clone().unwrap_or_default(),
            running_image: status.image.clone().unwrap_or_default(),
            rehearsal: status
                .last_rehearsal
                .as_ref()
                .map(|r| r.describe())
                .unwrap_or_default(),
            active_job: status.active_job.clone().unwrap_or_default(),
            last_backup: status
                .last_backup
                .as_ref()
                .map(describe_backup)
                .unwrap_or_default(),
            kept: status.kept_databases.iter().map(describe_kept).collect(),
            generation: instance.metadata.generation.unwrap_or_default(),
            observed_generation: status.observed_generation.unwrap_or_default(),
            conditions: status
                .conditions
                .iter()
                .map(|c| ConditionView {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                })
                .collect(),
            exists: true,
            ..self
        }
    }

    /// The phase as the model types it; `None` before the operator set one (shown
    /// as Pending) and when the instance does not exist.
    pub fn instance_phase(&self) -> Option<InstancePhase> {
        phase::parse(&self.phase)
    }

    /// True once the operator has seen the latest spec.
    pub fn caught_up(&self) -> bool {
        self.exists && self.observed_generation >= self.generation
    }
}

/// Reads the instance and its children. Missing instance → `exists: false`.
pub async fn collect(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Snapshot, CliError> {
    let instances: Api<OdooInstance> = Api::namespaced(client.clone(), namespace);
    let Some(instance) = crate::read::read(&instances, name).await? else {
        return Ok(Snapshot {
            name: name.into(),
            namespace: namespace.into(),
            ..Default::default()
        });
    };
    let mut snap = Snapshot {
        name: name.into(),
        namespace: namespace.into(),
        ..Default::default()
    }
    .with_instance(&instance);
    let selector = ListParams::default().labels(&instance_selector(name));
    snap.children = children::deployments(client, namespace, &selector).await?;
    snap.serving = crate::watch::serving::serving(client, namespace, name).await?;
    snap.children
        .extend(children::filestore(client, namespace, name).await?);
    snap.children
        .extend(children::init_jobs(client, namespace, &selector).await?);
    snap.children
        .extend(children::job_resources(client, namespace, name).await?);
    let events = events(client, namespace, name, &snap.children).await?;
    let warnings: Vec<EventView> = events
        .iter()
        .filter(|e| e.type_ == "Warning")
        .cloned()
        .collect();
    snap.warnings = last(warnings, 5);
    snap.recent = last(events, 5);
    if snap
        .instance_phase()
        .is_some_and(|p| phase::JOB_RUNNING.contains(&p))
    {
        // The batch Jobs' pods carry the instance label and the Job's name.
        let selector = format!("{},job-name", instance_selector(name));
        let tail = crate::watch::job::log_tail(client, namespace, &selector, LOG_TAIL).await;
        snap.log_tail = crate::watch::job::split_progress(tail).0;
    }
    Ok(snap)
}

/// `nightly-1 at 2026-12-04 01:02 UTC (12.3 MiB, verified)`.
fn describe_kept(k: &odoo_model::kept::KeptDatabase) -> String {
    format!(
        "{} ({}, {}, kept {})",
        k.name,
        k.reason,
        crate::output::size(k.size_bytes),
        k.kept_at.0.strftime("%Y-%m-%d %H:%M UTC")
    )
}

fn describe_backup(b: &odoo_model::instance::LastBackup) -> String {
    let mut about: Vec<String> = b.size_bytes.map(crate::output::size).into_iter().collect();
    about.push(
        match b.verified {
            Some(true) => "verified",
            Some(false) => "verification failed",
            None => "not verified",
        }
        .into(),
    );
    format!(
        "{} at {} ({})",
        b.name,
        b.completion_time.0.strftime("%Y-%m-%d %H:%M UTC"),
        about.join(", ")
    )
}

/// The last `n` of `items`.
fn last<T>(mut items: Vec<T>, n: usize) -> Vec<T> {
    let start = items.len().saturating_sub(n);
    items.split_off(start)
}

/// Events of the instance and its children, oldest first.
async fn events(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    children: &[ChildView],
) -> Result<Vec<EventView>, CliError> {
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let mut objects: Vec<String> = vec![name.to_owned()];
    objects.extend(children.iter().map(|c| c.name.clone()));
    objects.dedup();
    let mut found: Vec<Event> = Vec::new();
    for object in objects {
        let params = ListParams::default().fields(&format!("involvedObject.name={object}"));
        found.extend(
            events
                .list(&params)
                .await
                .map_err(CliError::api("listing events"))?
                .items,
        );
    }
    let seen = |e: &Event| {
        e.last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or(e.event_time.as_ref().map(|t| t.0))
            .or(e.metadata.creation_timestamp.as_ref().map(|t| t.0))
    };
    found.sort_by_key(seen);
    Ok(found
        .iter()
        .map(|e| EventView {
            object: format!(
                "{}/{}",
                e.involved_object.kind.clone().unwrap_or_default(),
                e.involved_object.name.clone().unwrap_or_default()
            ),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
            count: e.count.unwrap_or(1),
            type_: e.type_.clone().unwrap_or_else(|| "Normal".into()),
            last_seen: seen(e).map(|t| t.to_string()).unwrap_or_default(),
        })
        .collect())
}
