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

use super::live::{LiveDeployment, LiveJob, LiveText};
use super::pulls::{self, PullFailures};
use futures::Stream;
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
    /// The job resources, each from one watch that also runs its kind's controller
    /// (shared stores): an object this build cannot read is kept as such.
    pub init_jobs: Store<DeserializeGuard<OdooInitJob>>,
    pub upgrade_jobs: Store<DeserializeGuard<OdooUpgradeJob>>,
    pub backup_jobs: Store<DeserializeGuard<OdooBackupJob>>,
    pub restore_jobs: Store<DeserializeGuard<OdooRestoreJob>>,
    pub migrations: Store<DeserializeGuard<OdooClusterMigration>>,
    pub deployments: Store<LiveDeployment>,
    pub services: Store<LiveText<Service>>,
    pub ingresses: Store<LiveText<Ingress>>,
    pub secrets: Store<LiveText<Secret>>,
    /// What the instance controller reads of Pods: their image pull failures.
    pub pulls: PullFailures,
    pub pvcs: Store<LiveText<PersistentVolumeClaim>>,
    /// The batch Jobs the operator made, from one watch shared by the five job
    /// controllers (each is woken by the Jobs its kind owns).
    pub jobs: Store<LiveJob>,
    /// The pg-clusters Secret, from a watch of that one Secret.
    pub pg_clusters: Store<Secret>,
    /// Which job kinds' watches have listed (see [`JobKindsListed`]).
    pub job_kinds_listed: JobKindsListed,
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
    /// Shared writers: the instance controller and the kind's own subscribe.
    pub init_jobs: reflector::store::Writer<DeserializeGuard<OdooInitJob>>,
    pub upgrade_jobs: reflector::store::Writer<DeserializeGuard<OdooUpgradeJob>>,
    pub backup_jobs: reflector::store::Writer<DeserializeGuard<OdooBackupJob>>,
    pub restore_jobs: reflector::store::Writer<DeserializeGuard<OdooRestoreJob>>,
    pub migrations: reflector::store::Writer<DeserializeGuard<OdooClusterMigration>>,
    pub deployments: reflector::store::Writer<LiveDeployment>,
    pub services: reflector::store::Writer<LiveText<Service>>,
    pub ingresses: reflector::store::Writer<LiveText<Ingress>>,
    pub secrets: reflector::store::Writer<LiveText<Secret>>,
    pub pulls: pulls::Writer,
    pub pvcs: reflector::store::Writer<LiveText<PersistentVolumeClaim>>,
    /// A shared writer: the job controllers subscribe to it.
    pub jobs: reflector::store::Writer<LiveJob>,
    pub pg_clusters: reflector::store::Writer<Secret>,
}

