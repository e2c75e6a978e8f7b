//! The instance controller's view of the objects it reads on every reconcile, kept
//! by the watches that trigger it. Reading from them instead of listing through the
//! API server is what lets a reconcile cost a handful of requests instead of a
//! namespace-wide LIST per job kind: with a thousand instances in one namespace,
//! each of those LISTs returned a thousand objects.
//!
//! A cache can be a moment behind the API server. Everything read here also
//! triggers a reconcile when it changes, so a decision made on a stale view is
//! made again as soon as the watch catches up; writes are idempotent applies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::live::{LiveDeployment, LivePod};
use futures::Stream;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;
use kube::core::DeserializeGuard;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, Resource, ResourceExt};
use odoo_model::{
    OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooInstance, OdooRestoreJob, OdooUpgradeJob,
};

/// Job events a slow job controller may fall behind the shared Jobs watch by before
/// the watch waits for it.
const JOB_EVENTS_BUFFER: usize = 1024;

/// The stores, filled by [`Writers`] once the controllers run.
#[derive(Clone)]
pub struct Caches {
    /// The instances, from the instance controller's own watch: the job controllers
    /// read the instance a job names here. Not part of [`Caches::ready`] (see
    /// `mark_filling`).
    pub instances: Store<DeserializeGuard<OdooInstance>>,
    pub init_jobs: Store<OdooInitJob>,
    pub upgrade_jobs: Store<OdooUpgradeJob>,
    pub backup_jobs: Store<OdooBackupJob>,
    pub restore_jobs: Store<OdooRestoreJob>,
    pub migrations: Store<OdooClusterMigration>,
    pub deployments: Store<LiveDeployment>,
    pub services: Store<Service>,
    pub ingresses: Store<Ingress>,
    pub secrets: Store<Secret>,
    pub pods: Store<LivePod>,
    pub pvcs: Store<PersistentVolumeClaim>,
    /// The batch Jobs the operator made, from one watch shared by the five job
    /// controllers (each is woken by the Jobs its kind owns).
    pub jobs: Store<Job>,
    /// The pg-clusters Secret, from a watch of that one Secret.
    pub pg_clusters: Store<Secret>,
    /// Set when the controllers took the writers: the stores are filling.
    filling: Arc<AtomicBool>,
    /// Set once every store has its first full list. Until then (and in a process
    /// that runs no controllers, like the agent) readers go to the API server.
    ready: Arc<AtomicBool>,
    /// Becomes true when the stores are ready or cannot become so: what waiting
    /// reconciles wait on.
    settled: Arc<tokio::sync::watch::Sender<bool>>,
}

/// The write halves, consumed by the controllers' watch streams.
pub struct Writers {
    pub instances: reflector::store::Writer<DeserializeGuard<OdooInstance>>,
    pub init_jobs: reflector::store::Writer<OdooInitJob>,
    pub upgrade_jobs: reflector::store::Writer<OdooUpgradeJob>,
    pub backup_jobs: reflector::store::Writer<OdooBackupJob>,
    pub restore_jobs: reflector::store::Writer<OdooRestoreJob>,
    pub migrations: reflector::store::Writer<OdooClusterMigration>,
    pub deployments: reflector::store::Writer<LiveDeployment>,
    pub services: reflector::store::Writer<Service>,
    pub ingresses: reflector::store::Writer<Ingress>,
    pub secrets: reflector::store::Writer<Secret>,
    pub pods: reflector::store::Writer<LivePod>,
    pub pvcs: reflector::store::Writer<PersistentVolumeClaim>,
    /// A shared writer: the job controllers subscribe to it.
    pub jobs: reflector::store::Writer<Job>,
    pub pg_clusters: reflector::store::Writer<Secret>,
}

