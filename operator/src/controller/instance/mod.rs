//! OdooInstance reconcile, as a pipeline: [`dereference`] reads every fact (and
//! resolves the instance), [`decide`] turns facts and status into a decision through
//! the transition table (pure), [`effects`] does the writes the decision asks for
//! (defaults, Secrets, the database, then the one-shot action between what a job
//! mounts and what serves), [`children`] builds and applies the objects the phase
//! keeps, and [`status`] writes the status and announces the transition.

mod children;
mod decide;
mod dereference;
mod desired;
mod effects;
mod status;

pub use children::{Children, children};
pub use decide::Workloads;

use std::sync::Arc;
use std::time::Duration;

use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::Action;
use kube::runtime::finalizer::{Event as Finalizer, finalizer};
use odoo_model::OdooInstance;
use odoo_model::labels::{INSTANCE_FINALIZER, LEGACY_KOPF_FINALIZER};

use crate::runtime::context::Context;
use crate::runtime::entry::{self, Controlled, Passing};
use crate::runtime::error::Error;
use decide::Step;

impl Controlled for OdooInstance {
    const CONTROLLER: &'static str = "instance";
    // The first reconciles start while the watches still list: wait for the caches
    // rather than decide on empty ones.
    const WAITS_FOR_CACHES: bool = true;

    fn pass<'a>(instance: &'a Self, ctx: &'a Arc<Context>) -> Passing<'a> {
        Box::pin(reconcile(instance, ctx))
    }

    /// A spec or a pg-clusters contract that cannot be used waits for a change
    /// of either (both are watched).
    fn permanent(error: &Error) -> bool {
        matches!(error, Error::InvalidSpec(_) | Error::PgClusters(_))
    }
}

