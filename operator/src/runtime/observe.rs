//! Dereference: the reads a reconcile needs, gathered before anything is decided.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use kube::core::DeserializeGuard;
use odoo_model::{JobPhase, OdooInitJob, OdooInstance, OdooUpgradeJob, names};

use super::caches;
use super::error::Error;
use super::live::{LivePod, LiveText};
use crate::pg::clusters::PgClusters;
use crate::runtime::context::Context;
use kube::runtime::reflector::Store;

/// The key of the pg-clusters Secret that holds the clusters YAML.
pub const PG_CLUSTERS_KEY: &str = "clusters.yaml";

/// Reads and parses the pg-clusters Secret from the operator's namespace.
pub async fn pg_clusters(ctx: &Context) -> Result<PgClusters, Error> {
    let name = &ctx.config.pg_clusters_secret;
    let cached = ctx
        .caches
        .ready()
        .then(|| caches::get(&ctx.caches.pg_clusters, &ctx.config.namespace, name))
        .flatten();
    let secret = match cached {
        Some(secret) => Some((*secret).clone()),
        // Not cached yet, or missing: ask the API server, which also gives the
        // error its precise wording.
        None => Api::<Secret>::namespaced(ctx.client.clone(), &ctx.config.namespace)
            .get_opt(name)
            .await
            .map_err(Error::kube(format!(
                "reading Secret {}/{name}",
                ctx.config.namespace
            )))?,
    };
    let secret = secret.ok_or_else(|| {
        Error::PgClusters(format!(
            "the pg-clusters Secret {}/{name} does not exist; create it with key {PG_CLUSTERS_KEY}",
            ctx.config.namespace
        ))
    })?;
    let bytes = secret
        .data
        .as_ref()
        .and_then(|d| d.get(PG_CLUSTERS_KEY))
        .ok_or_else(|| {
            Error::PgClusters(format!(
                "Secret {}/{name} has no key {PG_CLUSTERS_KEY}",
                ctx.config.namespace
            ))
        })?;
    let text = std::str::from_utf8(&bytes.0).map_err(|_| {
        Error::PgClusters(format!("{PG_CLUSTERS_KEY} in Secret {name} is not UTF-8"))
    })?;
    crate::pg::clusters::parse(text).map_err(|e| Error::PgClusters(format!("Secret {name}: {e}")))
}

/// The objects of kind `K` in the instance's namespace that name it: from the
/// cache when it is ready, listed through the API otherwise.
pub(crate) async fn of_instance<K>(
    ctx: &Context,
    store: &Store<DeserializeGuard<K>>,
    instance: &OdooInstance,
    instance_of: fn(&K) -> &str,
) -> Result<Vec<K>, Error>
where
    K: crate::apply::Object,
{
    if ctx.caches.ready() {
        return Ok(caches::readable_of_instance(store, instance, instance_of));
    }
    let api: Api<K> = Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    );
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(Error::kube(format!("listing {}s", K::kind(&()))))?;
    Ok(list
        .items
        .into_iter()
        .filter(|o| instance_of(o) == instance.name_any())
        .collect())
}

/// The phase of the newest job resource of kind `K` that names the instance.
async fn newest_job_phase<K>(
    ctx: &Context,
    store: &Store<DeserializeGuard<K>>,
    instance: &OdooInstance,
    instance_of: fn(&K) -> &str,
    phase_of: fn(&K) -> Option<JobPhase>,
) -> Result<Option<JobPhase>, Error>
where
    K: crate::apply::Object,
{
    Ok(of_instance(ctx, store, instance, instance_of)
        .await?
        .iter()
        .max_by_key(|j| j.creation_timestamp().map(|t| t.0))
        .map(|j| phase_of(j).unwrap_or(JobPhase::Pending)))
}

