//! The controllers: OdooInstance (lifecycle and children), the job resources,
//! OdooClusterMigration and OdooBackupSchedule.

pub mod agent_pod;
pub mod backoff;
pub mod backup_job;
pub mod batch;
pub mod bucket;
pub mod caches;
pub mod census;
pub mod context;
pub mod database;
pub mod error;
pub mod events;
pub mod fresh;
pub mod init_job;
pub mod instance;
pub mod job;
pub mod kept;
pub mod kept_expiry;
pub mod kept_lists;
pub mod live;
pub mod migration;
pub mod observe;
pub mod proof;
pub mod pulls;
pub mod records;
pub mod restore_job;
pub mod restore_plan;
pub mod schedule;
pub mod settled;
pub mod upgrade_job;

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret};
use kube::core::DeserializeGuard;
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{Controller, WatchStreamExt as _, watcher};
use kube::{Api, ResourceExt};
use odoo_model::labels::{APP_MANAGED_BY, INSTANCE_LABEL, OPERATOR_FIELD_MANAGER, SCHEDULE_LABEL};
use odoo_model::{
    OdooBackupJob, OdooBackupSchedule, OdooClusterMigration, OdooInitJob, OdooInstance,
    OdooRestoreJob, OdooUpgradeJob,
};

use caches::JobKindsListed;
pub use context::Context;

/// Every namespace, or only the one the operator is limited to.
fn api<K>(ctx: &Context) -> Api<K>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    match &ctx.config.watch_namespace {
        Some(ns) => Api::namespaced(ctx.client.clone(), ns),
        None => Api::all(ctx.client.clone()),
    }
}

/// A controller of every `K`, whose own store keeps them without managed fields
/// (as `Controller::new` would keep them with).
fn controller_of<K>(ctx: &Context) -> Controller<DeserializeGuard<K>>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let (reader, writer) = reflector::store();
    let stream = caches::trimmed_watch(
        api::<DeserializeGuard<K>>(ctx),
        watcher::Config::default(),
        |_| {},
    )
    .reflect(writer)
    .applied_objects();
    Controller::for_stream(stream, reader)
}

/// Runs the controller of job kind `K` on the shared store the instance controller
/// reads `K` from (`own` is its subscription), woken by its own objects and by the
/// batch Jobs `jobs` (its subscription to the shared Jobs watch) passes.
async fn run_jobs<K: job::Reconcile>(
    ctx: Arc<Context>,
    (own, store): JobWatch<K>,
    jobs: impl futures::Stream<Item = Arc<live::LiveJob>> + Send + 'static,
    config: kube::runtime::controller::Config,
    with: impl FnOnce(Controller<DeserializeGuard<K>>) -> Controller<DeserializeGuard<K>>,
) {
    with(Controller::for_shared_stream(own, store).owns_shared_stream(jobs))
        .with_config(config)
        .shutdown_on_signal()
        .run(job::reconcile::<K>, job::error_policy::<K>, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}

/// A job controller with no other trigger than its own watches.
fn as_is<K: job::JobKind>(
    controller: Controller<DeserializeGuard<K>>,
) -> Controller<DeserializeGuard<K>> {
    controller
}

/// A job kind's controller's half of its watch: its subscription and the store.
type JobWatch<K> = (
    reflector::ReflectHandle<DeserializeGuard<K>>,
    reflector::Store<DeserializeGuard<K>>,
);

/// One watch of job kind `K` keeps the store both the instance controller and
/// `K`'s own controller read; each is woken through its own subscription. Returns
/// the instance controller's subscription and the kind controller's half.
fn job_watch<K>(
    ctx: &Context,
    writer: reflector::store::Writer<DeserializeGuard<K>>,
    store: &reflector::Store<DeserializeGuard<K>>,
    kind: u8,
) -> (reflector::ReflectHandle<DeserializeGuard<K>>, JobWatch<K>)
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let subscribe = || {
        writer
            .subscribe()
            .expect("a shared store's writer gives subscriptions")
    };
    let (instances, own) = (subscribe(), subscribe());
    let listed = ctx.caches.job_kinds_listed.clone();
    tokio::spawn(
        caches::shared_stream(
            api::<DeserializeGuard<K>>(ctx),
            watcher::Config::default(),
            writer,
            |_| {},
            move || listed.set(kind),
        )
        .for_each(|_| futures::future::ready(())),
    );
    (instances, (own, store.clone()))
}

/// The instance a readable job resource names.
fn instance_of_job<K>(
    job: Arc<DeserializeGuard<K>>,
    instance_ref: fn(&K) -> &str,
) -> Option<ObjectRef<DeserializeGuard<OdooInstance>>>
where
    K: kube::Resource<DynamicType = ()>,
{
    let job = job.0.as_ref().ok()?;
    Some(ObjectRef::new(instance_ref(job)).within(job.meta().namespace.as_deref()?))
}

