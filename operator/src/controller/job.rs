//! What the five job controllers (init, upgrade, backup, restore, cluster
//! migration) share: one prologue and one status write. Their entry and error
//! policy are every controller's (`runtime::entry`).

use std::sync::Arc;

use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::Action;
use odoo_model::job::JobResource;
use odoo_model::labels::JOB_CLEANUP_FINALIZER;
use odoo_model::{JobPhase, OdooInstance};
use serde::Serialize;

use crate::runtime::context::Context;
use crate::runtime::entry::{self, Controlled, Passing};
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// A job kind the operator reconciles.
pub trait JobKind: JobResource + Controlled + Serialize {}

impl<K: JobResource + Controlled + Serialize> JobKind for K {}

/// The job kinds and their controllers' names: every pass of one goes through
/// [`pass`].
macro_rules! job_kinds {
    ($($kind:ty => $controller:literal),* $(,)?) => {$(
        impl Controlled for $kind {
            const CONTROLLER: &'static str = $controller;

            fn pass<'a>(job: &'a Self, ctx: &'a Arc<Context>) -> Passing<'a> {
                Box::pin(pass(job, ctx))
            }
        }
    )*};
}

job_kinds!(
    odoo_model::OdooInitJob => "init_job",
    odoo_model::OdooUpgradeJob => "upgrade_job",
    odoo_model::OdooBackupJob => "backup_job",
    odoo_model::OdooRestoreJob => "restore_job",
    odoo_model::OdooClusterMigration => "migration",
);

/// A reconcile of one job that has work to do.
pub struct Started<K> {
    pub job: Arc<K>,
    /// The instance the job names, if it exists.
    pub instance: Option<OdooInstance>,
    /// The job is being deleted and still holds [`JOB_CLEANUP_FINALIZER`].
    pub deleting: bool,
    /// The job is finished and its kind looks at it again ([`Reconcile::revisits`]).
    pub finished: bool,
}

/// The future of a kind's own reconcile.
pub type Reconciling<'a> = futures::future::BoxFuture<'a, Result<Action, Error>>;

/// The future of a kind's cleanup: `None` once nothing it made is left.
pub type CleaningUp<'a> = futures::future::BoxFuture<'a, Result<Option<Action>, Error>>;

/// A job kind's own reconcile, once the prologue found work to do.
pub trait Reconcile: JobKind {
    fn reconcile(ctx: &Context, started: Started<Self>) -> Reconciling<'_>;

    /// A job being deleted that holds [`JOB_CLEANUP_FINALIZER`]: removes what it
    /// made, `None` once done (the finalizer then goes), or when to look again.
    /// Kinds that never add the finalizer keep this default.
    fn clean_up(_ctx: &Context, _started: Started<Self>) -> CleaningUp<'_> {
        Box::pin(async { Ok(None) })
    }

    /// Whether this finished job is read again when woken (a rollback its
    /// instance decided after it succeeded): a pure look at the job alone, so
    /// finished jobs that can change no more cost nothing. Otherwise a finished
    /// job waits for a change.
    fn revisits(&self) -> bool {
        false
    }

    /// A finished job woken again, for kinds that revisit them.
    fn finished(_ctx: &Context, _started: Started<Self>) -> Reconciling<'_> {
        Box::pin(async { Ok(Action::await_change()) })
    }
}

/// Whether the job holds [`JOB_CLEANUP_FINALIZER`] already.
pub fn holds_cleanup(job: &impl ResourceExt) -> bool {
    job.finalizers().iter().any(|f| f == JOB_CLEANUP_FINALIZER)
}

/// Adds [`JOB_CLEANUP_FINALIZER`] before the job makes anything, conditional on
/// the version read (a deletion meanwhile is not overtaken). Repeating it changes
/// nothing. Returns the job as written: the pass's status write is conditional on
/// its version, which the finalizer just changed.
pub async fn hold_for_cleanup<K: JobKind>(ctx: &Context, job: &K) -> Result<K, Error> {
    if holds_cleanup(job) {
        return Ok(job.clone());
    }
    let mut finalizers = job.finalizers().to_vec();
    finalizers.push(JOB_CLEANUP_FINALIZER.to_owned());
    patch_finalizers(ctx, job, finalizers).await
}