/// The phase of the newest init job of the instance.
pub async fn init_job(ctx: &Context, instance: &OdooInstance) -> Result<Option<JobPhase>, Error> {
    newest_job_phase::<OdooInitJob>(
        ctx,
        &ctx.caches.init_jobs,
        instance,
        |j| &j.spec.instance_ref.name,
        |j| j.status.as_ref().and_then(|s| s.job.phase),
    )
    .await
}

/// The web Deployment, if it exists.
pub async fn web_deployment(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Option<Deployment>, Error> {
    let ns = instance.namespace().unwrap_or_default();
    let name = names::web_deployment(&instance.name_any());
    if ctx.caches.ready() {
        return Ok(caches::get(&ctx.caches.deployments, &ns, &name).map(|d| d.without_spec()));
    }
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    api.get_opt(&name)
        .await
        .map_err(Error::kube(format!("reading Deployment {name}")))
}

/// A Secret in the instance's namespace, if it exists. The operator's own Secrets
/// come from the cache; a Secret it does not have (the user's, or one just
/// created) is read through the API.
pub async fn secret(ctx: &Context, ns: &str, name: &str) -> Result<Option<Secret>, Error> {
    let cached = ctx
        .caches
        .ready()
        .then(|| caches::get(&ctx.caches.secrets, ns, name))
        .flatten();
    match cached {
        Some(secret) => decoded(&secret).map(Some),
        None => Api::<Secret>::namespaced(ctx.client.clone(), ns)
            .get_opt(name)
            .await
            .map_err(Error::kube(format!("reading Secret {name}"))),
    }
}

/// A key of a Secret the operator generates (it carries the operator's labels, so
/// its watch holds it): once the watch has listed, a Secret it does not hold does
/// not exist, and is not read through the API. Creating it then answers 409 if it
/// was made a moment ago, and the creator reads it with [`secret_value`].
pub async fn generated_secret_value(
    ctx: &Context,
    ns: &str,
    name: &str,
    key: &str,
) -> Result<Option<String>, Error> {
    if !ctx.caches.ready() {
        return secret_value(ctx, ns, name, key).await;
    }
    let Some(cached) = caches::get(&ctx.caches.secrets, ns, name) else {
        return Ok(None);
    };
    Ok(value_of(&decoded(&cached)?, key))
}

/// A cached Secret as its type.
fn decoded(secret: &LiveText<Secret>) -> Result<Secret, Error> {
    secret.decode().map_err(|source| Error::Cached {
        kind: "Secret",
        name: secret.name_any(),
        source,
    })
}

/// `key` of `secret` as text, if it has it.
pub fn value_of(secret: &Secret, key: &str) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone()).ok()
}

/// A key of a Secret in the instance's namespace, if both exist (see [`secret`]).
pub async fn secret_value(
    ctx: &Context,
    ns: &str,
    name: &str,
    key: &str,
) -> Result<Option<String>, Error> {
    Ok(secret(ctx, ns, name).await?.and_then(|s| value_of(&s, key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_pull_reasons_are_failures_and_others_are_not() {
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": { "name": "shop-web-1" },
            "status": {
                "initContainerStatuses": [{
                    "name": "agent", "image": "op:1", "imageID": "", "ready": false, "restartCount": 0,
                    "state": { "waiting": { "reason": "PodInitializing" } }
                }],
                "containerStatuses": [{
                    "name": "odoo", "image": "odoo:99.0", "imageID": "", "ready": false, "restartCount": 0,
                    "state": { "waiting": { "reason": "ImagePullBackOff", "message": "Back-off pulling image" } }
                }]
            }
        }))
        .expect("pod");
        let failures = pull_failures(&pod.into());
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].image, "odoo:99.0");
        assert_eq!(failures[0].reason, "ImagePullBackOff");
        assert_eq!(failures[0].pod, "shop-web-1");
    }
}

pub use super::pulls::{ImagePullFailure, pull_failures};

