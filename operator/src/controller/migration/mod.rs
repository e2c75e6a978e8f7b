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
//!
//! A pass runs through the generic driver ([`super::step`]): `decide::step` decides,
//! pure, from the migration and what the pass has learnt (`facts`); `effects` does
//! what it asks.

mod copy_job;
mod decide;
mod effects;
mod ending;
mod facts;
mod pass;
mod record;
mod steps;
#[cfg(test)]
mod test_support;

pub use pass::{conditions, temporary_name};

use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};
use odoo_model::{JobPhase, OdooClusterMigration};

use super::job::{self, Started};
use super::step::{self, JobState, StepFn, Stepper};
use crate::runtime::context::Context;
use facts::{Effect, Facts};

/// A migration deleted before it ended. Until the switch nothing of it is live:
/// its copy Job goes, then it rolls back as after a failure (the temporary
/// database on the target is dropped, marker-checked, and the instance starts
/// again on the source, which was only read). Once the instance points at the
/// target it runs to its end, which is a switch back or the instance running on
/// the target. `None` once nothing of it is left to undo.
fn clean_up(ctx: &Context, started: Started<OdooClusterMigration>) -> job::CleaningUp<'_> {
    Box::pin(async move {
        let status = started.job.status.clone().unwrap_or_default();
        let phase = status.phase.unwrap_or_default();
        let undoes = match phase {
            // Nothing made on the target; the instance starts once the migration
            // is gone.
            P::Pending | P::PreChecks | P::Stopping => false,
            P::Succeeded | P::RolledBack | P::Failed => false,
            P::Copying | P::Verifying | P::Switching | P::Starting => true,
        };
        if !undoes || started.instance.is_none() {
            return Ok(None);
        }
        Ok(Some(step::drive(ctx, started).await?))
    })
}

impl job::Reconcile for OdooClusterMigration {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(step::drive(ctx, started))
    }

    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        clean_up(ctx, started)
    }
}

/// A migration has phases of its own, not the job kinds' common status.
impl JobState for OdooClusterMigrationStatus {
    /// The steps record the phase, the generation and the times themselves: a
    /// pass that only looked writes nothing.
    fn stamp(&mut self, _: JobPhase, _: Option<i64>) {}
    fn message(&self) -> Option<String> {
        self.message.clone()
    }
    fn ended(&self) -> bool {
        pass::finished(self.phase.unwrap_or_default())
    }
}

impl Stepper for OdooClusterMigration {
    type Facts = Facts;
    type Effect = Effect;
    const STEP: StepFn<Self> = decide::step;
}