impl Caches {
    pub fn new() -> (Caches, Writers) {
        let (instances, instances_w) = reflector::store();
        let (init_jobs, init_jobs_w) = reflector::store();
        let (upgrade_jobs, upgrade_jobs_w) = reflector::store();
        let (backup_jobs, backup_jobs_w) = reflector::store();
        let (restore_jobs, restore_jobs_w) = reflector::store();
        let (migrations, migrations_w) = reflector::store();
        let (deployments, deployments_w) = reflector::store();
        let (services, services_w) = reflector::store();
        let (ingresses, ingresses_w) = reflector::store();
        let (secrets, secrets_w) = reflector::store();
        let (pods, pods_w) = reflector::store();
        let (pvcs, pvcs_w) = reflector::store();
        let (jobs, jobs_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (pg_clusters, pg_clusters_w) = reflector::store();
        let caches = Caches {
            instances,
            init_jobs,
            upgrade_jobs,
            backup_jobs,
            restore_jobs,
            migrations,
            deployments,
            services,
            ingresses,
            secrets,
            pods,
            pvcs,
            jobs,
            pg_clusters,
            filling: Arc::new(AtomicBool::new(false)),
            ready: Arc::new(AtomicBool::new(false)),
            settled: Arc::new(tokio::sync::watch::Sender::new(false)),
        };
        let writers = Writers {
            instances: instances_w,
            init_jobs: init_jobs_w,
            upgrade_jobs: upgrade_jobs_w,
            backup_jobs: backup_jobs_w,
            restore_jobs: restore_jobs_w,
            migrations: migrations_w,
            deployments: deployments_w,
            services: services_w,
            ingresses: ingresses_w,
            secrets: secrets_w,
            pods: pods_w,
            pvcs: pvcs_w,
            jobs: jobs_w,
            pg_clusters: pg_clusters_w,
        };
        (caches, writers)
    }

    /// Whether readers may use the stores.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Called by whoever consumes the [`Writers`], in a Tokio runtime: from now on
    /// reconciles wait for the stores' first lists.
    pub fn mark_filling(&self) {
        self.filling.store(true, Ordering::Release);
        // One task waits on the stores and tells every reconcile: a store's own
        // readiness future wakes only the last of several concurrent waiters, so
        // reconciles must not wait on it directly.
        let caches = self.clone();
        tokio::spawn(async move {
            // Not the instances' store: the instance controller waits on it itself,
            // and a second waiter would take its wake-up. Readers of it fall back to
            // the API server for what it does not hold yet.
            let waits = [
                caches.init_jobs.wait_until_ready().await,
                caches.upgrade_jobs.wait_until_ready().await,
                caches.backup_jobs.wait_until_ready().await,
                caches.restore_jobs.wait_until_ready().await,
                caches.migrations.wait_until_ready().await,
                caches.deployments.wait_until_ready().await,
                caches.services.wait_until_ready().await,
                caches.ingresses.wait_until_ready().await,
                caches.secrets.wait_until_ready().await,
                caches.pods.wait_until_ready().await,
                caches.pvcs.wait_until_ready().await,
                caches.jobs.wait_until_ready().await,
                caches.pg_clusters.wait_until_ready().await,
            ];
            // A dropped writer means the controllers stopped: keep reading the API.
            if waits.iter().all(Result::is_ok) {
                caches.ready.store(true, Ordering::Release);
            }
            caches.settled.send_replace(true);
        });
    }

    /// Waits until every store holds its first full list. The stores fill while
    /// the controller polls its watches, which it does while reconciles wait here.
    /// Returns at once when nothing fills them.
    pub async fn wait_until_ready(&self) {
        if self.ready() || !self.filling.load(Ordering::Acquire) {
            return;
        }
        let mut settled = self.settled.subscribe();
        // Err only if the sender is gone, and `self` holds it.
        let _ = settled.wait_for(|settled| *settled).await;
    }
}

impl Caches {
    /// Each store's objects and their size as JSON, by store name. Serializes
    /// every object: for the metrics' occasional refresh, not for a reconcile.
    pub fn sizes(&self) -> Vec<(&'static str, usize, usize)> {
        fn json<T: serde::Serialize>(o: &T) -> usize {
            serde_json::to_vec(o).map_or(0, |v| v.len())
        }
        fn size<K: Resource<DynamicType = ()> + Clone + serde::Serialize + 'static>(
            name: &'static str,
            store: &Store<K>,
        ) -> (&'static str, usize, usize) {
            let objects = store.state();
            (
                name,
                objects.len(),
                objects.iter().map(|o| json(o.as_ref())).sum(),
            )
        }
        let instances = self.instances.state();
        let instance_bytes = instances
            .iter()
            .map(|guard| match &guard.0 {
                Ok(instance) => json(instance),
                Err(invalid) => json(&invalid.metadata),
            })
            .sum();
        vec![
            ("instances", instances.len(), instance_bytes),
            size("init_jobs", &self.init_jobs),
            size("upgrade_jobs", &self.upgrade_jobs),
            size("backup_jobs", &self.backup_jobs),
            size("restore_jobs", &self.restore_jobs),
            size("migrations", &self.migrations),
            size("deployments", &self.deployments),
            size("services", &self.services),
            size("ingresses", &self.ingresses),
            size("secrets", &self.secrets),
            size("pods", &self.pods),
            size("pvcs", &self.pvcs),
            size("jobs", &self.jobs),
            size("pg_clusters", &self.pg_clusters),
        ]
    }
}

