//! OdooInstance reconcile: dereference → validate → transition → build → apply →
//! status. Each step is a function below; this file reads top to bottom.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::core::DeserializeGuard;
use kube::runtime::controller::Action;
use kube::runtime::finalizer::{Event as Finalizer, finalizer};
use kube::{Resource, ResourceExt};
use odoo_model::labels::{INSTANCE_FINALIZER, LEGACY_KOPF_FINALIZER};
use odoo_model::{InstancePhase, OdooInstance, OdooInstanceStatus, names};
use serde_json::json;
use tracing::{info, warn};

use super::error::Error;
use super::{Context, caches, observe};
use crate::pg::clusters::PgCluster;
use crate::state::ensure::{ImageChoice, plan};
use crate::state::{Observed, table};
use crate::status::{self, types};
use crate::validate::{DatabaseTarget, ValidInstance, validate};
use crate::{build, defaults};

/// The `controller` label of this controller's metrics.
const CONTROLLER: &str = "instance";

/// Entry point of the instance controller.
///
/// A stored object this build cannot read (written under an older schema, say) gets
/// a Warning event and is left alone; the watch and every other instance go on.
#[tracing::instrument(skip_all, fields(name = %guard.name_any(), namespace = guard.namespace().unwrap_or_default()))]
pub async fn reconcile(
    guard: Arc<DeserializeGuard<OdooInstance>>,
    ctx: Arc<Context>,
) -> Result<Action, Error> {
    // The first reconciles start while the watches still list: wait for the caches
    // rather than decide on empty ones.
    ctx.caches.wait_until_ready().await;
    let _timer = ctx.metrics.reconcile_timer(CONTROLLER);
    let instance = match &guard.0 {
        Ok(instance) => Arc::new(instance.clone()),
        Err(invalid) => {
            warn!(error = %invalid.error, "stored object cannot be read");
            ctx.event_on_ref(
                &guard.object_ref(&()),
                true,
                "InvalidObject",
                format!(
                    "the operator cannot read this object: {}; fix or re-apply it",
                    invalid.error
                ),
            )
            .await;
            return Ok(Action::await_change());
        }
    };
    let ns = instance.namespace().unwrap_or_default();
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    // The previous (Kopf) operator's finalizer would block deletion forever.
    if instance
        .finalizers()
        .iter()
        .any(|f| f == LEGACY_KOPF_FINALIZER)
    {
        remove_legacy_finalizer(&api, &instance).await?;
        return Ok(Action::requeue(Duration::ZERO));
    }
    let ctx2 = ctx.clone();
    let result = finalizer(
        &api,
        INSTANCE_FINALIZER,
        instance.clone(),
        |event| async move {
            match event {
                Finalizer::Apply(instance) => apply_instance(&instance, &ctx2).await,
                Finalizer::Cleanup(instance) => super::instance_cleanup(&instance, &ctx2).await,
            }
        },
    )
    .await
    .map_err(|e| match e {
        kube::runtime::finalizer::Error::ApplyFailed(e)
        | kube::runtime::finalizer::Error::CleanupFailed(e) => e,
        other => Error::Finalizer(other.to_string()),
    });
    if result.is_ok() {
        ctx.backoff.succeeded(&backoff_key(instance.as_ref()));
    }
    // A child the API server refused is the user's to see on the instance itself.
    if let Err(e @ Error::Apply(_)) = &result {
        ctx.event(instance.as_ref(), true, e.category(), e.to_string())
            .await;
    }
    result
}

fn backoff_key(object: &impl ResourceExt) -> String {
    format!(
        "{}/{}",
        object.namespace().unwrap_or_default(),
        object.name_any()
    )
}

/// Permanent errors wait for a change; transient ones retry with a growing delay.
pub fn error_policy(
    guard: Arc<DeserializeGuard<OdooInstance>>,
    error: &Error,
    ctx: Arc<Context>,
) -> Action {
    if let Error::WaitingForPods { .. } = error {
        return Action::requeue(Duration::from_secs(2));
    }
    ctx.metrics.reconcile_error(CONTROLLER, error.category());
    warn!(name = %guard.name_any(), namespace = guard.namespace().unwrap_or_default(), category = error.category(), error = %error, "reconcile failed");
    match error {
        Error::InvalidSpec(_) | Error::PgClusters(_) => Action::await_change(),
        _ => Action::requeue(ctx.backoff.retry_after(&backoff_key(guard.as_ref()), error)),
    }
}

