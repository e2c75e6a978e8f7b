//! Effects: the writes a decision asks for besides the children and the status:
//! spec defaults, the transition's one-shot action, the generated Secrets and the
//! database on its PostgreSQL cluster.

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use odoo_model::labels::LEGACY_KOPF_FINALIZER;
use odoo_model::{InstancePhase, OdooInstance, names};
use serde_json::{Value, json};

use super::decide::{Decision, Note};
use super::dereference::Facts;
use crate::build;
use crate::controller::error::Error;
use crate::controller::{Context, init_job, observe, upgrade_job};
use crate::pg::clusters::PgCluster;
use crate::state::table;
use crate::status::{self, types};
use crate::validate::ValidInstance;

/// Writes the spec defaults (with the finalizer, on an instance's first write);
/// the update starts the next reconcile.
pub async fn write_defaults(
    ctx: &Context,
    instance: &OdooInstance,
    patch: &Value,
    fields: &[&str],
) -> Result<(), Error> {
    let written = api(ctx, instance)
        .patch(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
        .map_err(Error::kube("writing spec defaults"))?;
    ctx.written
        .record(instance, written.resource_version().as_deref());
    if !fields.is_empty() {
        ctx.event(
            instance,
            false,
            "DefaultsApplied",
            format!("set {}", fields.join(", ")),
        )
        .await;
    }
    Ok(())
}

/// The previous (Kopf) operator's finalizer would block deletion forever.
pub async fn remove_legacy_finalizer(ctx: &Context, instance: &OdooInstance) -> Result<(), Error> {
    let kept: Vec<&String> = instance
        .finalizers()
        .iter()
        .filter(|f| *f != LEGACY_KOPF_FINALIZER)
        .collect();
    let patch = json!({ "metadata": { "finalizers": kept, "resourceVersion": instance.resource_version() } });
    api(ctx, instance)
        .patch(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .map_err(Error::kube("removing the legacy Kopf finalizer"))?;
    Ok(())
}

/// Runs the one-shot action of the decision's transition. Adopting an upgraded
/// image is the decision itself (it changes only the approved image).
pub async fn run_action(
    ctx: &Context,
    instance: &OdooInstance,
    decision: &Decision,
) -> Result<(), Error> {
    let Ok(valid) = &decision.valid else {
        return Ok(());
    };
    match decision.action() {
        Some(table::Action::CreateInitJob) => {
            init_job::create_for_instance(ctx, valid, instance).await
        }
        Some(table::Action::CreateUpgradeJob) => {
            upgrade_job::create_for_instance(ctx, valid, instance).await
        }
        Some(table::Action::RollbackImage) => {
            let Some(rollback) = &decision.rollback else {
                return Ok(());
            };
            upgrade_job::mark_rolled_back(ctx, &valid.namespace, &rollback.job).await?;
            ctx.event(
                instance,
                true,
                "UpgradeRolledBack",
                rollback.message.clone(),
            )
            .await;
            Ok(())
        }
        Some(table::Action::AdoptUpgradedImage) | None => Ok(()),
    }
}

/// The passwords odoo.conf needs.
#[derive(Debug, Clone)]
pub struct Passwords {
    /// The database role's.
    pub db: String,
    /// The master password; read only when the phase keeps the children.
    pub admin: Option<String>,
}

/// Creates the generated Secrets that are missing and returns the passwords, when
/// the phase keeps the database or the children in place.
pub async fn ensure_secrets(
    ctx: &Context,
    instance: &OdooInstance,
    facts: &Facts,
    decision: &Decision,
    done: &mut Vec<Note>,
) -> Result<Option<Passwords>, Error> {
    let Ok(valid) = &decision.valid else {
        return Ok(None);
    };
    if !decision.plan.database && !decision.plan.children {
        return Ok(None);
    }
    // One event for the Secrets this pass generated, not one each.
    let mut created = Vec::new();
    let db = match &facts.db_password {
        Some(password) => password.clone(),
        None => create_generated_secret(ctx, valid, &valid.db_secret, &mut created).await?,
    };
    let admin = match (&facts.admin_password, decision.plan.children) {
        (_, false) => None,
        (Some(password), true) => Some(password.clone()),
        (None, true) if instance.spec.admin_password_secret_ref.is_none() => Some(
            create_generated_secret(ctx, valid, &names::admin_secret(&valid.name), &mut created)
                .await?,
        ),
        (None, true) => {
            return Err(Error::InvalidSpec(format!(
                "Secret {} has no key {}",
                valid.admin_password.name, valid.admin_password.key
            )));
        }
    };
    if !created.is_empty() {
        let message = match created.as_slice() {
            [one] => format!("generated a password in Secret {one}"),
            many => format!("generated passwords in Secrets {}", many.join(", ")),
        };
        done.push(Note::normal("SecretCreated", message));
    }
    Ok(Some(Passwords { db, admin }))
}

/// Creates a Secret with a CSPRNG password and returns the password. Never
/// overwritten: the password lives only there.
async fn create_generated_secret(
    ctx: &Context,
    valid: &ValidInstance,
    secret: &str,
    created: &mut Vec<String>,
) -> Result<String, Error> {
    let password = crate::pg::sql::generate_password();
    let object = build::config_secret::password_secret(valid, secret, &password);
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &valid.namespace);
    match api.create(&PostParams::default(), &object).await {
        Ok(_) => {
            created.push(secret.to_owned());
            Ok(password)
        }
        // Another reconcile won the race: use its password.
        Err(e) if odoo_model::api_error::is_conflict(&e) => {
            observe::secret_value(ctx, &valid.namespace, secret, "password")
                .await?
                .ok_or_else(|| {
                    Error::InvalidSpec(format!("Secret {secret} exists without a password key"))
                })
        }
        Err(e) => Err(Error::kube(format!("creating Secret {secret}"))(e)),
    }
}

/// What provisioning found: the database holds an Odoo schema already or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provisioned {
    pub initialized: bool,
}

