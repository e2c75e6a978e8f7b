//! The job kinds' watches: one per kind, whose store both the instance
//! controller and the kind's own controller read, each woken through its own
//! subscription; and how the job controllers run on them.

use std::sync::Arc;

use futures::StreamExt;
use kube::core::DeserializeGuard;
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{Controller, watcher};
use odoo_model::{
    OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooInstance, OdooRestoreJob, OdooUpgradeJob,
};

use super::job;
use crate::runtime::caches::{self, JobKindsListed};
use crate::runtime::context::Context;
use crate::runtime::{entry, live, shared_watch};

/// The job kinds' store writers.
pub struct Writers {
    pub init: reflector::store::Writer<DeserializeGuard<OdooInitJob>>,
    pub upgrade: reflector::store::Writer<DeserializeGuard<OdooUpgradeJob>>,
    pub backup: reflector::store::Writer<DeserializeGuard<OdooBackupJob>>,
    pub restore: reflector::store::Writer<DeserializeGuard<OdooRestoreJob>>,
    pub migration: reflector::store::Writer<DeserializeGuard<OdooClusterMigration>>,
}

/// Each kind's own controller's half of its watch.
pub struct Kinds {
    pub init: JobWatch<OdooInitJob>,
    pub upgrade: JobWatch<OdooUpgradeJob>,
    pub backup: JobWatch<OdooBackupJob>,
    pub restore: JobWatch<OdooRestoreJob>,
    pub migration: JobWatch<OdooClusterMigration>,
}

/// Starts the five watches: the instance controller's subscriptions, and each
/// kind's own half.
pub fn job_watches(ctx: &Context, w: Writers) -> (JobsForInstances, Kinds) {
    let c = &ctx.caches;
    let (init_i, init) = job_watch(ctx, w.init, &c.init_jobs, JobKindsListed::INIT);
    let (upgrade_i, upgrade) = job_watch(ctx, w.upgrade, &c.upgrade_jobs, JobKindsListed::UPGRADE);
    let (backup_i, backup) = job_watch(ctx, w.backup, &c.backup_jobs, JobKindsListed::BACKUP);
    let (restore_i, restore) = job_watch(ctx, w.restore, &c.restore_jobs, JobKindsListed::RESTORE);
    let (migration_i, migration) =
        job_watch(ctx, w.migration, &c.migrations, JobKindsListed::MIGRATION);
    let for_instances = JobsForInstances {
        init: init_i,
        upgrade: upgrade_i,
        backup: backup_i,
        restore: restore_i,
        migration: migration_i,
    };
    let kinds = Kinds {
        init,
        upgrade,
        backup,
        restore,
        migration,
    };
    (for_instances, kinds)
}

/// Runs the controller of job kind `K` on the shared store the instance controller
/// reads `K` from (`own` is its subscription), woken by its own objects and by the
/// batch Jobs `jobs` (its subscription to the shared Jobs watch) passes.
pub async fn run_jobs<K: job::Reconcile>(
    ctx: Arc<Context>,
    (own, store): JobWatch<K>,
    jobs: impl futures::Stream<Item = Arc<live::LiveJob>> + Send + 'static,
    config: kube::runtime::controller::Config,
    with: impl FnOnce(Controller<DeserializeGuard<K>>) -> Controller<DeserializeGuard<K>>,
) {
    with(Controller::for_shared_stream(own, store).owns_shared_stream(jobs))
        .with_config(config)
        .shutdown_on_signal()
        .run(entry::reconcile::<K>, entry::error_policy::<K>, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}

/// A job controller with no other trigger than its own watches.
pub fn as_is<K: job::JobKind>(
    controller: Controller<DeserializeGuard<K>>,
) -> Controller<DeserializeGuard<K>> {
    controller
}

/// A job kind's controller's half of its watch: its subscription and the store.
pub type JobWatch<K> = (
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
    K: caches::NamespacedKind,
{
    let [instances, own] = shared_watch::subscriptions(&writer);
    let listed = ctx.caches.job_kinds_listed.clone();
    let api = ctx.watched::<DeserializeGuard<K>>();
    let config = watcher::Config::default();
    shared_watch::spawn(api, config, writer, |_| {}, move || listed.set(kind));
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

/// The instance controller's subscriptions to the job kinds' watches.
pub struct JobsForInstances {
    pub init: reflector::ReflectHandle<DeserializeGuard<OdooInitJob>>,
    pub upgrade: reflector::ReflectHandle<DeserializeGuard<OdooUpgradeJob>>,
    pub backup: reflector::ReflectHandle<DeserializeGuard<OdooBackupJob>>,
    pub restore: reflector::ReflectHandle<DeserializeGuard<OdooRestoreJob>>,
    pub migration: reflector::ReflectHandle<DeserializeGuard<OdooClusterMigration>>,
}

/// Every job resource wakes the instance it names.
pub fn with_jobs(
    controller: Controller<DeserializeGuard<OdooInstance>>,
    jobs: JobsForInstances,
) -> Controller<DeserializeGuard<OdooInstance>> {
    controller
        .watches_shared_stream(jobs.init, |j| {
            instance_of_job(j, |j: &OdooInitJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(jobs.upgrade, |j| {
            instance_of_job(j, |j: &OdooUpgradeJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(jobs.backup, |j| {
            instance_of_job(j, |j: &OdooBackupJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(jobs.restore, |j| {
            instance_of_job(j, |j: &OdooRestoreJob| &j.spec.instance_ref.name)
        })
        .watches_shared_stream(jobs.migration, |j| {
            instance_of_job(j, |m: &OdooClusterMigration| &m.spec.instance_ref.name)
        })
}
