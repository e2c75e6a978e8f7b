//! The children of an instance as `status` shows them: its Deployments, the
//! filestore claim, init jobs, and the job resources whose batch Jobs carry its
//! label. Reads are scoped to the instance (its label, its claim's name).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use odoo_model::labels::instance_selector;
use odoo_model::{JobPhase, OdooInitJob, names};
use serde::Serialize;

use crate::error::CliError;
use crate::phase::{self, JobEnd};

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

/// The instance's Deployments (`selector`: its label), by name.
pub async fn deployments(
    client: &kube::Client,
    namespace: &str,
    selector: &ListParams,
) -> Result<Vec<ChildView>, CliError> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let mut deps = deployments
        .list(selector)
        .await
        .map_err(CliError::api("listing the instance's Deployments"))?
        .items;
    deps.sort_by_key(|d| d.name_any());
    Ok(deps.iter().map(deployment).collect())
}

fn deployment(d: &Deployment) -> ChildView {
    let (state, ok) = rollout(d);
    let image = d
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    ChildView {
        kind: "Deployment".into(),
        name: d.name_any(),
        state,
        ok,
        image,
    }
}

/// The instance's filestore claim, if it exists.
pub async fn filestore(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Option<ChildView>, CliError> {
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    let Some(pvc) = pvcs
        .get_opt(&names::filestore_pvc(name))
        .await
        .map_err(CliError::api("reading the filestore claim"))?
    else {
        return Ok(None);
    };
    let phase = pvc
        .status
        .and_then(|s| s.phase)
        .unwrap_or_else(|| "Pending".into());
    Ok(Some(ChildView {
        kind: "PVC".into(),
        name: pvc.metadata.name.unwrap_or_default(),
        ok: phase == "Bound",
        state: phase,
        image: String::new(),
    }))
}

/// The instance's init jobs (`selector`: its label).
pub async fn init_jobs(
    client: &kube::Client,
    namespace: &str,
    selector: &ListParams,
) -> Result<Vec<ChildView>, CliError> {
    let jobs: Api<OdooInitJob> = Api::namespaced(client.clone(), namespace);
    let init = jobs
        .list(selector)
        .await
        .map_err(CliError::api("listing init jobs"))?;
    Ok(init
        .items
        .iter()
        .map(|j| {
            // No phase yet reads as the model's default, Pending.
            let phase = j
                .status
                .as_ref()
                .and_then(|s| s.job.phase)
                .unwrap_or_default();
            ChildView {
                kind: "OdooInitJob".into(),
                name: j.name_any(),
                ok: phase == JobPhase::Succeeded,
                state: format!("{phase:?}"),
                image: String::new(),
            }
        })
        .collect())
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
pub async fn job_resources(
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

#[cfg(test)]
#[path = "children_tests.rs"]
mod tests;
