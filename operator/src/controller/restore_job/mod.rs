//! OdooRestoreJob: the archive is verified and loaded into a new temporary database
//! and filestore directory while the instance keeps serving, and Odoo from the
//! instance's image opens it (see [`open`]); only after that
//! succeeded does the instance stop for the switch of names, which is one
//! transaction for the databases and two renames for the files. Every step resumes
//! from status alone. A failure before the switch drops the temporary copy and
//! leaves the live database untouched; a failed filestore switch puts the previous
//! database back.
//!
//! A pass is a pure [`step`] over what it has learnt ([`Facts`]) and the effects it
//! asks for ([`apply`]), run by the generic driver (`super::step`): each step of the
//! restore (`status.step`) has its own pure function and file.

use odoo_model::restore_job::RestoreStep;
use odoo_model::{JobPhase, OdooRestoreJob};

use super::job::{self, Started};
use super::step::{self, Again, StepFn, Stepper};
use crate::runtime::context::Context;

mod apply;
mod cleanup;
mod load;
mod open;
mod outcome;
mod pass;
pub(crate) mod runs;
mod switch;
#[cfg(test)]
mod switch_tests;
#[cfg(test)]
mod tests;

use pass::{Effect, Facts, Step};

/// A pass over a restore job that has work to do: pure.
fn step(job: &OdooRestoreJob, f: &Facts) -> Step {
    let Some(instance) = f.seen.instance() else {
        let name = &job.spec.instance_ref.name;
        let mut status = outcome::current(job);
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return outcome::end(status, JobPhase::Failed, Again::OnChange);
    };
    match job.status.as_ref().and_then(|s| s.step) {
        None => load::start(job, instance, f),
        Some(RestoreStep::Loading) => load::load(job, instance, f),
        Some(RestoreStep::Opening) => open::open(job, instance, f),
        Some(RestoreStep::Switching) => switch::switch(job, instance, f),
        Some(RestoreStep::Starting) => switch::starting(job, instance, f),
    }
}

impl job::Reconcile for OdooRestoreJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(step::drive(ctx, started))
    }

    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(cleanup::clean_up(ctx, started.job, started.instance))
    }
}

impl Stepper for OdooRestoreJob {
    type Facts = Facts;
    type Effect = Effect;
    const STEP: StepFn<Self> = step;
}