/// Image pull failures among the instance's pods (web, cron and job pods).
pub async fn image_pull_failures(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Vec<ImagePullFailure>, Error> {
    if ctx.caches.ready() {
        let ns = instance.namespace().unwrap_or_default();
        return Ok(ctx.caches.pulls.of_instance(&ns, &instance.name_any()));
    }
    let api: Api<LivePod> = Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    );
    let selector = format!(
        "{}={}",
        odoo_model::labels::INSTANCE_LABEL,
        instance.name_any()
    );
    let pods = api
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(Error::kube("listing the instance's pods"))?;
    Ok(pods.items.iter().flat_map(pull_failures).collect())
}

/// The newest upgrade job of an instance, as the lifecycle needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct UpgradeView {
    pub name: String,
    pub phase: JobPhase,
    /// The image upgraded to, once the job has started (or as the spec names it).
    pub target: Option<String>,
    pub previous_image: Option<String>,
    pub completed: Option<k8s_openapi::jiff::Timestamp>,
    pub rolled_back: bool,
    /// Web is stopped during the upgrade (Maintenance mode, or the Copy strategy).
    pub maintenance: bool,
}

/// The instance's upgrade jobs: the newest, and every image one of them targets.
pub async fn upgrade_jobs(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<(Option<UpgradeView>, Vec<String>), Error> {
    // A rehearsal works on a copy and leaves the instance alone.
    let jobs: Vec<OdooUpgradeJob> = of_instance(ctx, &ctx.caches.upgrade_jobs, instance, |j| {
        &j.spec.instance_ref.name
    })
    .await?
    .into_iter()
    .filter(|j| !j.spec.rehearsal)
    .collect();
    let target = |j: &OdooUpgradeJob| {
        j.status
            .as_ref()
            .and_then(|s| s.image.clone())
            .or_else(|| j.spec.image.clone())
    };
    let targets = jobs.iter().filter_map(target).collect();
    let newest = odoo_model::upgrade_job::newest_upgrade(&jobs).map(|j| {
        let status = j.status.clone().unwrap_or_default();
        // Past the switch (step Starting) the upgraded database is live and the
        // job only waits for the target to run to drop the previous one: for
        // the lifecycle the upgrade succeeded, and the rollout follows.
        let starting = status.step == Some(odoo_model::upgrade_job::UpgradeStep::Starting);
        UpgradeView {
            name: j.name_any(),
            phase: if starting {
                JobPhase::Succeeded
            } else {
                status.job.phase.unwrap_or(JobPhase::Pending)
            },
            target: target(j),
            previous_image: status.previous_image.clone(),
            completed: status.job.completion_time.as_ref().map(|t| t.0),
            rolled_back: status.rolled_back,
            // An update of a copy needs the live database still: web stops
            // before it is copied.
            maintenance: j.spec.mode == odoo_model::upgrade_job::UpgradeMode::Maintenance
                || status.strategy == Some(odoo_model::upgrade_job::UpgradeStrategy::Copy),
        }
    });
    Ok((newest, targets))
}

/// The phase of the newest backup job of the instance.
pub async fn backup_job(ctx: &Context, instance: &OdooInstance) -> Result<Option<JobPhase>, Error> {
    newest_job_phase::<odoo_model::OdooBackupJob>(
        ctx,
        &ctx.caches.backup_jobs,
        instance,
        |j| &j.spec.instance_ref.name,
        |j| j.status.as_ref().and_then(|s| s.job.phase),
    )
    .await
}

/// What the instance's restore jobs ask of it: `Running` while one is at the
/// switch (the instance must be down), else the newest one's phase once finished.
/// A restore that is still loading needs nothing: the instance keeps serving.
pub async fn restore_job(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Option<JobPhase>, Error> {
    use odoo_model::restore_job::RestoreStep;
    let jobs = restore_jobs(ctx, instance).await?;
    let switching = jobs.iter().any(|j| {
        j.status.as_ref().is_some_and(|s| {
            s.job.phase == Some(JobPhase::Running) && s.step == Some(RestoreStep::Switching)
        })
    });
    if switching {
        return Ok(Some(JobPhase::Running));
    }
    Ok(jobs
        .iter()
        .max_by_key(|j| j.creation_timestamp().map(|t| t.0))
        .and_then(|j| {
            let s = j.status.as_ref()?;
            // Past the switch the restored data is live and the instance starts on
            // it; the job only waits for that to drop the previous database.
            if s.step == Some(RestoreStep::Starting) {
                return Some(JobPhase::Succeeded);
            }
            s.job.phase
        })
        .filter(|p| p.is_finished()))
}

/// The name of a restore of the instance that has started and not finished.
pub async fn restore_in_progress(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Option<String>, Error> {
    Ok(restore_jobs(ctx, instance)
        .await?
        .iter()
        .find(|j| j.status.as_ref().and_then(|s| s.job.phase) == Some(JobPhase::Running))
        .map(ResourceExt::name_any))
}

async fn restore_jobs(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Vec<odoo_model::OdooRestoreJob>, Error> {
    of_instance(ctx, &ctx.caches.restore_jobs, instance, |j| {
        &j.spec.instance_ref.name
    })
    .await
}

/// The phase of the newest cluster migration of the instance.
pub async fn migration(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Option<odoo_model::cluster_migration::MigrationPhase>, Error> {
    let migrations = of_instance(ctx, &ctx.caches.migrations, instance, |m| {
        &m.spec.instance_ref.name
    })
    .await?;
    Ok(migrations
        .iter()
        .max_by_key(|m| m.creation_timestamp().map(|t| t.0))
        .map(|m| m.status.as_ref().and_then(|s| s.phase).unwrap_or_default()))
}

/// The job resource holding the instance now, as `Kind/name`: a running upgrade
/// (rehearsals work on a copy), restore or backup, or a cluster migration under
/// way. Init jobs are the lifecycle's own, told by the phase.
pub async fn active_job(ctx: &Context, instance: &OdooInstance) -> Result<Option<String>, Error> {
    use odoo_model::cluster_migration::MigrationPhase;
    fn running(phase: Option<JobPhase>) -> bool {
        phase == Some(JobPhase::Running)
    }
    let named = |kind: &str, name: String| Some(format!("{kind}/{name}"));
    let upgrades = of_instance(ctx, &ctx.caches.upgrade_jobs, instance, |j| {
        &j.spec.instance_ref.name
    })
    .await?;
    if let Some(j) = upgrades
        .into_iter()
        .find(|j| !j.spec.rehearsal && running(j.status.as_ref().and_then(|s| s.job.phase)))
    {
        return Ok(named("OdooUpgradeJob", j.name_any()));
    }
    if let Some(j) = restore_jobs(ctx, instance)
        .await?
        .into_iter()
        .find(|j| running(j.status.as_ref().and_then(|s| s.job.phase)))
    {
        return Ok(named("OdooRestoreJob", j.name_any()));
    }
    let backups: Vec<odoo_model::OdooBackupJob> =
        of_instance(ctx, &ctx.caches.backup_jobs, instance, |j| {
            &j.spec.instance_ref.name
        })
        .await?;
    if let Some(j) = backups
        .into_iter()
        .find(|j| running(j.status.as_ref().and_then(|s| s.job.phase)))
    {
        return Ok(named("OdooBackupJob", j.name_any()));
    }
    let migrations = of_instance(ctx, &ctx.caches.migrations, instance, |m| {
        &m.spec.instance_ref.name
    })
    .await?;
    Ok(migrations
        .into_iter()
        .find(|m| {
            let phase = m.status.as_ref().and_then(|s| s.phase);
            phase.is_some_and(|p| {
                !matches!(
                    p,
                    MigrationPhase::Pending
                        | MigrationPhase::Succeeded
                        | MigrationPhase::RolledBack
                        | MigrationPhase::Failed
                )
            })
        })
        .and_then(|m| named("OdooClusterMigration", m.name_any())))
}