impl Caches {
    pub fn new() -> (Caches, Writers) {
        let (instances, instances_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (init_jobs, init_jobs_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (upgrade_jobs, upgrade_jobs_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (backup_jobs, backup_jobs_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (restore_jobs, restore_jobs_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (migrations, migrations_w) = reflector::store_shared(JOB_EVENTS_BUFFER);
        let (deployments, deployments_w) = reflector::store();
        let (services, services_w) = reflector::store();
        let (ingresses, ingresses_w) = reflector::store();
        let (secrets, secrets_w) = reflector::store();
        let (pulls, pulls_w) = pulls::new();
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
            pulls,
            pvcs,
            jobs,
            pg_clusters,
            job_kinds_listed: JobKindsListed(Arc::new(tokio::sync::watch::Sender::new(0))),
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
            pulls: pulls_w,
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
            // Nor the job kinds' stores: their controllers wait on them.
            let waits = [
                caches.job_kinds_listed.wait_all().await,
                caches.deployments.wait_until_ready().await.is_ok(),
                caches.services.wait_until_ready().await.is_ok(),
                caches.ingresses.wait_until_ready().await.is_ok(),
                caches.secrets.wait_until_ready().await.is_ok(),
                caches.pulls.wait_until_listed().await.is_ok(),
                caches.pvcs.wait_until_ready().await.is_ok(),
                caches.jobs.wait_until_ready().await.is_ok(),
                caches.pg_clusters.wait_until_ready().await.is_ok(),
            ];
            // A dropped writer means the controllers stopped: keep reading the API.
            if waits.iter().all(|listed| *listed) {
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
        /// A store of objects possibly unreadable: those count by their metadata.
        fn guarded<K>(
            name: &'static str,
            store: &Store<DeserializeGuard<K>>,
        ) -> (&'static str, usize, usize)
        where
            K: Resource<DynamicType = ()> + Clone + serde::Serialize + 'static,
        {
            let objects = store.state();
            let bytes = objects
                .iter()
                .map(|guard| match &guard.0 {
                    Ok(object) => json(object),
                    Err(invalid) => json(&invalid.metadata),
                })
                .sum();
            (name, objects.len(), bytes)
        }
        let (failing, failing_bytes) = self.pulls.size();
        let pull_failures = ("pull_failures", failing, failing_bytes);
        vec![
            guarded("instances", &self.instances),
            guarded("init_jobs", &self.init_jobs),
            guarded("upgrade_jobs", &self.upgrade_jobs),
            guarded("backup_jobs", &self.backup_jobs),
            guarded("restore_jobs", &self.restore_jobs),
            guarded("migrations", &self.migrations),
            size("deployments", &self.deployments),
            size("services", &self.services),
            size("ingresses", &self.ingresses),
            size("secrets", &self.secrets),
            pull_failures,
            size("pvcs", &self.pvcs),
            size("jobs", &self.jobs),
            size("pg_clusters", &self.pg_clusters),
        ]
    }
}

/// Which job kinds' watches have put their first list in their stores, one bit per
/// kind. Their stores' own readiness is their controllers' to wait on: a store's
/// readiness future wakes only one waiter, and a second one would never wake.
#[derive(Clone)]
pub struct JobKindsListed(Arc<tokio::sync::watch::Sender<u8>>);

impl JobKindsListed {
    pub const INIT: u8 = 1;
    pub const UPGRADE: u8 = 1 << 1;
    pub const BACKUP: u8 = 1 << 2;
    pub const RESTORE: u8 = 1 << 3;
    pub const MIGRATION: u8 = 1 << 4;
    const ALL: u8 = Self::INIT | Self::UPGRADE | Self::BACKUP | Self::RESTORE | Self::MIGRATION;

    pub fn set(&self, kind: u8) {
        self.0.send_modify(|listed| *listed |= kind);
    }

    /// Waits until every kind has listed; true then (the sender lives as long as
    /// `self`, so it cannot go away first).
    async fn wait_all(&self) -> bool {
        let mut listed = self.0.subscribe();
        listed.wait_for(|l| *l == Self::ALL).await.is_ok()
    }
}

/// The readable objects of a store of possibly unreadable ones (a job kind's) in
/// `instance`'s namespace that belong to it by `instance_of`.
pub fn readable_of_instance<K>(
    store: &Store<DeserializeGuard<K>>,
    instance: &OdooInstance,
    instance_of: fn(&K) -> &str,
) -> Vec<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    let ns = instance.metadata.namespace.as_deref();
    let name = instance.name_any();
    store
        .state_filter(|g| {
            g.0.as_ref()
                .is_ok_and(|o| o.meta().namespace.as_deref() == ns && instance_of(o) == name)
        })
        .iter()
        .filter_map(|g| g.0.as_ref().ok().cloned())
        .collect()
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

/// A Deployment as the operator reads it: all it applies (its spec, compared whole
/// before a write, see `live`) and the replica counts of its status; the status'
/// conditions, which no reader looks at, are dropped.
pub fn trim_deployment(deployment: &mut LiveDeployment) {
    if let Some(status) = &mut deployment.status {
        status.conditions = None;
    }
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

fn hash<T: std::hash::Hash>(value: &T) -> u64 {
    use std::hash::Hasher as _;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A batch Job as the operator reads it: its owner and its outcome (the status'
/// conditions); the view has no pod template (see `live`).
pub fn trim_job(job: &mut LiveJob) {
    job.metadata.annotations = None;
}

/// A namespaced kind the operator's controllers watch (through `DeserializeGuard`).
pub trait NamespacedKind: Watched + Resource<Scope = k8s_openapi::NamespaceResourceScope> {}

impl<K> NamespacedKind for K where K: Watched + Resource<Scope = k8s_openapi::NamespaceResourceScope>
{}

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
/// Objects are passed on once the store holds them (see `settled`).
pub fn trimmed_stream<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    writer: reflector::store::Writer<K>,
    trim: fn(&mut K),
) -> impl Stream<Item = Result<K, watcher::Error>> + Send + 'static {
    let reader = writer.as_reader();
    super::settled::objects(trimmed_watch(api, config, trim).reflect(writer), reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt as _;
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
        for kind in [
            JobKindsListed::INIT,
            JobKindsListed::UPGRADE,
            JobKindsListed::BACKUP,
            JobKindsListed::RESTORE,
            JobKindsListed::MIGRATION,
        ] {
            caches.job_kinds_listed.set(kind);
        }
        list_done(&mut w.deployments);
        list_done(&mut w.services);
        list_done(&mut w.ingresses);
        list_done(&mut w.secrets);
        let pods = [Ok(watcher::Event::Init), Ok(watcher::Event::InitDone)];
        let woken: Vec<_> = pulls::track(futures::stream::iter(pods), w.pulls)
            .collect()
            .await;
        assert!(woken.is_empty(), "an empty list wakes no instance");
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
            spec: Default::default(),
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