async fn remove_legacy_finalizer(
    api: &Api<OdooInstance>,
    instance: &OdooInstance,
) -> Result<(), Error> {
    let kept: Vec<&String> = instance
        .finalizers()
        .iter()
        .filter(|f| *f != LEGACY_KOPF_FINALIZER)
        .collect();
    let patch = json!({ "metadata": { "finalizers": kept, "resourceVersion": instance.resource_version() } });
    api.patch(
        &instance.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await
    .map_err(Error::kube("removing the legacy Kopf finalizer"))?;
    Ok(())
}

async fn apply_instance(instance: &OdooInstance, ctx: &Context) -> Result<Action, Error> {
    let name = instance.name_any();
    let ns = instance.namespace().unwrap_or_default();
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    let current = instance.status.clone().unwrap_or_default();
    let phase = current.phase.unwrap_or(InstancePhase::Provisioning);

    // Dereference and validate. Either failure is permanent: condition + event, wait.
    let (target, cluster) = match resolve_database(instance, ctx).await {
        Ok(Some(resolved)) => resolved,
        Ok(None) => return Ok(Action::await_change()), // defaults were written; the update re-triggers
        Err(e @ (Error::InvalidSpec(_) | Error::PgClusters(_))) => {
            return fail_permanently(instance, ctx, &api, e).await;
        }
        Err(e) => return Err(e),
    };
    let valid = match validate(instance, target) {
        Ok(v) => v,
        Err(e) => {
            return fail_permanently(instance, ctx, &api, Error::InvalidSpec(e.to_string())).await;
        }
    };

    // Observe and transition.
    let conditions = current.conditions.clone();
    let web = observe::web_deployment(ctx, instance).await?;
    let ready_replicas = web
        .as_ref()
        .and_then(|d| d.status.as_ref())
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let (upgrade, upgrade_targets) = observe::upgrade_jobs(ctx, instance).await?;
    // The approved image is what the Deployments run. With automatic upgrades it
    // changes only when an upgrade job succeeded (or is rolled back); without, it
    // follows the spec at once.
    let mut approved = match (&current.image, instance.spec.auto_upgrade.enabled) {
        (Some(image), true) => image.clone(),
        _ => valid.image.clone(),
    };
    let now_ts = k8s_openapi::jiff::Timestamp::now();
    let rollback_deadline = rollback_deadline(instance, upgrade.as_ref(), &approved);
    let observed = Observed {
        spec_valid: true,
        database_ready: status::is_true(&conditions, types::DATABASE_READY),
        database_initialized: status::is_true(&conditions, types::INITIALIZED),
        init_enabled: instance.spec.init.enabled,
        init_job: observe::init_job(ctx, instance).await?,
        desired_replicas: instance.spec.replicas,
        ready_replicas,
        image_current: approved == valid.image,
        upgrade_job: upgrade.as_ref().map(|u| u.phase),
        backup_job: observe::backup_job(ctx, instance).await?,
        restore_job: observe::restore_job(ctx, instance).await?,
        migration: observe::migration(ctx, instance).await?,
        auto_upgrade: instance.spec.auto_upgrade.enabled,
        upgrade_attempted: upgrade_targets.contains(&valid.image),
        rollout_timed_out: rollback_deadline.is_some_and(|d| now_ts > d)
            && !rollout_complete(web.as_ref(), instance.spec.replicas),
    };
    let transition = table::next(phase, &observed);
    let next_phase = transition.map_or(phase, |t| t.to);
    if let Some(t) = transition {
        info!(%name, %ns, from = %phase, to = %t.to, guard = t.guard.name, "phase transition");
        ctx.metrics
            .phase_transition(&phase.to_string(), &t.to.to_string());
        if let Some(action) = t.action {
            run_action(
                action,
                &valid,
                instance,
                upgrade.as_ref(),
                &mut approved,
                ctx,
            )
            .await?;
        }
    }

    // Ensure what the phase keeps in place.
    let mut conditions = conditions;
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    match transition.and_then(|t| t.action) {
        Some(table::Action::RollbackImage) => status::set_condition(
            &mut conditions,
            types::ROLLED_BACK,
            true,
            "NotReadyInWindow",
            &format!("reverted to {approved}; the database stays upgraded"),
            instance.meta().generation,
            &now,
        ),
        Some(table::Action::AdoptUpgradedImage)
            if status::is_true(&conditions, types::ROLLED_BACK) =>
        {
            status::set_condition(
                &mut conditions,
                types::ROLLED_BACK,
                false,
                "Upgraded",
                &format!("upgraded to {approved}"),
                instance.meta().generation,
                &now,
            )
        }
        _ => {}
    }
    let p = plan(next_phase, valid.replicas, valid.cron_replicas);
    let db_password = ensure_generated_secret(ctx, &valid, &valid.db_secret, instance).await?;
    if p.database && !observed.database_ready {
        let initialized = match super::provision_database(&cluster, &valid, &db_password).await {
            Ok(initialized) => initialized,
            Err(e) => {
                report_database_failure(instance, ctx, &api, &cluster, &e).await?;
                return Err(e);
            }
        };
        let message = format!(
            "database {} on cluster {}",
            valid.database.name, valid.database.cluster
        );
        status::set_condition(
            &mut conditions,
            types::DATABASE_READY,
            true,
            "Provisioned",
            &message,
            instance.meta().generation,
            &now,
        );
        status::set_condition(
            &mut conditions,
            types::INITIALIZED,
            initialized,
            if initialized { "SchemaFound" } else { "Empty" },
            "",
            instance.meta().generation,
            &now,
        );
        ctx.event(instance, false, "DatabaseProvisioned", message)
            .await;
    }
    if observed.init_job == Some(odoo_model::JobPhase::Succeeded)
        && !status::is_true(&conditions, types::INITIALIZED)
    {
        status::set_condition(
            &mut conditions,
            types::INITIALIZED,
            true,
            "InitJobSucceeded",
            "",
            instance.meta().generation,
            &now,
        );
    }
    if p.children {
        let admin_password = if instance.spec.admin_password_secret_ref.is_none() {
            ensure_generated_secret(ctx, &valid, &names::admin_secret(&name), instance).await?
        } else {
            observe::secret_value(
                ctx,
                &ns,
                &valid.admin_password.name,
                &valid.admin_password.key,
            )
            .await?
            .ok_or_else(|| {
                Error::InvalidSpec(format!(
                    "Secret {} has no key {}",
                    valid.admin_password.name, valid.admin_password.key
                ))
            })?
        };
        let conf = build::odoo_conf::render(&valid, &db_password, &admin_password);
        let hash = build::odoo_conf::hash(&conf);
        let c = &ctx.caches;
        let config_secret = build::config_secret::config_secret(&valid, &conf);
        caches::apply(ctx, &c.secrets, &config_secret).await?;
        caches::apply(ctx, &c.pvcs, &build::pvc::filestore_pvc(&valid)).await?;
        caches::apply(ctx, &c.services, &build::service::service(&valid)).await?;
        if let Some(ingress) = build::ingress::ingress(&valid) {
            caches::apply(ctx, &c.ingresses, &ingress).await?;
        }
        if let Some(w) = p.workloads {
            let mut v = valid.clone();
            v.replicas = w.web_replicas;
            v.cron_replicas = w.cron_replicas;
            if next_phase == InstancePhase::Upgrading
                && upgrade.as_ref().is_some_and(|u| u.maintenance)
            {
                v.replicas = 0;
            }
            v.image = match (w.image, current.image.clone()) {
                (ImageChoice::Running, Some(running))
                    if next_phase != InstancePhase::UpgradeFailed =>
                {
                    running
                }
                _ => approved.clone(),
            };
            caches::apply(ctx, &c.deployments, &build::deployment::web(&v, &hash)).await?;
            caches::apply(ctx, &c.deployments, &build::deployment::cron(&v, &hash)).await?;
        }
    }

    // Image pulls: a condition naming the image, and one Warning event per failure
    // streak (not per reconcile, which would write on every pod status change).
    let pull_failures = observe::image_pull_failures(ctx, instance).await?;
    let was_failing = status::is_false(&conditions, types::IMAGE_PULLED);
    match pull_failures.first() {
        Some(f) => {
            let message = format!(
                "image {} cannot be pulled ({} in pod {}){}",
                f.image,
                f.reason,
                f.pod,
                if f.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", f.message)
                }
            );
            status::set_condition(
                &mut conditions,
                types::IMAGE_PULLED,
                false,
                &f.reason,
                &message,
                instance.meta().generation,
                &now,
            );
            if !was_failing {
                ctx.event(instance, true, "ImagePullFailed", message).await;
            }
        }
        None if was_failing => {
            status::set_condition(
                &mut conditions,
                types::IMAGE_PULLED,
                true,
                "Pulled",
                "",
                instance.meta().generation,
                &now,
            );
            ctx.event(
                instance,
                false,
                "ImagePulled",
                "the image pulls again".into(),
            )
            .await;
        }
        None => {}
    }

    // Status, written only when it changed.
    let message = transition.map_or_else(
        || current.message.clone().unwrap_or_default(),
        |t| t.guard.name.to_owned(),
    );
    let web_status = web
        .as_ref()
        .and_then(|d| d.status.clone())
        .unwrap_or_default();
    status::phase_conditions(
        &mut conditions,
        next_phase,
        &message,
        instance.meta().generation,
        &now,
    );
    let desired = OdooInstanceStatus {
        phase: Some(next_phase),
        message: Some(message.clone()),
        conditions,
        observed_generation: instance.meta().generation,
        replicas: web_status.replicas.unwrap_or(0),
        ready_replicas,
        // During a rollout old and new pods are both ready: "2/1" would read as more
        // than wanted. The readiness of what is wanted is at most the wanted count.
        ready: Some(format!(
            "{}/{}",
            ready_replicas.min(instance.spec.replicas.max(0)),
            instance.spec.replicas
        )),
        selector: Some(format!(
            "{}={},{}=web",
            odoo_model::labels::INSTANCE_LABEL,
            name,
            odoo_model::labels::APP_COMPONENT
        )),
        url: Some(url(&valid)),
        image: Some(approved.clone()),
        odoo_version: odoo_version(current.image.as_deref().unwrap_or(&valid.image)),
        database: Some(valid.database.name.clone()),
        ..current.clone()
    };
    if desired != current {
        api.patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": desired })),
        )
        .await
        .map_err(Error::kube("writing the status"))?;
    }
    if let Some(t) = transition {
        let warning = matches!(
            t.to,
            InstancePhase::InitFailed
                | InstancePhase::UpgradeFailed
                | InstancePhase::Degraded
                | InstancePhase::Error
        );
        ctx.event(
            instance,
            warning,
            &format!("Phase{}", t.to),
            format!("{phase} → {}: {}", t.to, t.guard.name),
        )
        .await;
        ctx.callbacks.phase_changed(instance, phase, t.to);
        return Ok(Action::requeue(Duration::ZERO));
    }
    // An upgraded image on probation: look again when its window closes.
    if let Some(deadline) = rollback_deadline
        && !rollout_complete(web.as_ref(), instance.spec.replicas)
    {
        let left = (deadline - now_ts)
            .total(k8s_openapi::jiff::Unit::Second)
            .unwrap_or(0.0);
        return Ok(Action::requeue(Duration::from_secs_f64(
            left.clamp(0.0, 300.0) + 1.0,
        )));
    }
    Ok(Action::requeue(Duration::from_secs(300)))
}

