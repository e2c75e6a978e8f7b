//! The one way a job kind's pass runs. A kind says what it does as a pure
//! [`Stepper::step`] over what the pass has learnt so far ([`Stepper::Facts`]):
//! either one more thing to do (a read, or a change such as starting its batch
//! Job), whose outcome the kind's [`Stepper::apply`] adds to the facts, or the end
//! of the pass: the status to record, the events to publish and when to look
//! again. [`drive`] runs that loop and writes the status once, so the decisions of
//! every kind are tested without a cluster and no kind writes its status twice
//! in a pass.

use std::time::Duration;

use futures::future::BoxFuture;
use kube::ResourceExt;
use kube::core::object::HasStatus;
use kube::runtime::controller::Action;
use odoo_model::{JobPhase, OdooInstance, Reason};
use serde::Serialize;

use super::job::{self, Reconcile, Started};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// What a step decides.
#[derive(Debug, PartialEq)]
pub enum JobStep<S, E> {
    /// Do this, learn its outcome, and step again.
    Do(E),
    /// The pass is over.
    End(Ending<S>),
}

/// The end of a pass: the job's next status, the events that say what happened,
/// and when to look again.
#[derive(Debug, PartialEq)]
pub struct Ending<S> {
    /// The whole next status; written only when it differs from the stored one.
    pub status: S,
    /// Stamped into the status (with its start and completion times).
    pub phase: JobPhase,
    /// Published before the status write, as every transition event is.
    pub events: Vec<Note>,
    pub again: Again,
    /// A crash point (see [`crate::crash`]) reached once the status is written:
    /// where a crash-safety test kills a pass whose status records what it made.
    pub crash_after: Option<&'static str>,
}

impl<S> Ending<S> {
    pub fn new(status: S, phase: JobPhase, again: Again) -> Self {
        Self {
            status,
            phase,
            events: Vec::new(),
            again,
            crash_after: None,
        }
    }

    /// The same ending, reaching crash point `point` once the status is written.
    pub fn crash_after(mut self, point: &'static str) -> Self {
        self.crash_after = Some(point);
        self
    }

    /// The same ending with a Warning event `reason` on the job.
    pub fn warning(mut self, reason: Reason, text: impl Into<String>) -> Self {
        self.events.push(Note {
            on: On::Job,
            warning: true,
            reason,
            text: text.into(),
        });
        self
    }
}

/// An event a step asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub on: On,
    pub warning: bool,
    pub reason: Reason,
    pub text: String,
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Job,
    /// The job's instance (skipped when there is none).
    Instance,
}

/// When a job is looked at again after its pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Again {
    /// When the job or something it watches changes.
    OnChange,
    /// After this long at the latest (a change wakes it sooner).
    After(Duration),
}

impl Again {
    fn action(self) -> Action {
        match self {
            Again::OnChange => Action::await_change(),
            Again::After(after) => Action::requeue(after),
        }
    }
}

/// The end of a pass a test expects: a step that asks for an effect instead fails
/// the test, naming it.
#[cfg(test)]
pub fn ended<S, E: std::fmt::Debug>(step: JobStep<S, E>) -> Ending<S> {
    match step {
        JobStep::End(ending) => ending,
        JobStep::Do(effect) => panic!("expected the end of the pass, got {effect:?}"),
    }
}

/// An ending's events as (on, warning, reason), in order: what tests compare.
#[cfg(test)]
pub fn told<S>(ending: &Ending<S>) -> Vec<(On, bool, Reason)> {
    ending
        .events
        .iter()
        .map(|n| (n.on, n.warning, n.reason))
        .collect()
}

/// A job kind's status as the driver records it.
pub trait JobState: Serialize + PartialEq + Clone + Default + Send + Sync {
    /// Stamps an ending's phase (with its start and completion times).
    fn stamp(&mut self, phase: JobPhase, generation: Option<i64>);

    /// What a finished job tells its instance's webhook.
    fn message(&self) -> Option<String>;

    /// Whether the stored status already ended the job, so a pass over it
    /// announces nothing again. Kinds that never step a finished job keep this.
    fn ended(&self) -> bool {
        false
    }
}