/// The objects of a store in `namespace` that belong to `instance` by `instance_of`.
pub fn of_instance<K>(
    store: &Store<K>,
    instance: &OdooInstance,
    instance_of: fn(&K) -> &str,
) -> Vec<Arc<K>>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    let ns = instance.metadata.namespace.as_deref();
    let name = instance.name_any();
    // No allocation per object: at a thousand instances every pass scans thousands.
    store.state_filter(|o| o.meta().namespace.as_deref() == ns && instance_of(o) == name)
}

/// One object of a store by namespace and name.
pub fn get<K>(store: &Store<K>, namespace: &str, name: &str) -> Option<Arc<K>>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    store.get(&ObjectRef::new(name).within(namespace))
}

/// A watch of `api` that keeps `writer`'s store, for a controller's `owns_stream` or
/// `watches_stream`. Managed fields are dropped: nothing reads them, and they are a
/// large part of every object.
pub fn stream<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    writer: reflector::store::Writer<K>,
) -> impl Stream<Item = Result<K, watcher::Error>> + Send + 'static {
    trimmed_stream(api, config, writer, |_| {})
}

/// A Pod as the operator reads it: which instance it belongs to and what its
/// containers wait on (image pulls). Its spec is not even decoded (see `live`).
pub fn trim_pod(pod: &mut LivePod) {
    pod.metadata.annotations = None;
    pod.metadata.owner_references = None;
    if let Some(status) = pod.status.take() {
        pod.status = Some(k8s_openapi::api::core::v1::PodStatus {
            container_statuses: status.container_statuses,
            init_container_statuses: status.init_container_statuses,
            ..Default::default()
        });
    }
}

/// A Deployment as the operator reads it: all it applies (its spec, compared whole
/// before a write, see `live`) and the replica counts of its status; the status'
/// conditions, which no reader looks at, are dropped.
pub fn trim_deployment(deployment: &mut LiveDeployment) {
    if let Some(status) = &mut deployment.status {
        status.conditions = None;
    }
}

/// What of a Pod can change a decision: its image pull failures. Only a change of
/// them wakes the instance (see [`pull_failures_changed`]): a Pod goes through
/// several status updates on its way to ready, and each used to cost a whole pass.
pub fn pod_trigger(pod: &LivePod) -> u64 {
    let failures: Vec<(String, String)> = super::observe::pull_failures(pod)
        .into_iter()
        .map(|f| (f.reason, f.image))
        .collect();
    hash(&failures)
}

