//! The controllers' wiring: one watch per kind of object, each filling the cache
//! the reconciles read and waking the controllers that care, then the controllers
//! themselves until the process is told to stop.

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret};
use kube::core::DeserializeGuard;
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{Controller, WatchStreamExt as _, watcher};
use kube::{Api, ResourceExt};
use odoo_model::labels::{APP_MANAGED_BY, INSTANCE_LABEL, OPERATOR_FIELD_MANAGER, SCHEDULE_LABEL};
use odoo_model::{OdooBackupJob, OdooBackupSchedule, OdooInstance};

use super::job_watches::{self, as_is, run_jobs};
use super::{census, upgrade_job};
use crate::runtime::caches;
use crate::runtime::context::Context;
use crate::runtime::{entry, live, pulls, shared_watch};

/// A controller of every `K`, whose own store keeps them without managed fields
/// (as `Controller::new` would keep them with).
fn controller_of<K>(ctx: &Context) -> Controller<DeserializeGuard<K>>
where
    K: caches::NamespacedKind,
{
    let (reader, writer) = reflector::store();
    let stream = caches::trimmed_watch(
        ctx.watched::<DeserializeGuard<K>>(),
        watcher::Config::default(),
        |_| {},
    )
    .reflect(writer)
    .applied_objects();
    Controller::for_stream(stream, reader)
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
///
/// DeserializeGuard: one stored object this build cannot read must not break the
/// watch of all the others. Every watch also fills a cache the reconciles read
/// instead of the API server (see `caches`).
pub async fn run(ctx: Arc<Context>) {
    let config =
        kube::runtime::controller::Config::default().concurrency(ctx.config.concurrent_reconciles);
    let w = ctx
        .take_writers()
        .expect("controller::run is called once per process");
    spawn_background(&ctx, w.pg_clusters);
    let triggers = batch_jobs(&ctx, w.jobs);
    let (jobs_for_instances, kinds) = job_watches::job_watches(
        &ctx,
        job_watches::Writers {
            init: w.init_jobs,
            upgrade: w.upgrade_jobs,
            backup: w.backup_jobs,
            restore: w.restore_jobs,
            migration: w.migrations,
        },
    );
    let (own_instances, instances_for_upgrades) = instance_watch(&ctx, w.instances);
    let children = Children {
        deployments: w.deployments,
        services: w.services,
        ingresses: w.ingresses,
        secrets: w.secrets,
        pulls: w.pulls,
        pvcs: w.pvcs,
    };
    let instances = instance_controller(
        ctx.clone(),
        own_instances,
        children,
        jobs_for_instances,
        config.clone(),
    );
    let schedules = schedule_controller(ctx.clone(), config.clone());
    let jobs = job_controllers(ctx, kinds, triggers, instances_for_upgrades, config);
    tokio::join!(instances, jobs, schedules);
}

/// The five job controllers, each on its kind's watch and woken by the batch Jobs
/// it owns (`triggers`: init, upgrade, backup, restore, migration).
async fn job_controllers(
    ctx: Arc<Context>,
    kinds: job_watches::Kinds,
    triggers: [reflector::ReflectHandle<live::LiveJob>; 5],
    instances_for_upgrades: reflector::ReflectHandle<DeserializeGuard<OdooInstance>>,
    config: kube::runtime::controller::Config,
) {
    let [init, upgrade, backup, restore, migration] = triggers;
    let backups = run_jobs(ctx.clone(), kinds.backup, backup, config.clone(), as_is);
    let restores = run_jobs(ctx.clone(), kinds.restore, restore, config.clone(), as_is);
    // A rollback its instance decided wakes the upgrade job it undid.
    let upgrades = ctx.caches.upgrade_jobs.clone();
    let upgrade_jobs = run_jobs(ctx.clone(), kinds.upgrade, upgrade, config.clone(), |c| {
        c.watches_shared_stream(instances_for_upgrades, move |guard| {
            guard
                .0
                .as_ref()
                .ok()
                .and_then(|instance| upgrade_job::rollback::woken_by(&upgrades, instance))
        })
    });
    // A migration also polls while it waits on its instance: the instance's phase
    // is not an object the migration owns.
    let migrations = run_jobs(
        ctx.clone(),
        kinds.migration,
        migration,
        config.clone(),
        as_is,
    );
    let inits = run_jobs(ctx, kinds.init, init, config, as_is);
    tokio::join!(inits, upgrade_jobs, backups, restores, migrations);
}

/// Only the operator's own children: a cluster-wide watch of every Secret would
/// cost memory and API traffic for nothing.
fn owned() -> watcher::Config {
    watcher::Config::default().labels(&format!("{APP_MANAGED_BY}={OPERATOR_FIELD_MANAGER}"))
}

/// What runs beside the controllers: the pg-clusters Secret's watch (read by most
/// reconciles, so kept by a watch of that one Secret; not a trigger: a change
/// applies at each instance's next pass), the database census (`backup orphans`),
/// and the caches' sizes for the metrics (and the benchmark's breakdown).
fn spawn_background(ctx: &Arc<Context>, pg_clusters: reflector::store::Writer<Secret>) {
    let secrets = Api::<Secret>::namespaced(ctx.client.clone(), &ctx.config.namespace);
    let by_name = format!("metadata.name={}", ctx.config.pg_clusters_secret);
    tokio::spawn(
        caches::stream(
            secrets,
            watcher::Config::default().fields(&by_name),
            pg_clusters,
        )
        .for_each(|_| futures::future::ready(())),
    );
    tokio::spawn(census::run(ctx.clone()));
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
}

/// One watch of the operator's batch Jobs for the five job controllers: each is
/// woken by the Jobs its kind owns, and reads them from the store. Returns their
/// subscriptions (init, upgrade, backup, restore, migration).
fn batch_jobs(
    ctx: &Context,
    writer: reflector::store::Writer<live::LiveJob>,
) -> [reflector::ReflectHandle<live::LiveJob>; 5] {
    let triggers = shared_watch::subscriptions(&writer);
    let api = ctx.watched::<live::LiveJob>();
    shared_watch::spawn(api, owned(), writer, caches::trim_job, || {});
    triggers
}

/// The instances' watch fills the cache the job controllers read them from, and
/// wakes the instance controller and the upgrade jobs' (which records a rollback
/// the instance decided). Returns those two subscriptions.
fn instance_watch(
    ctx: &Context,
    writer: reflector::store::Writer<DeserializeGuard<OdooInstance>>,
) -> (
    reflector::ReflectHandle<DeserializeGuard<OdooInstance>>,
    reflector::ReflectHandle<DeserializeGuard<OdooInstance>>,
) {
    let [controller, upgrades] = shared_watch::subscriptions(&writer);
    let api = ctx.watched::<DeserializeGuard<OdooInstance>>();
    shared_watch::spawn(api, watcher::Config::default(), writer, |_| {}, || {});
    (controller, upgrades)
}

/// The caches of what the instance controller makes and watches.
struct Children {
    deployments: reflector::store::Writer<live::LiveDeployment>,
    services: reflector::store::Writer<live::LiveText<k8s_openapi::api::core::v1::Service>>,
    ingresses: reflector::store::Writer<live::LiveText<k8s_openapi::api::networking::v1::Ingress>>,
    secrets: reflector::store::Writer<live::LiveText<Secret>>,
    pulls: pulls::Writer,
    pvcs: reflector::store::Writer<live::LiveText<PersistentVolumeClaim>>,
}

/// The instance controller: woken by its instances, the children it owns, its
/// pods' image pulls, the admin-password Secret a user names, its filestore claim
/// and every job resource that names it.
async fn instance_controller(
    ctx: Arc<Context>,
    own: reflector::ReflectHandle<DeserializeGuard<OdooInstance>>,
    w: Children,
    jobs: job_watches::JobsForInstances,
    config: kube::runtime::controller::Config,
) {
    let controller = Controller::for_shared_stream(own, ctx.caches.instances.clone())
        .owns_stream(
            caches::trimmed_stream(
                ctx.watched(),
                owned(),
                w.deployments,
                caches::trim_deployment,
            )
            .predicate_filter(caches::deployment_trigger, Default::default()),
        )
        .owns_stream(caches::stream(ctx.watched(), owned(), w.services))
        .owns_stream(caches::stream(ctx.watched(), owned(), w.ingresses))
        .owns_stream(caches::stream(ctx.watched(), owned(), w.secrets))
        // Pods only for what their status says (image pulls): they carry the instance
        // label, and nothing else about them is the instance's business.
        .watches_stream(
            pulls::track(
                caches::trimmed_watch(ctx.watched(), owned(), |_| {}),
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
            watcher(
                ctx.watched::<kube::core::PartialObjectMeta<Secret>>(),
                watcher::Config::default(),
            )
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
            caches::stream(ctx.watched(), owned(), w.pvcs),
            |pvc: live::LiveText<PersistentVolumeClaim>| {
                let instance = pvc.labels().get(INSTANCE_LABEL)?;
                Some(ObjectRef::new(instance).within(&pvc.namespace()?))
            },
        );
    job_watches::with_jobs(controller, jobs)
        .with_config(config)
        .shutdown_on_signal()
        .run(entry::reconcile, entry::error_policy, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}

/// A schedule reacts to its own jobs' phases (retention, last success); it asks
/// to be woken at its next slot.
async fn schedule_controller(ctx: Arc<Context>, config: kube::runtime::controller::Config) {
    controller_of::<OdooBackupSchedule>(&ctx)
        .owns(
            ctx.watched::<OdooBackupJob>(),
            watcher::Config::default().labels(SCHEDULE_LABEL),
        )
        .with_config(config)
        .shutdown_on_signal()
        .run(entry::reconcile, entry::error_policy, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}
