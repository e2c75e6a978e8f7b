//! OdooBackupJob: a Job whose pod runs the backup agent (the operator binary,
//! copied in by an init container) in the instance's own image, for its pg_dump,
//! with the filestore mounted read-only. The agent streams the archive to S3 or a
//! volume and reports size, checksum and versions in its termination message,
//! which becomes the job's status once the operator proved it.
//!
//! A pass runs through the job driver (`controller::step`): `decide` (and
//! `verify` for a stored backup) says what to do next, purely, over what the pass
//! learnt; `effects` does it.

use odoo_model::OdooBackupJob;

use super::job::{self, Started};
use super::step::{self, StepFn, Stepper};
use crate::runtime::context::Context;

mod archive;
mod decide;
pub mod delete;
mod effects;
mod facts;
pub mod index;
mod outcome;
mod pod;
mod verify;

pub use archive::{destination, render_key};
pub use facts::{Effect, Facts};
pub use pod::build_job;

impl job::Reconcile for OdooBackupJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(step::drive(ctx, started))
    }

    /// A backup deleted with the delete-archive request takes its archive along.
    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(
            async move { delete::clean_up(ctx, &started.job, started.instance.as_ref()).await },
        )
    }
}

impl Stepper for OdooBackupJob {
    type Facts = Facts;
    type Effect = Effect;
    const STEP: StepFn<Self> = decide::step;
    /// A verification is counted once its outcome is stored.
    fn recorded(ctx: &Context, job: &Self, next: &Self::Status) {
        if let Some((method, passed)) = verify::counted(job.status.as_ref(), next) {
            ctx.metrics.backup_verification(method, passed);
        }
    }
}

#[cfg(test)]
mod decide_tests;
#[cfg(test)]
mod tests;