/// What of a Deployment can change a decision: its generation (an edit to revert),
/// its deletion and, for web only, the rollout's progress as the decision reads it.
/// Cron's status and condition timestamps and the like do not wake the instance:
/// at a thousand new instances those were a quarter of all passes.
pub fn deployment_trigger(d: &LiveDeployment) -> Option<u64> {
    let web = d
        .labels()
        .get(odoo_model::labels::APP_COMPONENT)
        .map(String::as_str)
        == Some(crate::build::component::WEB);
    let status = d.status.as_ref().filter(|_| web);
    Some(hash(&(
        d.metadata.generation,
        d.metadata.deletion_timestamp.is_some(),
        status.and_then(|s| s.observed_generation),
        status.and_then(|s| s.replicas),
        status.and_then(|s| s.ready_replicas),
        status.and_then(|s| s.updated_replicas),
    )))
}

/// Pods whose image pull failures changed since they were last seen, a pod not
/// seen before counting as one without failures: a new healthy pod changes no
/// decision (its Deployment's status does), one that cannot pull its image does.
/// A deleted pod passes if it had failures, so they leave the status with it.
pub fn pull_failures_changed<S>(
    pods: S,
) -> impl Stream<Item = Result<LivePod, watcher::Error>> + Send
where
    S: Stream<Item = Result<LivePod, watcher::Error>> + Send,
{
    use futures::TryStreamExt as _;
    let none = hash(&Vec::<(String, String)>::new());
    let mut seen = std::collections::HashMap::<(String, String), u64>::new();
    pods.try_filter(move |pod| {
        let key = (
            pod.metadata.namespace.clone().unwrap_or_default(),
            pod.name_any(),
        );
        let failures = pod_trigger(pod);
        let before = seen.get(&key).copied().unwrap_or(none);
        let changed = if pod.metadata.deletion_timestamp.is_some() {
            seen.remove(&key);
            before != none
        } else {
            if failures == none {
                seen.remove(&key);
            } else {
                seen.insert(key, failures);
            }
            before != failures
        };
        futures::future::ready(changed)
    })
}

/// What of a batch Job can change a decision: its outcome. A running Job's
/// progress (active, ready, start time) does not wake its job resource.
pub fn job_trigger(job: &Job) -> u64 {
    hash(&super::batch::outcome(job))
}

fn hash<T: std::hash::Hash>(value: &T) -> u64 {
    use std::hash::Hasher as _;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// How long [`distinct`] remembers an object it has not seen since: objects
/// deleted meanwhile are forgotten, so the memory does not grow with every Job ever
/// made. One seen again after that simply passes once more.
const DISTINCT_MEMORY: std::time::Duration = std::time::Duration::from_secs(3600);

/// `stream` without the objects whose `trigger` did not change since the last
/// one of the same name: a shared store's subscription, which the controller's
/// own predicate filter does not take.
pub fn distinct<K, S>(stream: S, trigger: fn(&K) -> u64) -> impl Stream<Item = Arc<K>> + Send
where
    K: Resource + Send + Sync + 'static,
    S: Stream<Item = Arc<K>> + Send,
{
    use futures::StreamExt as _;
    use std::time::Instant;
    let mut seen = std::collections::HashMap::<(String, String), (u64, Instant)>::new();
    let mut last_sweep = Instant::now();
    stream.filter(move |o| {
        let now = Instant::now();
        if now.duration_since(last_sweep) > DISTINCT_MEMORY {
            seen.retain(|_, (_, at)| now.duration_since(*at) < DISTINCT_MEMORY);
            last_sweep = now;
        }
        let key = (
            o.meta().namespace.clone().unwrap_or_default(),
            o.meta().name.clone().unwrap_or_default(),
        );
        let value = trigger(o);
        let before = seen.insert(key, (value, now)).map(|(v, _)| v);
        let changed = o.meta().deletion_timestamp.is_some() || before != Some(value);
        futures::future::ready(changed)
    })
}

/// A batch Job as the operator reads it: its owner and its outcome (the status'
/// conditions). Its pod template is dropped; a Job is only ever applied whole
/// from the builders, never compared with this copy.
pub fn trim_job(job: &mut Job) {
    job.spec = None;
    job.metadata.annotations = None;
}

/// A kind the caches watch.
pub trait Watched:
    Resource<DynamicType = ()>
    + Clone
    + serde::de::DeserializeOwned
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
}

impl<K> Watched for K where
    K: Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static
{
}