/// The web Deployment runs only pods of its current template, all ready. Ready
/// replicas alone would count old pods a rolling update keeps while new ones fail.
fn rollout_complete(web: Option<&k8s_openapi::api::apps::v1::Deployment>, desired: i32) -> bool {
    let Some(d) = web else { return false };
    let s = d.status.clone().unwrap_or_default();
    let current = s.observed_generation >= d.metadata.generation;
    let updated = s.updated_replicas.unwrap_or(0);
    current
        && updated >= desired
        && s.replicas.unwrap_or(0) <= updated
        && s.ready_replicas.unwrap_or(0) >= desired
}

/// When the image of the newest upgrade must be ready by, if it is on probation:
/// the upgrade succeeded, rolled out (it is the approved image), was not rolled back,
/// and the instance asks for automatic rollback.
fn rollback_deadline(
    instance: &OdooInstance,
    upgrade: Option<&observe::UpgradeView>,
    approved: &str,
) -> Option<k8s_openapi::jiff::Timestamp> {
    let auto = &instance.spec.auto_upgrade;
    let u = upgrade?;
    let on_probation = auto.rollback
        && u.phase == odoo_model::JobPhase::Succeeded
        && !u.rolled_back
        && u.target.as_deref() == Some(approved)
        && u.previous_image.as_deref().is_some_and(|p| p != approved);
    if !on_probation {
        return None;
    }
    let window =
        k8s_openapi::jiff::SignedDuration::from_secs(i64::from(auto.rollback_window_seconds));
    u.completed?.checked_add(window).ok()
}

