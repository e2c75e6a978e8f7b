//! The one way a job kind's pass runs. A kind says what it does as a pure
//! [`Stepper::STEP`] over what the pass has learnt so far ([`Stepper::Facts`]):
//! either one more thing to do (a read, or a change such as starting its batch
//! Job), whose outcome the kind's [`Apply`] adds to the facts, or the end
//! of the pass: the status to record, the events to publish and when to look
//! again. [`drive`] runs that loop and writes the status once, so the decisions of
//! every kind are tested without a cluster and no kind writes its status twice
//! in a pass.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
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
    /// Add the job's cleanup finalizer before the pass makes anything a
    /// deletion must undo, and step again ([`Seen::held`]).
    Hold,
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

    /// The same ending with an event `reason` saying `text` on the job or its
    /// instance, after the events it has.
    pub fn told(mut self, on: On, warning: bool, reason: Reason, text: impl Into<String>) -> Self {
        self.events.push(Note {
            on,
            warning,
            reason,
            text: text.into(),
        });
        self
    }

    /// The same ending with the same event on the job and on its instance.
    pub fn told_both(self, warning: bool, reason: Reason, text: impl Into<String>) -> Self {
        let text = text.into();
        self.told(On::Job, warning, reason, text.clone())
            .told(On::Instance, warning, reason, text)
    }

    /// The same ending with a Warning event `reason` on the job.
    pub fn warning(self, reason: Reason, text: impl Into<String>) -> Self {
        self.told(On::Job, true, reason, text)
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
        JobStep::Hold => panic!("expected the end of the pass, got Hold"),
    }
}

/// The message an ending leaves on the job: what tests compare.
#[cfg(test)]
pub fn message<S: JobState>(ending: &Ending<S>) -> String {
    ending.status.message().unwrap_or_default()
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

/// What [`told`] gives for [`Ending::told_both`]: the event on the job, then on
/// its instance.
#[cfg(test)]
pub fn on_both(warning: bool, reason: Reason) -> [(On, bool, Reason); 2] {
    [(On::Job, warning, reason), (On::Instance, warning, reason)]
}

/// An effect a walk expects, and what doing it found (see [`walk`]).
#[cfg(test)]
pub type Asked<E, F> = (E, fn(&mut F));

/// Walks a pass through the effects its steps ask for: each step must ask the
/// next `(effect, learnt)`, and `learnt` then records in the facts what doing it
/// found. The facts are left as the last effect left them.
#[cfg(test)]
pub fn walk<S, E, F, const N: usize>(
    step: impl Fn(&F) -> JobStep<S, E>,
    f: &mut F,
    effects: [Asked<E, F>; N],
) where
    S: std::fmt::Debug,
    E: std::fmt::Debug + PartialEq,
{
    for (n, (effect, learnt)) in effects.into_iter().enumerate() {
        match step(f) {
            JobStep::Do(asked) => assert_eq!(asked, effect, "effect {n} of the walk"),
            other => panic!("effect {n} of the walk: expected {effect:?}, got {other:?}"),
        }
        learnt(f);
    }
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

/// What every pass starts from, whatever the kind, and the job as the pass's
/// own finalizer write left it. Each kind's facts hold one (see [`Stepper::Facts`]).
#[derive(Debug)]
pub struct Seen<K> {
    /// The instance the job names, if it exists. Boxed: every pass in flight
    /// holds it, and an instance by value made a pass's future 18 KiB.
    pub instance: Option<Box<OdooInstance>>,
    /// The job is being deleted and still holds its cleanup finalizer.
    pub deleting: bool,
    /// The pass's clock: what a step compares, records and dates names with.
    pub now: Timestamp,
    /// The job once this pass added its cleanup finalizer ([`JobStep::Hold`]):
    /// the status write is conditional on the version that write made.
    pub held: Option<Box<K>>,
}

impl<K> Default for Seen<K> {
    fn default() -> Self {
        Self {
            instance: None,
            deleting: false,
            now: Timestamp::default(),
            held: None,
        }
    }
}

impl<K> Seen<K> {
    pub fn instance(&self) -> Option<&OdooInstance> {
        self.instance.as_deref()
    }

    /// The instance, for an effect on it (see `runtime::error::needed`).
    pub fn needed(&self) -> Result<&OdooInstance, Error> {
        crate::runtime::error::needed(
            self.instance(),
            "a step asked for an effect on an instance the pass has not seen",
        )
    }
}

/// A job kind whose passes run through [`drive`]; every finished job tells its
/// instance's webhook.
pub trait Stepper: Reconcile + HasStatus<Status: JobState> {
    /// What a pass has learnt: what every pass starts from ([`Seen`]), then
    /// each effect's outcome.
    type Facts: Send + Default + AsMut<Seen<Self>>;
    /// A read or a change a step asks for, and how it is done.
    type Effect: Apply<Self>;

    /// The kind's pure step: what to do next, from the job and what the pass
    /// has learnt. Tests call it directly, without a cluster.
    const STEP: StepFn<Self>;

    /// What comes once `next` is stored, and only then (a count, a crash point
    /// between two steps): a pass whose write failed is retried, and must not
    /// count twice.
    fn recorded(_ctx: &Context, _job: &Self, _next: &Self::Status) {}
}

/// A kind's pure step (see [`Stepper::STEP`]).
pub type StepFn<K> =
    fn(&K, &<K as Stepper>::Facts) -> JobStep<<K as HasStatus>::Status, <K as Stepper>::Effect>;

/// How a kind does what its step asks for: each kind's effect type says.
pub trait Apply<K: Stepper>: Send + std::fmt::Debug {
    /// Does the effect and records its outcome in `facts`.
    fn apply(
        self,
        ctx: &Context,
        job: &K,
        facts: &mut K::Facts,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// More steps than any kind takes in a pass: a step that keeps asking means a
/// fact its effect should have recorded was not, which must not spin.
const MOST_STEPS: usize = 16;

/// A pass: step until the kind ends the pass, doing what each step asks, then
/// publish the events, write the status once, and announce a finished job.
pub async fn drive<K: Stepper>(ctx: &Context, started: Started<K>) -> Result<Action, Error> {
    let job = started.job;
    let mut facts = K::Facts::default();
    *facts.as_mut() = Seen {
        instance: started.instance.map(Box::new),
        deleting: started.deleting,
        now: Timestamp::now(),
        held: None,
    };
    for _ in 0..MOST_STEPS {
        match K::STEP(&job, &facts) {
            // Boxed: inline, the largest effect's state would sit in every pass's
            // future for its whole life, and every job in flight holds one.
            JobStep::Do(effect) => Box::pin(effect.apply(ctx, &job, &mut facts)).await?,
            JobStep::Hold => {
                let held = job::hold_for_cleanup(ctx, job.as_ref()).await?;
                facts.as_mut().held = Some(Box::new(held));
            }
            JobStep::End(ending) => {
                let seen = std::mem::take(facts.as_mut());
                let written = seen.held.as_deref().unwrap_or(job.as_ref());
                return end(ctx, written, seen.instance(), ending).await;
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
    instance: Option<&OdooInstance>,
    ending: Ending<K::Status>,
) -> Result<Action, Error> {
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