/// The instances whose `spec.adminPasswordSecretRef` names `secret`.
fn naming_admin_secret(
    instances: &reflector::Store<DeserializeGuard<OdooInstance>>,
    secret: &kube::core::PartialObjectMeta<Secret>,
) -> Vec<ObjectRef<DeserializeGuard<OdooInstance>>> {
    let (Some(ns), name) = (secret.namespace(), secret.name_any()) else {
        return Vec::new();
    };
    instances
        .state()
        .iter()
        .filter_map(|guard| guard.0.as_ref().ok())
        .filter(|i| i.namespace().as_deref() == Some(ns.as_str()))
        .filter(|i| {
            i.spec
                .admin_password_secret_ref
                .as_ref()
                .is_some_and(|r| r.name == name)
        })
        .map(|i| ObjectRef::new(&i.name_any()).within(&ns))
        .collect()
}

/// Runs the controllers until the process is told to stop.
pub async fn run(ctx: Arc<Context>) {
    // Only the operator's own children: a cluster-wide watch of every Secret would
    // cost memory and API traffic for nothing.
    let owned =
        watcher::Config::default().labels(&format!("{APP_MANAGED_BY}={OPERATOR_FIELD_MANAGER}"));
    let all = watcher::Config::default;
    let config =
        kube::runtime::controller::Config::default().concurrency(ctx.config.concurrent_reconciles);
    let w = ctx
        .take_writers()
        .expect("controller::run is called once per process");
    // DeserializeGuard: one stored object this build cannot read must not break the
    // watch of all the others. Every watch below also fills a cache the reconcile
    // reads instead of the API server (see `caches`).
    // The pg-clusters Secret: read by most reconciles, so kept by a watch of that
    // one Secret. Not a trigger: a change applies at each instance's next pass.
    let pg_clusters = Api::<Secret>::namespaced(ctx.client.clone(), &ctx.config.namespace);
    let by_name = format!("metadata.name={}", ctx.config.pg_clusters_secret);
    tokio::spawn(
        caches::stream(pg_clusters, all().fields(&by_name), w.pg_clusters)
            .for_each(|_| futures::future::ready(())),
    );
    // One watch of the operator's batch Jobs for the five job controllers: each is
    // woken by the Jobs its kind owns, and reads them from the store.
    let subscribe = || {
        w.jobs
            .subscribe()
            .expect("a shared store's writer gives subscriptions")
    };
    let job_triggers = [
        subscribe(),
        subscribe(),
        subscribe(),
        subscribe(),
        subscribe(),
    ];
    let mut job_triggers = job_triggers.into_iter();
    let mut jobs = || {
        job_triggers
            .next()
            .expect("one subscription per job controller")
    };
    tokio::spawn(
        caches::shared_stream(
            api::<live::LiveJob>(&ctx),
            owned.clone(),
            w.jobs,
            caches::trim_job,
            || {},
        )
        .for_each(|_| futures::future::ready(())),
    );
    // The job kinds: one watch each, for the instance controller and their own.
    let c = &ctx.caches;
    let (init_for_instances, init_jobs) =
        job_watch(&ctx, w.init_jobs, &c.init_jobs, JobKindsListed::INIT);
    let (upgrades_for_instances, upgrade_jobs) = job_watch(
        &ctx,
        w.upgrade_jobs,
        &c.upgrade_jobs,
        JobKindsListed::UPGRADE,
    );
    let (backups_for_instances, backup_jobs) =
        job_watch(&ctx, w.backup_jobs, &c.backup_jobs, JobKindsListed::BACKUP);
    let (restores_for_instances, restore_jobs) = job_watch(
        &ctx,
        w.restore_jobs,
        &c.restore_jobs,
        JobKindsListed::RESTORE,
    );
    let (migrations_for_instances, migrations) =
        job_watch(&ctx, w.migrations, &c.migrations, JobKindsListed::MIGRATION);
    // The census of the databases the operator's roles own (`backup orphans`).
    tokio::spawn(census::run(ctx.clone()));
    // What each cache holds, for the metrics (and the benchmark's breakdown).
    let sizes = ctx.clone();
    tokio::spawn(async move {
        // Serializing every cached object costs CPU: once a minute is enough.
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            for (store, objects, bytes) in sizes.caches.sizes() {
                sizes.metrics.cache_size(store, objects, bytes);
            }
        }
    });
    // The instances' watch fills the cache the job controllers read them from,
    // and wakes the instance controller and the upgrade jobs' (which records a
    // rollback the instance decided).
    let instance_events = || {
        w.instances
            .subscribe()
            .expect("a shared store's writer gives subscriptions")
    };
    let (own_instances, instances_for_upgrades) = (instance_events(), instance_events());
    tokio::spawn(
        caches::shared_stream(
            api::<DeserializeGuard<OdooInstance>>(&ctx),
            all(),
            w.instances,
            |_| {},
            || {},
        )
        .for_each(|_| futures::future::ready(())),
    );
    let instances = Controller::for_shared_stream(own_instances, ctx.caches.instances.clone())
        .owns_stream(
            caches::trimmed_stream(
                api(&ctx),
                owned.clone(),
                w.deployments,
                caches::trim_deployment,
            )
            .predicate_filter(caches::deployment_trigger, Default::default()),
        )
        .owns_stream(caches::stream(api(&ctx), owned.clone(), w.services))
        .owns_stream(caches::stream(api(&ctx), owned.clone(), w.ingresses))
        .owns_stream(caches::stream(api(&ctx), owned.clone(), w.secrets))
        // Pods only for what their status says (image pulls): they carry the instance
        // label, and nothing else about them is the instance's business.
        .watches_stream(
            pulls::track(
                caches::trimmed_watch(api(&ctx), owned.clone(), |_| {}),
                w.pulls,
            ),
            |pod: live::LivePod| {
                let instance = pod.labels().get(INSTANCE_LABEL)?;
                Some(ObjectRef::new(instance).within(&pod.namespace()?))
            },
        )
        // The admin-password Secret a user names carries no label of ours. Its
        // changes, seen as metadata only (no value is held), wake the instances that
        // name it: one waiting for a fixed Secret resumes at once.
        .watches_stream(
            watcher(api::<kube::core::PartialObjectMeta<Secret>>(&ctx), all())
                .default_backoff()
                .touched_objects(),
            {
                let instances = ctx.caches.instances.clone();
                move |secret: kube::core::PartialObjectMeta<Secret>| {
                    naming_admin_secret(&instances, &secret)
                }
            },
        )
        // The filestore claim has no owner reference (it may outlive the instance).
        .watches_stream(
            caches::stream(api(&ctx), owned.clone(), w.pvcs),
            |pvc: live::LiveText<PersistentVolumeClaim>| {
                let instance = pvc.labels().get(INSTANCE_LABEL)?;
                Some(ObjectRef::new(instance).within(&pvc.namespace()?))
            },
        )
        .watches_shared_stream(init_for_instances, |j| {
            instance_of_job(j, |j: &OdooInitJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(upgrades_for_instances, |j| {
            instance_of_job(j, |j: &OdooUpgradeJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(backups_for_instances, |j| {
            instance_of_job(j, |j: &OdooBackupJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(restores_for_instances, |j| {
            instance_of_job(j, |j: &OdooRestoreJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(migrations_for_instances, |j| {
            instance_of_job(j, |m: &OdooClusterMigration| &m.spec.instance_ref.name)
        })
        .with_config(config.clone())
        .shutdown_on_signal()
        .run(instance::reconcile, instance::error_policy, ctx.clone())
        .for_each(|_| futures::future::ready(()));
    let backup_jobs = run_jobs(ctx.clone(), backup_jobs, jobs(), config.clone(), as_is);
    let restore_jobs = run_jobs(ctx.clone(), restore_jobs, jobs(), config.clone(), as_is);
    let upgrades = ctx.caches.upgrade_jobs.clone();
    let upgrade_jobs = run_jobs(ctx.clone(), upgrade_jobs, jobs(), config.clone(), |c| {
        c.watches_shared_stream(instances_for_upgrades, move |guard| {
            guard
                .0
                .as_ref()
                .map(|instance| upgrade_job::rollback::woken_by(&upgrades, instance))
                .unwrap_or_default()
        })
    });
    // A migration also polls while it waits on its instance: the instance's phase
    // is not an object the migration owns.
    let migrations = run_jobs(ctx.clone(), migrations, jobs(), config.clone(), as_is);
    let init_jobs = run_jobs(ctx.clone(), init_jobs, jobs(), config.clone(), as_is);
    // A schedule reacts to its own jobs' phases (retention, last success); it asks
    // to be woken at its next slot.
    let schedules = controller_of::<OdooBackupSchedule>(&ctx)
        .owns(
            api::<OdooBackupJob>(&ctx),
            watcher::Config::default().labels(SCHEDULE_LABEL),
        )
        .with_config(config.clone())
        .shutdown_on_signal()
        .run(schedule::reconcile, schedule::error_policy, ctx)
        .for_each(|_| futures::future::ready(()));
    tokio::join!(
        instances,
        init_jobs,
        upgrade_jobs,
        backup_jobs,
        restore_jobs,
        migrations,
        schedules
    );
}