/// Ensures the role and database when the phase asks for them and the status does
/// not record them yet. A failure shows on the instance before the retry.
pub async fn provision(
    ctx: &Context,
    instance: &OdooInstance,
    facts: &Facts,
    decision: &Decision,
    passwords: Option<&Passwords>,
    done: &mut Vec<Note>,
) -> Result<Option<Provisioned>, Error> {
    let (Ok(valid), Some(passwords)) = (&decision.valid, passwords) else {
        return Ok(None);
    };
    let current = instance.status.clone().unwrap_or_default();
    if !decision.plan.database || status::is_true(&current.conditions, types::DATABASE_READY) {
        return Ok(None);
    }
    let cluster = facts
        .clusters
        .as_ref()
        .map_err(|m| Error::PgClusters(m.clone()))?
        .get(&valid.database.cluster)
        .map_err(|e| Error::PgClusters(e.to_string()))?;
    let permit = ctx.pg_pools.acquire(&valid.database.cluster).await;
    let provisioned = crate::controller::provision_database(cluster, valid, &passwords.db).await;
    drop(permit);
    match provisioned {
        Ok(initialized) => {
            let message = format!(
                "database {} on cluster {}",
                valid.database.name, valid.database.cluster
            );
            done.push(Note::normal("DatabaseProvisioned", message));
            Ok(Some(Provisioned { initialized }))
        }
        Err(e) => {
            report_database_failure(ctx, instance, cluster, &e).await?;
            Err(e)
        }
    }
}

/// Pre-flight before the first rollout: a database that cannot be reached or
/// provisioned shows on the instance (condition + Warning event naming the cluster
/// and the error), not only in the operator's log. The reconcile then retries.
async fn report_database_failure(
    ctx: &Context,
    instance: &OdooInstance,
    cluster: &PgCluster,
    error: &Error,
) -> Result<(), Error> {
    let (reason, event) = match error {
        Error::Database {
            unreachable: true, ..
        } => ("Unreachable", "DatabaseUnreachable"),
        _ => ("ProvisioningFailed", "DatabaseProvisioningFailed"),
    };
    let message = format!("{error} (server {}:{})", cluster.host, cluster.port);
    let mut current = instance.status.clone().unwrap_or_default();
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let before = current.conditions.clone();
    status::set_condition(
        &mut current.conditions,
        types::DATABASE_READY,
        false,
        reason,
        &message,
        instance.meta().generation,
        &now,
    );
    let phase = current.phase.unwrap_or(InstancePhase::Provisioning);
    if current.conditions != before || current.phase.is_none() {
        let status = json!({ "status": {
            "phase": phase,
            "message": message,
            "conditions": current.conditions,
            "observedGeneration": instance.meta().generation,
        }});
        api(ctx, instance)
            .patch_status(
                &instance.name_any(),
                &PatchParams::default(),
                &Patch::Merge(status),
            )
            .await
            .map_err(Error::kube("writing the status"))?;
    }
    ctx.event(instance, true, event, message).await;
    Ok(())
}

fn api(ctx: &Context, instance: &OdooInstance) -> Api<OdooInstance> {
    Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    )
}
