//! How a migration's pass ends: the status its step machine records (phase,
//! message, conditions, times), the events, and when to look again. Pure.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::Resource;
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};
use odoo_model::{JobPhase, OdooClusterMigration};

use super::facts::Facts;
use super::pass::{NEXT_STEP, conditions};
use crate::controller::step::{Again, Ending, On};

type Status = OdooClusterMigrationStatus;

/// The next step recorded begun, with its event.
pub(super) fn advanced(
    m: &OdooClusterMigration,
    f: &Facts,
    mut status: Status,
    to: P,
    message: String,
) -> Ending<Status> {
    let generation = m.meta().generation;
    step_condition(&mut status.conditions, to, &message, generation, f.seen.now);
    status.message = Some(message.clone());
    recorded(m, status, to, NEXT_STEP).told(On::Job, false, Reason::from(to), message)
}

/// Nothing to record; a change wakes it.
pub(super) fn settled(status: Status) -> Ending<Status> {
    settled_for(status, Again::OnChange)
}

/// Nothing to record; looks again then.
pub(super) fn settled_for(status: Status, again: Again) -> Ending<Status> {
    let phase = job_phase(status.phase.unwrap_or_default());
    Ending::new(status, phase, again)
}

/// `status` recorded at `phase` for the migration's generation.
pub(super) fn recorded(
    m: &OdooClusterMigration,
    mut status: Status,
    phase: P,
    again: Again,
) -> Ending<Status> {
    status.phase = Some(phase);
    status.observed_generation = m.meta().generation;
    Ending::new(status, job_phase(phase), again)
}

/// An end state: conditions and completion time; the driver tells the instance's
/// webhook.
pub(super) fn end(
    m: &OdooClusterMigration,
    f: &Facts,
    mut status: Status,
    phase: P,
    reason: Reason,
    message: String,
) -> Ending<Status> {
    let generation = m.meta().generation;
    let now = Time(f.seen.now);
    step_condition(
        &mut status.conditions,
        phase,
        &message,
        generation,
        f.seen.now,
    );
    crate::status::set_condition(
        &mut status.conditions,
        conditions::MIGRATED,
        phase == P::Succeeded,
        reason,
        &message,
        generation,
        &now,
    );
    status.completion_time.get_or_insert(now);
    status.message = Some(message);
    recorded(m, status, phase, Again::OnChange)
}

/// Sets the step condition, its transition time being the step's start.
pub(super) fn step_condition(
    conditions: &mut Vec<Condition>,
    phase: P,
    message: &str,
    generation: Option<i64>,
    now: Timestamp,
) {
    conditions.retain(|c| c.type_ != conditions::STEP);
    let running = !matches!(phase, P::Succeeded | P::RolledBack | P::Failed);
    conditions.push(Condition {
        type_: conditions::STEP.into(),
        status: if running { "True" } else { "False" }.into(),
        reason: Reason::from(phase).into(),
        message: message.into(),
        observed_generation: generation,
        last_transition_time: Time(now),
    });
}

/// How the instance's webhook and the driver see a step: running until it ended.
pub(super) fn job_phase(phase: P) -> JobPhase {
    match phase {
        P::Pending => JobPhase::Pending,
        P::Succeeded => JobPhase::Succeeded,
        P::RolledBack | P::Failed => JobPhase::Failed,
        P::PreChecks | P::Stopping | P::Copying | P::Verifying | P::Switching | P::Starting => {
            JobPhase::Running
        }
    }
}