/// Writes defaults when some are missing (returns `None`: the update re-triggers),
/// else resolves the database target from the pg-clusters Secret.
async fn resolve_database(
    instance: &OdooInstance,
    ctx: &Context,
) -> Result<Option<(DatabaseTarget, PgCluster)>, Error> {
    let name = instance.name_any();
    let ns = instance.namespace().unwrap_or_default();
    let clusters = observe::pg_clusters(ctx).await?;
    let default_cluster = match &instance.spec.database.cluster {
        Some(_) => None,
        None => Some(
            clusters
                .default_cluster()
                .map_err(|e| Error::PgClusters(e.to_string()))?
                .0
                .to_owned(),
        ),
    };
    let db_name = names::default_database(&ns, &name);
    if let Some((patch, fields)) = defaults::patch(
        &instance.spec,
        &ctx.config,
        default_cluster.as_deref(),
        &db_name,
    ) {
        let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(Error::kube("writing spec defaults"))?;
        ctx.event(
            instance,
            false,
            "DefaultsApplied",
            format!("set {}", fields.join(", ")),
        )
        .await;
        return Ok(None);
    }
    let cluster_name = instance.spec.database.cluster.clone().unwrap_or_default();
    let cluster = clusters
        .get(&cluster_name)
        .map_err(|e| Error::PgClusters(e.to_string()))?;
    let target = DatabaseTarget {
        cluster: cluster_name,
        host: cluster.host.clone(),
        port: cluster.port,
        ssl_mode: cluster.ssl_mode.as_str().to_owned(),
        name: instance.spec.database.name.clone().unwrap_or(db_name),
        role: names::database_role(&ns, &name),
    };
    Ok(Some((target, cluster.clone())))
}