/// The kinds whose status shares [`odoo_model::common::JobStatusCommon`] (as `job`): the driver
/// stamps and reads that part.
macro_rules! common_state {
    ($($status:ty),*) => {$(
        impl JobState for $status {
            fn stamp(&mut self, phase: JobPhase, generation: Option<i64>) {
                crate::runtime::batch::stamp(&mut self.job, phase, generation);
            }
            fn message(&self) -> Option<String> {
                self.job.message.clone()
            }
        }
    )*};
}

common_state!(
    odoo_model::OdooInitJobStatus,
    odoo_model::OdooBackupJobStatus,
    odoo_model::OdooRestoreJobStatus,
    odoo_model::OdooUpgradeJobStatus
);

/// A job kind whose passes run through [`drive`]; every finished job tells its
/// instance's webhook.
pub trait Stepper: Reconcile + HasStatus<Status: JobState> {
    /// What a pass has learnt: the prologue's reads, then each effect's outcome.
    type Facts: Send;
    /// A read or a change a step asks for.
    type Effect: Send + std::fmt::Debug;

    /// The facts every pass starts from.
    fn facts(started: Started<Self>) -> Self::Facts;

    /// Pure: what to do next, from the job and what the pass has learnt.
    fn step(&self, facts: &Self::Facts) -> JobStep<Self::Status, Self::Effect>;

    /// Does `effect` and records its outcome in `facts`.
    fn apply<'a>(
        ctx: &'a Context,
        job: &'a Self,
        facts: &'a mut Self::Facts,
        effect: Self::Effect,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// The instance the facts hold, for events on it and the webhook.
    fn instance(facts: &Self::Facts) -> Option<&OdooInstance>;

    /// The job as an effect of this pass rewrote it (a finalizer added), if one
    /// did: the status write is conditional on the version it names.
    fn written(_facts: &Self::Facts) -> Option<&Self> {
        None
    }

    /// What comes once `next` is stored, and only then (a count, a crash point
    /// between two steps): a pass whose write failed is retried, and must not
    /// count twice.
    fn recorded(_ctx: &Context, _job: &Self, _next: &Self::Status) {}
}

/// More steps than any kind takes in a pass: a step that keeps asking means a
/// fact its effect should have recorded was not, which must not spin.
const MOST_STEPS: usize = 16;

/// A pass: step until the kind ends the pass, doing what each step asks, then
/// publish the events, write the status once, and announce a finished job.
pub async fn drive<K: Stepper>(ctx: &Context, started: Started<K>) -> Result<Action, Error> {
    let job = started.job.clone();
    let mut facts = K::facts(started);
    for _ in 0..MOST_STEPS {
        match job.step(&facts) {
            JobStep::Do(effect) => K::apply(ctx, &job, &mut facts, effect).await?,
            JobStep::End(ending) => {
                let written = K::written(&facts).unwrap_or(job.as_ref());
                return end(ctx, written, &facts, ending).await;
            }
        }
    }
    Err(Error::Unsettled(format!(
        "{} {}: its pass took more than {MOST_STEPS} steps",
        K::kind(&()),
        job.name_any()
    )))
}

async fn end<K: Stepper>(
    ctx: &Context,
    job: &K,
    facts: &K::Facts,
    ending: Ending<K::Status>,
) -> Result<Action, Error> {
    let instance = K::instance(facts);
    for note in &ending.events {
        match (note.on, instance) {
            (On::Job, _) => {
                ctx.event(job, note.warning, note.reason, note.text.clone())
                    .await
            }
            (On::Instance, Some(instance)) => {
                ctx.event(instance, note.warning, note.reason, note.text.clone())
                    .await
            }
            (On::Instance, None) => {}
        }
    }
    let current = job.status().cloned().unwrap_or_default();
    let mut next = ending.status;
    next.stamp(ending.phase, job.meta().generation);
    job::write_status(ctx, job, &current, &next).await?;
    K::recorded(ctx, job, &next);
    if let Some(point) = ending.crash_after {
        crate::crash::point(point);
    }
    let finished = ending.phase.is_finished();
    if finished
        && !current.ended()
        && let Some(instance) = instance
    {
        let message = next.message().unwrap_or_default();
        ctx.callbacks.job_finished(
            instance,
            &K::kind(&()),
            &job.name_any(),
            ending.phase,
            &message,
        );
    }
    Ok(ending.again.action())
}