/// One pass over an instance (see the module's comment).
async fn reconcile(instance: &OdooInstance, ctx: &Arc<Context>) -> Result<Action, Error> {
    // The cache still holds the version our last write was based on: the write's
    // watch event starts the next pass (see `fresh`).
    if ctx.written.behind(instance) {
        return Ok(Action::await_change());
    }
    let instance = Arc::new(instance.clone());
    let ns = instance.namespace().unwrap_or_default();
    ctx.metrics.instance_backups(
        &ns,
        &instance.name_any(),
        instance.status.as_ref(),
        instance.metadata.deletion_timestamp.is_some(),
    );
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    // The previous (Kopf) operator's finalizer would block deletion forever.
    if instance
        .finalizers()
        .iter()
        .any(|f| f == LEGACY_KOPF_FINALIZER)
    {
        effects::remove_legacy_finalizer(ctx, &instance).await?;
        return Ok(Action::requeue(Duration::ZERO));
    }
    // A new instance: the finalizer and the spec defaults go out as one write.
    let has_finalizer = instance
        .finalizers()
        .iter()
        .any(|f| f == INSTANCE_FINALIZER);
    if !has_finalizer && instance.metadata.deletion_timestamp.is_none() {
        return Box::pin(first_write(&instance, ctx)).await;
    }
    let ctx2 = ctx.clone();
    let result = finalizer(
        &api,
        INSTANCE_FINALIZER,
        instance.clone(),
        |event| async move {
            match event {
                Finalizer::Apply(instance) => Box::pin(apply_instance(&instance, &ctx2)).await,
                Finalizer::Cleanup(instance) => {
                    Box::pin(crate::controller::database::cleanup(&instance, &ctx2)).await
                }
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
        entry::succeeded::<OdooInstance>(ctx, instance.as_ref());
    }
    // A child the API server refused is the user's to see on the instance itself.
    if let Err(e @ Error::Apply(_)) = &result {
        ctx.event(instance.as_ref(), true, e.reason(), e.to_string())
            .await;
    }
    match result {
        // Not a failure: the pods being replaced are going; look again shortly.
        Err(Error::WaitingForPods { .. }) => Ok(Action::requeue(PODS_GOING)),
        result => result,
    }
}

/// The first write to an instance: the finalizer (before anything is provisioned,
/// so a deletion always runs the cleanup), with the spec defaults when it lacks
/// some. Conditional on the version read, like the finalizer helper's own write.
async fn first_write(instance: &OdooInstance, ctx: &Context) -> Result<Action, Error> {
    let facts = Box::new(Box::pin(dereference::facts(ctx, instance)).await?);
    let now = k8s_openapi::jiff::Timestamp::now();
    let mut finalizers = instance.finalizers().to_vec();
    finalizers.push(INSTANCE_FINALIZER.to_owned());
    let metadata = serde_json::json!({
        "finalizers": finalizers,
        "resourceVersion": instance.resource_version(),
    });
    let (mut patch, fields) = match decide::decide(instance, &facts, &ctx.config, now) {
        Step::WriteDefaults { patch, fields } => (patch, fields),
        Step::Reconcile(_) => (serde_json::json!({}), Vec::new()),
    };
    patch["metadata"] = metadata;
    effects::write_defaults(ctx, instance, &patch, &fields).await?;
    Ok(Action::await_change())
}

/// How soon a pass that waits for old pods to go comes back.
const PODS_GOING: Duration = Duration::from_secs(2);

/// The pipeline, one line per step.
///
/// Each step's future, and what lives across them, is boxed: every reconcile in
/// flight holds this future, and with the steps inline it was 20 KiB (the compiler
/// gives each step's state and each typed object its own room), a tenth of the
/// heap at 128 reconciles.
async fn apply_instance(instance: &OdooInstance, ctx: &Context) -> Result<Action, Error> {
    let facts = Box::new(Box::pin(dereference::facts(ctx, instance)).await?);
    let mut written = false;
    let result = Box::pin(pass(instance, ctx, &facts, &mut written)).await;
    if result.is_err() && !written {
        // What the finished jobs give the status (the last backup, the last
        // rehearsal) must not wait for a pass that gets through: alerts read it.
        if let Err(e) = Box::pin(status::write_records(ctx, instance, &facts)).await {
            tracing::warn!(name = %instance.name_any(), error = %e, "recording the last backup");
        }
    }
    result
}

/// The pass after the facts: decide, the effects, the children, the status.
/// `written` says whether the status was written, also on an error.
async fn pass(
    instance: &OdooInstance,
    ctx: &Context,
    facts: &dereference::Facts,
    written: &mut bool,
) -> Result<Action, Error> {
    let now = k8s_openapi::jiff::Timestamp::now();
    let decision = match decide::decide(instance, facts, &ctx.config, now) {
        Step::WriteDefaults { patch, fields } => {
            Box::pin(effects::write_defaults(ctx, instance, &patch, &fields)).await?;
            return Ok(Action::await_change());
        }
        Step::Reconcile(decision) => decision,
    };
    let mut done = Vec::new();
    let passwords = Box::pin(effects::ensure_secrets(
        ctx, instance, facts, &decision, &mut done,
    ))
    .await?;
    let provisioned = match Box::pin(effects::provision(
        ctx,
        instance,
        facts,
        &decision,
        passwords.as_ref(),
        &mut done,
    ))
    .await?
    {
        effects::Provisioning::Skipped => None,
        effects::Provisioning::Done(provisioned) => Some(provisioned),
        effects::Provisioning::Failed(failure) => {
            // Nothing is rolled out against a database that is not there: the
            // instance says why, and the reconcile retries with backoff.
            let decision = desired::after_database_failure(instance, &decision, &failure, now);
            done.push(failure.note());
            *written = true;
            Box::pin(status::write(ctx, instance, facts, &decision, None, done)).await?;
            return Err(failure.error());
        }
    };
    let decision =
        desired::after_provisioning(instance, facts, &decision, provisioned, &ctx.config, now)
            .map_or(decision, Box::new);
    let desired = children::desired(
        decision.valid.as_ref().ok(),
        passwords.as_ref(),
        decision.workloads.as_ref(),
    )
    .map(Box::new);
    Box::pin(children::apply_inputs(ctx, desired.as_deref())).await?;
    Box::pin(effects::run_action(ctx, instance, &decision)).await?;
    Box::pin(children::apply_serving(
        ctx,
        desired.as_deref(),
        decision.workloads.as_ref(),
        decision.plan.serving,
    ))
    .await?;
    drop(desired);
    let expiring = Box::pin(expire_kept(ctx, instance, facts, &decision)).await;
    *written = true;
    Box::pin(status::write(
        ctx,
        instance,
        facts,
        &decision,
        provisioned,
        done,
    ))
    .await?;
    Ok(expiring.unwrap_or_else(|| decision.requeue.clone()))
}

/// Kept databases beyond the instance's limits go while it is settled (see
/// `kept_expiry`). A failure there is logged and retried on a later pass: it
/// must not stop the instance's own reconcile.
async fn expire_kept(
    ctx: &Context,
    instance: &OdooInstance,
    facts: &dereference::Facts,
    decision: &decide::Decision,
) -> Option<Action> {
    let v = decision.valid.as_ref().ok()?;
    use odoo_model::InstancePhase::{Running, Stopped};
    // Unsettled or held by a job: nothing is listed now, and the end of it is
    // when the next listing is due.
    let busy = facts.active_job.is_some() || !matches!(decision.phase, Running | Stopped);
    match super::kept_expiry::expire(ctx, instance, v, busy).await {
        Ok(again) => again,
        Err(e) => {
            tracing::warn!(name = %instance.name_any(), error = %e, "expiring kept databases");
            None
        }
    }
}