async fn patch_finalizers<K: JobKind>(
    ctx: &Context,
    job: &K,
    finalizers: Vec<String>,
) -> Result<K, Error> {
    let api: Api<K> = Api::namespaced(ctx.client.clone(), &job.namespace().unwrap_or_default());
    let patch = serde_json::json!({ "metadata": {
        "finalizers": finalizers,
        "resourceVersion": job.resource_version(),
    }});
    api.patch(
        &job.name_any(),
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(patch),
    )
    .await
    .map_err(Error::kube(format!(
        "writing the finalizers of {} {}",
        K::kind(&()),
        job.name_any()
    )))
}

/// One pass over a job: its cleanup while it is being deleted, a look at a
/// finished one its kind revisits, or the kind's reconcile.
async fn pass<K: Reconcile>(job: &K, ctx: &Arc<Context>) -> Result<Action, Error> {
    match start(job, ctx).await? {
        Some(started) if started.deleting => {
            let job = started.job.clone();
            if let Some(again) = K::clean_up(ctx, started).await? {
                return Ok(again);
            }
            let rest = job
                .finalizers()
                .iter()
                .filter(|f| *f != JOB_CLEANUP_FINALIZER)
                .cloned()
                .collect();
            patch_finalizers(ctx, job.as_ref(), rest).await?;
            Ok(Action::await_change())
        }
        Some(started) if started.finished => K::finished(ctx, started).await,
        Some(started) => K::reconcile(ctx, started).await,
        None => Ok(Action::await_change()),
    }
}

/// The prologue of every job reconcile: a finished job waits for a change
/// (`None`), and the instance the job names is read.
async fn start<K: Reconcile>(job: &K, ctx: &Context) -> Result<Option<Started<K>>, Error> {
    // A job being deleted is worked on only to clean up after itself.
    let deleting = job.meta().deletion_timestamp.is_some();
    if deleting && !holds_cleanup(job) {
        return Ok(None);
    }
    let finished = job
        .job_status()
        .and_then(|s| s.phase)
        .is_some_and(JobPhase::is_finished);
    // The cache still holds the version our last status write was based on (its
    // watch event starts the next pass), or finished (and not being cleaned up).
    if ctx.written.behind(job) || (finished && !deleting && !job.revisits()) {
        return Ok(None);
    }
    let namespace = job.namespace().unwrap_or_default();
    let instance = if finished && !deleting {
        // A revisit reads the instance from the cache only: at startup, or for an
        // instance that is gone, it would be a request per finished job.
        cached_instance(ctx, &namespace, &job.instance_ref().name)
    } else {
        instance(ctx, &namespace, &job.instance_ref().name).await?
    };
    Ok(Some(Started {
        job: Arc::new(job.clone()),
        instance,
        deleting,
        finished: finished && !deleting,
    }))
}

/// Writes `next` over `current` when they differ. A write means the reconcile got
/// through, so the job's backoff starts over.
pub async fn write_status<K: JobKind, S: Serialize + PartialEq>(
    ctx: &Context,
    job: &K,
    current: &S,
    next: &S,
) -> Result<(), Error> {
    entry::succeeded::<K>(ctx, job);
    crate::runtime::batch::patch_status(ctx, job, current, next).await
}