/// The watch of `api`, with managed fields and what `trim` drops gone before an
/// object reaches a store.
pub fn trimmed_watch<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    trim: fn(&mut K),
) -> impl Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send + 'static {
    watcher(api, config).default_backoff().modify(move |o| {
        o.managed_fields_mut().clear();
        trim(o);
    })
}

/// Like [`stream`], `trim` also dropping what the readers of this kind never read.
pub fn trimmed_stream<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    writer: reflector::store::Writer<K>,
    trim: fn(&mut K),
) -> impl Stream<Item = Result<K, watcher::Error>> + Send + 'static {
    trimmed_watch(api, config, trim)
        .reflect(writer)
        .touched_objects()
}

/// Like [`stream`], for a store several controllers subscribe to (see
/// `Writer::subscribe`): this stream must be polled for any of them to see events.
pub fn shared_stream<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    writer: reflector::store::Writer<K>,
    trim: fn(&mut K),
) -> impl Stream<Item = Result<K, watcher::Error>> + Send + 'static {
    trimmed_watch(api, config, trim)
        .reflect_shared(writer)
        .touched_objects()
}

/// Applies a child the instance controller watches: compared with the cached copy
/// when the caches are ready, with a fresh read otherwise.
pub async fn apply<K>(
    ctx: &super::Context,
    store: &Store<K>,
    desired: &K,
) -> Result<bool, crate::apply::ApplyError>
where
    K: crate::apply::Object,
{
    if !ctx.caches.ready() {
        return crate::apply::apply(&ctx.client, desired).await;
    }
    let live = get(
        store,
        &desired.namespace().unwrap_or_default(),
        &desired.name_any(),
    );
    crate::apply::apply_over(&ctx.client, desired, live.as_deref()).await
}

