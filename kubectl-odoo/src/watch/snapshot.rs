//! What `status` shows, gathered into one serialisable struct.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use odoo_model::labels::instance_selector;
use odoo_model::{InstancePhase, JobPhase, OdooInitJob, OdooInstance, names};
use serde::Serialize;

use crate::error::CliError;
use crate::phase::{self, JobEnd};
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

/// A child object and how far along it is.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChildView {
    pub kind: String,
    pub name: String,
    /// `2/2` for workloads, the phase for claims and jobs.
    pub state: String,
    pub ok: bool,
    /// A workload's image (its pod template's first container); empty otherwise.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
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
    let Some(instance) = instances
        .get_opt(name)
        .await
        .map_err(CliError::api(format!("reading odoo/{name}")))?
    else {
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
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let mut deps = deployments
        .list(&selector)
        .await
        .map_err(CliError::api("listing the instance's Deployments"))?
        .items;
    deps.sort_by_key(|d| d.name_any());
    for d in deps {
        let (state, ok) = rollout(&d);
        let image = d
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .and_then(|p| p.containers.first())
            .and_then(|c| c.image.clone())
            .unwrap_or_default();
        snap.children.push(ChildView {
            kind: "Deployment".into(),
            name: d.name_any(),
            state,
            ok,
            image,
        });
    }
    snap.serving = crate::watch::serving::serving(client, namespace, name).await?;
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    if let Some(pvc) = pvcs
        .get_opt(&names::filestore_pvc(name))
        .await
        .map_err(CliError::api("reading the filestore claim"))?
    {
        let phase = pvc
            .status
            .and_then(|s| s.phase)
            .unwrap_or_else(|| "Pending".into());
        snap.children.push(ChildView {
            kind: "PVC".into(),
            name: pvc.metadata.name.unwrap_or_default(),
            ok: phase == "Bound",
            state: phase,
            image: String::new(),
        });
    }
    let jobs: Api<OdooInitJob> = Api::namespaced(client.clone(), namespace);
    let init = jobs
        .list(&selector)
        .await
        .map_err(CliError::api("listing init jobs"))?;
    for j in init.items {
        // No phase yet reads as the model's default, Pending.
        let phase = j
            .status
            .as_ref()
            .and_then(|s| s.job.phase)
            .unwrap_or_default();
        snap.children.push(ChildView {
            kind: "OdooInitJob".into(),
            name: j.name_any(),
            ok: phase == JobPhase::Succeeded,
            state: format!("{phase:?}"),
            image: String::new(),
        });
    }
    snap.children
        .extend(job_resources(client, namespace, name).await?);
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

/// A Deployment's rollout in words, and whether it is complete: ready of desired,
/// and while pods of an older template remain, how many run the new one.
pub fn rollout(d: &Deployment) -> (String, bool) {
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
    let status = d.status.clone().unwrap_or_default();
    // A status older than the spec describes the previous template's pods, as
    // `kubectl rollout status` knows: just after a change it would say "complete".
    if status.observed_generation.unwrap_or(0) < d.metadata.generation.unwrap_or(0) {
        return ("rollout starting".into(), false);
    }
    let ready = status.ready_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let total = status.replicas.unwrap_or(0);
    let rolling = updated < want || total > want;
    let state = if rolling {
        format!("{updated} of {want} updated, {ready} ready (rolling out)")
    } else {
        format!("{ready}/{want} ready")
    };
    (state, !rolling && ready >= want)
}

/// The instance's job resources that have a batch Job (upgrades, backups, restores,
/// migrations: found through the Jobs carrying the instance's label and their
/// owners), with their phase and the Job's own state; init jobs are listed apart.
async fn job_resources(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Vec<ChildView>, CliError> {
    let batch: Api<Job> = Api::namespaced(client.clone(), namespace);
    let mut jobs = batch
        .list(&ListParams::default().labels(&instance_selector(name)))
        .await
        .map_err(CliError::api("listing the instance's Jobs"))?
        .items;
    // Newest first; a job resource with several batch Jobs (a restore's load and
    // switch) is shown once, with its newest.
    jobs.sort_by_key(|j| std::cmp::Reverse(j.creation_timestamp().map(|t| t.0)));
    let mut owners_seen = std::collections::BTreeSet::new();
    let newest: Vec<(Job, OwnerReference)> = jobs
        .into_iter()
        .filter_map(|j| {
            let owner = j.owner_references().first().cloned()?;
            owners_seen
                .insert((owner.kind.clone(), owner.name.clone()))
                .then_some((j, owner))
        })
        .take(3)
        .collect();
    let mut children = Vec::new();
    for (job, owner) in newest.into_iter().rev() {
        let Some(resource) = job_resource(&owner.kind) else {
            continue;
        };
        let owners: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
        let phase = owners
            .get_opt(&owner.name)
            .await
            .ok()
            .flatten()
            .and_then(|o| {
                o.data
                    .pointer("/status/phase")
                    .and_then(|p| p.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "Pending".into());
        let status = job.status.clone().unwrap_or_default();
        let batch_state = if status.succeeded.unwrap_or(0) > 0 {
            "complete"
        } else if status.failed.unwrap_or(0) > 0 {
            "failed"
        } else {
            "running"
        };
        children.push(ChildView {
            kind: owner.kind.clone(),
            name: owner.name.clone(),
            ok: phase::job_end(&owner.kind, &phase) == Some(JobEnd::Succeeded),
            state: format!("{phase}, Job {} {batch_state}", job.name_any()),
            image: String::new(),
        });
    }
    Ok(children)
}

/// The API resource of a job kind that runs batch Jobs for an instance.
fn job_resource(kind: &str) -> Option<ApiResource> {
    use odoo_model::{OdooBackupJob, OdooClusterMigration, OdooRestoreJob, OdooUpgradeJob};
    Some(match kind {
        "OdooUpgradeJob" => ApiResource::erase::<OdooUpgradeJob>(&()),
        "OdooBackupJob" => ApiResource::erase::<OdooBackupJob>(&()),
        "OdooRestoreJob" => ApiResource::erase::<OdooRestoreJob>(&()),
        "OdooClusterMigration" => ApiResource::erase::<OdooClusterMigration>(&()),
        _ => return None,
    })
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

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