/// Pre-flight before the first rollout: a database that cannot be reached or
/// provisioned shows on the instance (condition + Warning event naming the cluster
/// and the error), not only in the operator's log. The reconcile then retries.
async fn report_database_failure(
    instance: &OdooInstance,
    ctx: &Context,
    api: &Api<OdooInstance>,
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
        api.patch_status(
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

/// Records a permanent error: phase Error, conditions, a Warning event; then waits.
async fn fail_permanently(
    instance: &OdooInstance,
    ctx: &Context,
    api: &Api<OdooInstance>,
    error: Error,
) -> Result<Action, Error> {
    let mut current = instance.status.clone().unwrap_or_default();
    let message = error.to_string();
    if current.phase == Some(InstancePhase::Error)
        && current.message.as_deref() == Some(message.as_str())
    {
        return Ok(Action::await_change());
    }
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    status::phase_conditions(
        &mut current.conditions,
        InstancePhase::Error,
        &message,
        instance.meta().generation,
        &now,
    );
    current.phase = Some(InstancePhase::Error);
    current.message = Some(message.clone());
    current.observed_generation = instance.meta().generation;
    api.patch_status(
        &instance.name_any(),
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": current })),
    )
    .await
    .map_err(Error::kube("writing the status"))?;
    ctx.event(instance, true, error.category(), message).await;
    Ok(Action::await_change())
}

async fn run_action(
    action: table::Action,
    valid: &ValidInstance,
    instance: &OdooInstance,
    upgrade: Option<&observe::UpgradeView>,
    approved: &mut String,
    ctx: &Context,
) -> Result<(), Error> {
    match action {
        table::Action::CreateInitJob => super::init_job::create_for_instance(ctx, valid).await,
        table::Action::CreateUpgradeJob => {
            super::upgrade_job::create_for_instance(ctx, valid, instance).await
        }
        table::Action::AdoptUpgradedImage => {
            if let Some(target) = upgrade.and_then(|u| u.target.clone()) {
                *approved = target;
            }
            Ok(())
        }
        table::Action::RollbackImage => {
            let Some(u) = upgrade else { return Ok(()) };
            let Some(previous) = u.previous_image.clone() else {
                return Ok(());
            };
            super::upgrade_job::mark_rolled_back(ctx, &valid.namespace, &u.name).await?;
            let message = format!(
                "web pods of {approved} were not ready within {}s after {}; reverted to {previous} (the database stays upgraded)",
                instance.spec.auto_upgrade.rollback_window_seconds, u.name
            );
            ctx.event(instance, true, "UpgradeRolledBack", message)
                .await;
            *approved = previous;
            Ok(())
        }
    }
}

/// Returns the `password` key of a generated Secret, creating it with a CSPRNG
/// password when missing. Never overwritten: the password lives only there.
async fn ensure_generated_secret(
    ctx: &Context,
    valid: &ValidInstance,
    secret: &str,
    instance: &OdooInstance,
) -> Result<String, Error> {
    if let Some(existing) = observe::secret_value(ctx, &valid.namespace, secret, "password").await?
    {
        return Ok(existing);
    }
    let password = crate::pg::sql::generate_password();
    let object = build::config_secret::password_secret(valid, secret, &password);
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &valid.namespace);
    match api.create(&PostParams::default(), &object).await {
        Ok(_) => {
            ctx.event(
                instance,
                false,
                "SecretCreated",
                format!("generated a password in Secret {secret}"),
            )
            .await;
            Ok(password)
        }
        // Another reconcile won the race: use its password.
        Err(kube::Error::Api(s)) if s.code == 409 => {
            observe::secret_value(ctx, &valid.namespace, secret, "password")
                .await?
                .ok_or_else(|| {
                    Error::InvalidSpec(format!("Secret {secret} exists without a password key"))
                })
        }
        Err(e) => Err(Error::kube(format!("creating Secret {secret}"))(e)),
    }
}

fn url(v: &ValidInstance) -> String {
    match &v.ingress {
        Some(i) => format!(
            "{}://{}",
            if i.tls_secret.is_some() {
                "https"
            } else {
                "http"
            },
            i.hosts[0]
        ),
        None => format!(
            "http://{}.{}.svc:8069",
            names::service(&v.name),
            v.namespace
        ),
    }
}

/// The Odoo major version from an image tag: `odoo:18.0-20250101` → `18.0`.
pub fn odoo_version(image: &str) -> Option<String> {
    let tag = image.split('@').next()?.rsplit_once(':')?.1;
    let version: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let version = version.trim_end_matches('.');
    version.contains('.').then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn odoo_versions_come_from_image_tags() {
        assert_eq!(
            super::odoo_version("odoo:18.0-20250101").as_deref(),
            Some("18.0")
        );
        assert_eq!(
            super::odoo_version("registry.local:5000/odoo:17.0").as_deref(),
            Some("17.0")
        );
        assert_eq!(super::odoo_version("odoo:custom"), None);
    }
}
