//! OdooClusterMigration: moves an instance's database to another PostgreSQL cluster.
//!
//! A step machine driven by the migration's status alone, so an operator killed at
//! any point picks up where it was: every step is idempotent and the next one is
//! recorded only once its work is done. PreChecks → Stopping (the instance goes
//! Migrating: web and cron at zero) → Copying (the agent streams pg_dump into a
//! temporary database on the target) → Verifying (row counts, sequences, extensions,
//! schemas) → Switching (rename into place, `spec.database.cluster` through the
//! webhook's sanctioned path) → Starting → Succeeded.
//!
//! A failure before the switch drops the temporary database and ends RolledBack: the
//! instance starts again on the source, which was only ever read. A failure after
//! the switch, before the instance ran on the target, switches back the same way.

mod copy_job;
mod ending;
mod pass;
mod steps;

use pass::{Next, Pass, write};
pub use pass::{conditions, temporary_name};

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::Api;
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase, OdooClusterMigrationStatus};
use odoo_model::{JobPhase, OdooClusterMigration, OdooInstance};

use super::job::{self, Started};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe;

/// A pass over a cluster migration that has work to do.
async fn reconcile(
    ctx: &Context,
    m: Arc<OdooClusterMigration>,
    instance: Option<OdooInstance>,
) -> Result<Action, Error> {
    let status = m.status.clone().unwrap_or_default();
    let phase = status.phase.unwrap_or_default();
    match (phase, instance) {
        (MigrationPhase::Succeeded, Some(instance)) => {
            ending::drop_source_if_asked(ctx, &m, &instance, status).await
        }
        (MigrationPhase::Succeeded | MigrationPhase::RolledBack | MigrationPhase::Failed, _) => {
            Ok(Action::await_change())
        }
        (_, None) => {
            let message = format!(
                "OdooInstance {} does not exist; nothing was moved",
                m.spec.instance_ref.name
            );
            ctx.event(m.as_ref(), true, Reason::InstanceMissing, message.clone())
                .await;
            end(
                ctx,
                &m,
                None,
                status,
                MigrationPhase::Failed,
                Reason::InstanceMissing,
                message,
            )
            .await
        }
        (_, Some(instance)) => {
            // Before anything is made on the target: a deletion from here on
            // removes what was (see `clean_up`).
            let m = job::hold_for_cleanup(ctx, m.as_ref()).await?;
            let clusters = observe::pg_clusters(ctx).await?;
            let pass = Pass::new(ctx, &m, &instance, &clusters);
            let mut next_status = status.clone();
            let next = steps::run(&pass, phase, &mut next_status).await?;
            decide(&pass, phase, next_status, next).await
        }
    }
}

/// Records what a step decided.
async fn decide(
    pass: &Pass<'_>,
    phase: MigrationPhase,
    mut status: OdooClusterMigrationStatus,
    next: Next,
) -> Result<Action, Error> {
    let Pass {
        ctx, m, instance, ..
    } = *pass;
    match next {
        Next::Advance(MigrationPhase::Succeeded, message) => {
            ctx.event(m, false, Reason::MigrationSucceeded, message.clone())
                .await;
            ctx.event(instance, false, Reason::MigrationSucceeded, message.clone())
                .await;
            let reason = Reason::RanOnTarget;
            end(
                ctx,
                m,
                Some(instance),
                status,
                MigrationPhase::Succeeded,
                reason,
                message,
            )
            .await
        }
        Next::Advance(to, message) => {
            status.message = Some(message.clone());
            step_condition(&mut status.conditions, to, &message, m.meta().generation);
            write(ctx, m, status, to).await?;
            ctx.event(m, false, Reason::from(to), message).await;
            Ok(Action::requeue(Duration::ZERO))
        }
        Next::Wait(message, delay) => {
            status.message = Some(message);
            write(ctx, m, status, phase).await?;
            Ok(Action::requeue(delay))
        }
        Next::Fail(reason, message) => {
            let notes = ending::undo(pass, phase, &mut status).await?;
            let message = format!("{phase:?} failed: {message}. {notes}");
            ctx.event(m, true, reason, message.clone()).await;
            ctx.event(instance, true, Reason::MigrationRolledBack, message.clone())
                .await;
            end(
                ctx,
                m,
                Some(instance),
                status,
                MigrationPhase::RolledBack,
                reason,
                message,
            )
            .await
        }
    }
}