/// The instance resolved, running the image its database is at (whose `pg_dump`
/// matches it): what backups, restores and copies run.
pub async fn valid_instance(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<ValidInstance, Error> {
    let clusters = crate::runtime::observe::pg_clusters(ctx).await?;
    Ok(crate::validate::resolve(instance, &clusters)?)
}

/// The instance as a pass resolved it, for an effect that needs it (see
/// `runtime::error::needed`). Takes the field, so the rest of the facts can still be written.
pub fn resolved(valid: &Option<Box<ValidInstance>>) -> Result<&ValidInstance, Error> {
    let missing = "a step asked for an effect on the instance before resolving it";
    crate::runtime::error::needed(valid.as_deref(), missing)
}

pub fn db_error(cluster: &str, e: crate::pg::PgError) -> Error {
    Error::Database {
        cluster: cluster.into(),
        unreachable: matches!(e, crate::pg::PgError::Connect { .. }),
        message: e.to_string(),
    }
}

/// The instance resolved as [`valid_instance`] resolves it, and the PostgreSQL
/// cluster its database is on, from one read of the pg-clusters contract.
pub async fn valid_instance_on_cluster(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<(ValidInstance, crate::pg::PgCluster), Error> {
    let clusters = crate::runtime::observe::pg_clusters(ctx).await?;
    let v = crate::validate::resolve(instance, &clusters)?;
    let cluster = clusters
        .get(&v.database.cluster)
        .cloned()
        .map_err(|e| Error::PgClusters(e.to_string()))?;
    Ok((v, cluster))
}

pub async fn cluster_of(ctx: &Context, v: &ValidInstance) -> Result<crate::pg::PgCluster, Error> {
    let clusters = crate::runtime::observe::pg_clusters(ctx).await?;
    clusters
        .get(&v.database.cluster)
        .cloned()
        .map_err(|e| Error::PgClusters(e.to_string()))
}

/// The login of the instance's own role (its `<name>-db` Secret): what the job
/// kinds read and change a tenant database as, never the cluster's admin.
pub async fn tenant_of(ctx: &Context, v: &ValidInstance) -> Result<crate::pg::TenantLogin, Error> {
    let password = crate::runtime::observe::generated_secret_value(ctx, &v.namespace, &v.db_secret, "password")
        .await?
        .ok_or_else(|| Error::Database {
            cluster: v.database.cluster.clone(),
            unreachable: false,
            message: format!(
                "the Secret {} has no password: the operator reads the instance's database only as its own role {}",
                v.db_secret, v.database.role
            ),
        })?;
    Ok(crate::pg::TenantLogin {
        role: v.database.role.clone(),
        password,
    })
}

/// Applies a job the lifecycle creates for an instance: in its namespace, with its
/// labels, and owned by it so that it goes with the instance. Apply is idempotent:
/// a second run of the action finds it unchanged.
pub async fn apply_for_instance<K: JobKind>(
    ctx: &Context,
    v: &ValidInstance,
    mut job: K,
    component: &str,
) -> Result<(), Error> {
    let meta = job.meta_mut();
    meta.namespace = Some(v.namespace.clone());
    meta.labels = Some(odoo_model::labels::instance_labels(&v.name, component));
    meta.owner_references = Some(vec![crate::build::meta::owner_reference(v)]);
    let name = job.name_any();
    Api::<K>::namespaced(ctx.client.clone(), &v.namespace)
        .patch(
            &name,
            &kube::api::PatchParams::apply(odoo_model::labels::OPERATOR_FIELD_MANAGER).force(),
            &kube::api::Patch::Apply(&job),
        )
        .await
        .map_err(Error::kube(format!("creating {} {name}", K::kind(&()))))?;
    Ok(())
}

/// The instance `name`: from the instance controller's cache, or from the API server
/// when the cache does not have it (yet), so that a job created right after its
/// instance is not failed for an instance the watch has not delivered.
/// The instance `name` as the cache holds it, when the caches are ready.
fn cached_instance(ctx: &Context, namespace: &str, name: &str) -> Option<OdooInstance> {
    let cached = ctx
        .caches
        .ready()
        .then(|| crate::runtime::caches::get(&ctx.caches.instances, namespace, name))
        .flatten()?;
    cached.0.as_ref().ok().cloned()
}

pub async fn instance(
    ctx: &Context,
    namespace: &str,
    name: &str,
) -> Result<Option<OdooInstance>, Error> {
    if let Some(instance) = cached_instance(ctx, namespace, name) {
        return Ok(Some(instance));
    }
    Api::<OdooInstance>::namespaced(ctx.client.clone(), namespace)
        .get_opt(name)
        .await
        .map_err(Error::kube("reading the instance"))
}
