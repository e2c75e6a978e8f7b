//! Dereference: every read the instance's reconcile needs, before anything is
//! decided. Reads come from the watch caches (see [`observe`]); nothing here writes.

use k8s_openapi::api::apps::v1::Deployment;
use kube::ResourceExt;
use odoo_model::OdooInstance;

use crate::pg::clusters::PgClusters;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe::{self, ImagePullFailure, UpgradeView};
use crate::state::JobPhases;
use crate::validate::{ValidInstance, ValidationError, resolve};

/// What the cluster says about one instance at the start of a reconcile.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The pg-clusters contract, or why it cannot be used (waits for a change).
    pub clusters: Result<PgClusters, String>,
    /// The instance resolved against the contract, or why it cannot be.
    pub valid: Result<ValidInstance, ValidationError>,
    pub web: Option<Deployment>,
    /// The newest upgrade job (rehearsals aside) and every image one targets.
    pub upgrade: Option<UpgradeView>,
    pub upgrade_targets: Vec<String>,
    pub jobs: JobPhases,
    /// The job resource holding the instance now, as `Kind/name`.
    pub active_job: Option<String>,
    /// The database role's password, when its Secret exists.
    pub db_password: Option<String>,
    /// The master password, when its Secret (generated or the user's) has it.
    pub admin_password: Option<String>,
    pub pull_failures: Vec<ImagePullFailure>,
    /// The filestore claim of the instance's name, when it is being deleted (a
    /// purged instance's, still held by its finished pods): new pods wait for it.
    pub claim_terminating: Option<String>,
    /// The kept databases as last listed (see `kept_expiry`), when they were.
    pub kept: Option<Vec<odoo_model::kept::KeptDatabase>>,
    /// What the finished jobs give the status to record.
    pub records: crate::controller::records::Records,
}

/// Reads the facts of `instance`. Only transient failures (the API server) are
/// errors; a missing or wrong contract is a fact the decision turns into Error.
pub async fn facts(ctx: &Context, instance: &OdooInstance) -> Result<Facts, Error> {
    let clusters = match observe::pg_clusters(ctx).await {
        Ok(clusters) => Ok(clusters),
        Err(Error::PgClusters(message)) => Err(message),
        Err(e) => return Err(e),
    };
    let valid = match &clusters {
        Ok(clusters) => resolve(instance, clusters),
        Err(message) => Err(ValidationError::Cluster(message.clone())),
    };
    let ns = instance.namespace().unwrap_or_default();
    let (db_password, admin_password) = match &valid {
        Ok(v) => (
            observe::generated_secret_value(ctx, &ns, &v.db_secret, "password").await?,
            match instance.spec.admin_password_secret_ref {
                None => Ok(observe::generated_secret_value(
                    ctx,
                    &ns,
                    &v.admin_password.name,
                    &v.admin_password.key,
                )
                .await?),
                // The user's Secret carries no label of ours: not in the cache,
                // but its changes wake the instance (see `controller::run`).
                Some(_) => user_admin_password(ctx, &ns, v).await?,
            },
        ),
        Err(_) => (None, Ok(None)),
    };
    // The user's Secret without the password: the spec cannot be served, which
    // the decision says as it says any invalid spec (phase, condition, event).
    let (valid, admin_password) = match (valid, admin_password) {
        (Ok(_), Err(why)) => (Err(ValidationError::AdminSecret(why)), None),
        (valid, password) => (valid, password.ok().flatten()),
    };
    let (upgrade, upgrade_targets) = observe::upgrade_jobs(ctx, instance).await?;
    Ok(Facts {
        clusters,
        valid,
        web: observe::web_deployment(ctx, instance).await?,
        upgrade,
        upgrade_targets,
        jobs: JobPhases {
            init: observe::init_job(ctx, instance).await?,
            backup: observe::backup_job(ctx, instance).await?,
            restore: observe::restore_job(ctx, instance).await?,
            migration: observe::migration(ctx, instance).await?,
        },
        active_job: observe::active_job(ctx, instance).await?,
        db_password,
        admin_password,
        pull_failures: observe::image_pull_failures(ctx, instance).await?,
        claim_terminating: claim_terminating(ctx, instance),
        kept: ctx
            .kept_lists
            .shown(instance.uid().as_deref().unwrap_or_default()),
        records: crate::controller::records::records(ctx, instance).await?,
    })
}

/// The password in the Secret `spec.adminPasswordSecretRef` names, read once;
/// `Err` saying what is missing when the Secret or its key is.
async fn user_admin_password(
    ctx: &Context,
    ns: &str,
    v: &ValidInstance,
) -> Result<Result<Option<String>, String>, Error> {
    let secret = &v.admin_password;
    let Some(found) = observe::secret(ctx, ns, &secret.name).await? else {
        return Ok(Err(format!(
            "Secret {} (spec.adminPasswordSecretRef) does not exist",
            secret.name
        )));
    };
    Ok(match observe::value_of(&found, &secret.key) {
        Some(password) => Ok(Some(password)),
        None => Err(format!(
            "Secret {} (spec.adminPasswordSecretRef) has no key {}",
            secret.name, secret.key
        )),
    })
}

/// The instance's filestore claim, when the cache holds it terminating and the
/// instance itself is not being deleted.
fn claim_terminating(ctx: &Context, instance: &OdooInstance) -> Option<String> {
    if instance.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let claim = odoo_model::names::filestore_pvc(&instance.name_any());
    let ns = instance.namespace().unwrap_or_default();
    crate::runtime::caches::get(&ctx.caches.pvcs, &ns, &claim)
        .filter(|c| {
            kube::Resource::meta(c.as_ref())
                .deletion_timestamp
                .is_some()
        })
        .map(|_| claim)
}
