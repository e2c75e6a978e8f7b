//! Effects: the writes a decision asks for besides the children and the status:
//! spec defaults, the transition's one-shot action, the generated Secrets and the
//! database on its PostgreSQL cluster.

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::Reason;
use odoo_model::labels::LEGACY_KOPF_FINALIZER;
use odoo_model::{OdooInstance, names};
use serde_json::{Value, json};

use super::decide::{DatabaseFailure, Decision, Note, Provisioned};
use super::dereference::Facts;
use crate::build;
use crate::controller::{init_job, upgrade_job};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe;
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
            Reason::DefaultsApplied,
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
        // The upgrade job records the rollback itself (see `upgrade_job::rollback`);
        // the instance says it.
        Some(table::Action::RollbackImage) => {
            if let Some(rollback) = &decision.rollback {
                ctx.event(
                    instance,
                    true,
                    Reason::UpgradeRolledBack,
                    rollback.message.clone(),
                )
                .await;
            }
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
        done.push(Note::normal(Reason::SecretCreated, message));
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

/// What provisioning did this pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioning {
    /// The phase does not ask for the database, or the status records it ready.
    Skipped,
    Done(Provisioned),
    /// The cluster could not be reached or refused: a fact for the status writer
    /// (a condition and an event naming the server) before the retry.
    Failed(DatabaseFailure),
}

/// Ensures the role and database when the phase asks for them and the status does
/// not record them yet.
pub async fn provision(
    ctx: &Context,
    instance: &OdooInstance,
    facts: &Facts,
    decision: &Decision,
    passwords: Option<&Passwords>,
    done: &mut Vec<Note>,
) -> Result<Provisioning, Error> {
    let (Ok(valid), Some(passwords)) = (&decision.valid, passwords) else {
        return Ok(Provisioning::Skipped);
    };
    let current = instance.status.clone().unwrap_or_default();
    if !decision.plan.database || status::is_true(&current.conditions, types::DATABASE_READY) {
        return Ok(Provisioning::Skipped);
    }
    let cluster = facts
        .clusters
        .as_ref()
        .map_err(|m| Error::PgClusters(m.clone()))?
        .get(&valid.database.cluster)
        .map_err(|e| Error::PgClusters(e.to_string()))?;
    let permit = ctx.pg_pools.acquire(&valid.database.cluster).await;
    let provisioned =
        crate::controller::database::provision_database(cluster, valid, &passwords.db).await;
    drop(permit);
    match provisioned {
        Ok(initialized) => {
            let message = format!(
                "database {} on cluster {}",
                valid.database.name, valid.database.cluster
            );
            done.push(Note::normal(Reason::DatabaseProvisioned, message));
            Ok(Provisioning::Done(Provisioned { initialized }))
        }
        Err(Error::Database {
            cluster: name,
            message,
            unreachable,
        }) => {
            let mut failure = DatabaseFailure {
                cluster: name,
                unreachable,
                error: message,
                message: String::new(),
            };
            failure.message = format!(
                "{} (server {}:{})",
                failure.error(),
                cluster.host,
                cluster.port
            );
            Ok(Provisioning::Failed(failure))
        }
        Err(e) => Err(e),
    }
}

impl DatabaseFailure {
    /// The error the reconcile ends with, so it is retried with backoff.
    pub fn error(&self) -> Error {
        Error::Database {
            cluster: self.cluster.clone(),
            message: self.error.clone(),
            unreachable: self.unreachable,
        }
    }
}

fn api(ctx: &Context, instance: &OdooInstance) -> Api<OdooInstance> {
    Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    )
}