/// [`apply`] for a Deployment, compared with the cached view's spec.
pub async fn apply_deployment(
    ctx: &super::Context,
    desired: &k8s_openapi::api::apps::v1::Deployment,
) -> Result<bool, crate::apply::ApplyError> {
    if !ctx.caches.ready() {
        return crate::apply::apply(&ctx.client, desired).await;
    }
    let name = desired.name_any();
    let live = get(
        &ctx.caches.deployments,
        &desired.namespace().unwrap_or_default(),
        &name,
    )
    .map(|live| live.to_value())
    .transpose()
    .map_err(|source| crate::apply::ApplyError::Serialize {
        kind: "Deployment",
        name,
        source,
    })?;
    crate::apply::apply_over_json(&ctx.client, desired, live.as_ref()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn list_done<K>(writer: &mut reflector::store::Writer<K>)
    where
        K: Resource<DynamicType = ()> + Clone + 'static,
    {
        writer.apply_watcher_event(&watcher::Event::Init);
        writer.apply_watcher_event(&watcher::Event::InitDone);
    }

    #[tokio::test]
    async fn every_waiting_reconcile_wakes_once_the_stores_have_listed() {
        let (caches, mut w) = Caches::new();
        caches.mark_filling();
        // Reconciles of several instances wait at once, as at startup.
        let waiting: Vec<_> = (0..8)
            .map(|_| {
                let caches = caches.clone();
                tokio::spawn(async move { caches.wait_until_ready().await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!caches.ready());
        list_done(&mut w.instances);
        list_done(&mut w.init_jobs);
        list_done(&mut w.upgrade_jobs);
        list_done(&mut w.backup_jobs);
        list_done(&mut w.restore_jobs);
        list_done(&mut w.migrations);
        list_done(&mut w.deployments);
        list_done(&mut w.services);
        list_done(&mut w.ingresses);
        list_done(&mut w.secrets);
        list_done(&mut w.pods);
        list_done(&mut w.pvcs);
        list_done(&mut w.jobs);
        list_done(&mut w.pg_clusters);
        for task in waiting {
            tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .expect("a waiting reconcile was never woken")
                .expect("task");
        }
        assert!(caches.ready());
    }

    #[tokio::test]
    async fn without_controllers_nothing_waits_and_reads_go_to_the_api() {
        let (caches, _writers) = Caches::new();
        tokio::time::timeout(Duration::from_secs(1), caches.wait_until_ready())
            .await
            .expect("returns at once");
        assert!(!caches.ready());
    }

    fn job(name: &str, complete: bool) -> Arc<Job> {
        let mut job = Job::default();
        job.metadata.name = Some(name.into());
        job.metadata.namespace = Some("ns".into());
        if complete {
            job.status = Some(k8s_openapi::api::batch::v1::JobStatus {
                conditions: Some(vec![k8s_openapi::api::batch::v1::JobCondition {
                    type_: "Complete".into(),
                    status: "True".into(),
                    ..Default::default()
                }]),
                ..Default::default()
            });
        }
        Arc::new(job)
    }

    #[tokio::test]
    async fn a_job_wakes_its_controller_when_first_seen_and_when_its_outcome_changes() {
        use futures::StreamExt as _;
        let events = futures::stream::iter([
            job("a", false),
            job("a", false),
            job("b", false),
            job("a", true),
            job("a", true),
        ]);
        let passed: Vec<(String, bool)> = distinct(events, job_trigger)
            .map(|j| {
                (
                    j.metadata.name.clone().unwrap_or_default(),
                    j.status.is_some(),
                )
            })
            .collect()
            .await;
        assert_eq!(
            passed,
            vec![("a".into(), false), ("b".into(), false), ("a".into(), true)]
        );
    }

    fn pod(name: &str, waiting: Option<&str>, deleted: bool) -> LivePod {
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns"},
            "status": {"containerStatuses": [{
                "name": "odoo", "image": "odoo:99", "imageID": "", "ready": false, "restartCount": 0,
                "state": waiting.map_or(serde_json::json!({"running": {}}), |r| serde_json::json!({"waiting": {"reason": r}}))
            }]}
        }))
        .expect("pod");
        let mut pod = LivePod::from(pod);
        if deleted {
            pod.metadata.deletion_timestamp =
                Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                    k8s_openapi::jiff::Timestamp::now(),
                ));
        }
        pod
    }

    #[tokio::test]
    async fn pods_wake_the_instance_only_when_their_pull_failures_change() {
        use futures::StreamExt as _;
        let events = futures::stream::iter([
            pod("healthy", None, false),
            pod("healthy", Some("ContainerCreating"), false),
            pod("failing", Some("ErrImagePull"), false),
            pod("failing", Some("ErrImagePull"), false),
            pod("failing", Some("ImagePullBackOff"), false),
            pod("failing", Some("ImagePullBackOff"), true),
            pod("healthy", None, true),
        ])
        .map(Ok);
        let passed: Vec<String> = pull_failures_changed(events)
            .map(|p| {
                let p = p.expect("no watch error");
                let failing = !super::super::observe::pull_failures(&p).is_empty();
                format!("{} {failing}", p.name_any())
            })
            .collect()
            .await;
        // A new healthy pod, a repeat and a healthy pod's deletion change nothing.
        assert_eq!(passed, vec!["failing true", "failing true", "failing true"]);
    }

    #[test]
    fn a_cron_deployment_wakes_the_instance_on_edits_not_on_its_rollout() {
        let deployment = |component: &str, ready: i32, generation: i64| LiveDeployment {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some(format!("shop-{component}")),
                labels: Some(
                    [(
                        odoo_model::labels::APP_COMPONENT.to_owned(),
                        component.to_owned(),
                    )]
                    .into(),
                ),
                generation: Some(generation),
                ..Default::default()
            },
            spec: "{}".into(),
            status: Some(k8s_openapi::api::apps::v1::DeploymentStatus {
                ready_replicas: Some(ready),
                ..Default::default()
            }),
        };
        let web = |r, g| deployment_trigger(&deployment("web", r, g));
        let cron = |r, g| deployment_trigger(&deployment("cron", r, g));
        assert_ne!(web(0, 1), web(1, 1));
        assert_eq!(cron(0, 1), cron(1, 1));
        assert_ne!(cron(1, 1), cron(1, 2));
    }
}