/// Sets the step condition, its transition time being the step's start.
fn step_condition(
    conditions: &mut Vec<Condition>,
    phase: MigrationPhase,
    message: &str,
    generation: Option<i64>,
) {
    conditions.retain(|c| c.type_ != conditions::STEP);
    let running = !matches!(
        phase,
        MigrationPhase::Succeeded | MigrationPhase::RolledBack | MigrationPhase::Failed
    );
    conditions.push(Condition {
        type_: conditions::STEP.into(),
        status: if running { "True" } else { "False" }.into(),
        reason: Reason::from(phase).into(),
        message: message.into(),
        observed_generation: generation,
        last_transition_time: Time(k8s_openapi::jiff::Timestamp::now()),
    });
}

/// An end state: conditions, completion time, and the instance's callback.
async fn end(
    ctx: &Context,
    m: &OdooClusterMigration,
    instance: Option<&OdooInstance>,
    mut status: OdooClusterMigrationStatus,
    phase: MigrationPhase,
    reason: Reason,
    message: String,
) -> Result<Action, Error> {
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    status.message = Some(message.clone());
    step_condition(&mut status.conditions, phase, &message, m.meta().generation);
    crate::status::set_condition(
        &mut status.conditions,
        conditions::MIGRATED,
        phase == MigrationPhase::Succeeded,
        reason,
        &message,
        m.meta().generation,
        &now,
    );
    status.completion_time.get_or_insert(now);
    write(ctx, m, status, phase).await?;
    if let Some(instance) = instance {
        let outcome = if phase == MigrationPhase::Succeeded {
            JobPhase::Succeeded
        } else {
            JobPhase::Failed
        };
        ctx.callbacks.job_finished(
            instance,
            "OdooClusterMigration",
            &m.name_any(),
            outcome,
            &message,
        );
    }
    Ok(Action::await_change())
}

/// A migration deleted before it ended. Until the switch nothing of it is live:
/// its copy Job goes, then it rolls back as after a failure (the temporary
/// database on the target is dropped, marker-checked, and the instance starts
/// again on the source, which was only read). Once the instance points at the
/// target it runs to its end, which is a switch back or the instance running on
/// the target. `None` once nothing of it is left to undo.
async fn clean_up(
    ctx: &Context,
    m: Arc<OdooClusterMigration>,
    instance: Option<OdooInstance>,
) -> Result<Option<Action>, Error> {
    let status = m.status.clone().unwrap_or_default();
    let phase = status.phase.unwrap_or_default();
    let Some(instance) = instance else {
        return Ok(None);
    };
    match phase {
        // Nothing made on the target; the instance starts once the migration is
        // gone.
        MigrationPhase::Pending | MigrationPhase::PreChecks | MigrationPhase::Stopping => Ok(None),
        MigrationPhase::Succeeded | MigrationPhase::RolledBack | MigrationPhase::Failed => Ok(None),
        MigrationPhase::Starting => Ok(Some(reconcile(ctx, m, Some(instance)).await?)),
        MigrationPhase::Switching if status.switched => {
            Ok(Some(reconcile(ctx, m, Some(instance)).await?))
        }
        MigrationPhase::Copying | MigrationPhase::Verifying | MigrationPhase::Switching => {
            let ns = instance.namespace().unwrap_or_default();
            let copy = copy_job::name(&m);
            if crate::runtime::batch::live_job(ctx, &ns, &copy)
                .await?
                .is_some()
            {
                Api::<k8s_openapi::api::batch::v1::Job>::namespaced(ctx.client.clone(), &ns)
                    .delete(&copy, &kube::api::DeleteParams::foreground())
                    .await
                    .map_err(Error::kube(format!("deleting Job {copy}")))?;
                return Ok(Some(Action::requeue(Duration::from_secs(2))));
            }
            let clusters = observe::pg_clusters(ctx).await?;
            let pass = Pass::new(ctx, &m, &instance, &clusters);
            let why = "the migration was deleted before it ended".to_owned();
            decide(&pass, phase, status, Next::Fail(Reason::Deleted, why)).await?;
            // The finalizer goes on the next pass, from the version this wrote.
            Ok(Some(Action::requeue(Duration::from_secs(1))))
        }
    }
}

impl job::Reconcile for OdooClusterMigration {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(reconcile(ctx, started.job, started.instance))
    }

    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(clean_up(ctx, started.job, started.instance))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn temporary_names_fit_postgres_and_differ_per_migration() {
        let long = "d".repeat(63);
        let a = super::temporary_name(&long, "uid-1");
        assert!(a.len() <= 63, "{a}");
        assert_ne!(a, super::temporary_name(&long, "uid-2"));
        assert!(super::temporary_name("shop", "u").starts_with("shop_mig_"));
    }
}
