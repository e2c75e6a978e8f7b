//! Status: phase, message, standard conditions, observedGeneration. Conditions keep
//! their transition time unless their status changes, and the status is written only
//! when it differs, so a steady instance causes no writes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use odoo_model::InstancePhase as P;
use odoo_model::Reason;

/// Condition types the operator sets on an OdooInstance.
pub mod types {
    pub const READY: &str = "Ready";
    pub const PROGRESSING: &str = "Progressing";
    pub const DEGRADED: &str = "Degraded";
    pub const DATABASE_READY: &str = "DatabaseReady";
    pub const INITIALIZED: &str = "Initialized";
    /// True after an upgraded image was reverted because its pods never became ready.
    pub const ROLLED_BACK: &str = "RolledBack";
    /// False while a pod of the instance cannot pull its image.
    pub const IMAGE_PULLED: &str = "ImagePulled";
    /// False while the filestore claim of the instance's name is still being
    /// deleted (a previous instance's), which its pods wait for.
    pub const FILESTORE_READY: &str = "FilestoreReady";
}

/// Sets `type_` to `status` in `conditions`, keeping `lastTransitionTime` when the
/// status did not change.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: bool,
    reason: Reason,
    message: &str,
    generation: Option<i64>,
    now: &Time,
) {
    let status = if status { "True" } else { "False" }.to_owned();
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            if c.status != status {
                c.last_transition_time = now.clone();
            }
            c.status = status;
            c.reason = reason.into();
            c.message = message.to_owned();
            c.observed_generation = generation;
        }
        None => conditions.push(Condition {
            type_: type_.to_owned(),
            status,
            reason: reason.into(),
            message: message.to_owned(),
            observed_generation: generation,
            last_transition_time: now.clone(),
        }),
    }
}

/// True when the condition is present and True.
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True")
}

pub fn is_false(conditions: &[Condition], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "False")
}

/// The kstatus-style conditions implied by a phase.
pub fn phase_conditions(
    conditions: &mut Vec<Condition>,
    phase: P,
    message: &str,
    generation: Option<i64>,
    now: &Time,
) {
    let reason = Reason::from(phase);
    let progressing = matches!(
        phase,
        P::Provisioning
            | P::Initializing
            | P::Starting
            | P::Upgrading
            | P::Restoring
            | P::BackingUp
            | P::Migrating
    );
    let degraded = matches!(
        phase,
        P::Degraded | P::InitFailed | P::UpgradeFailed | P::Error
    );
    set_condition(
        conditions,
        types::READY,
        phase == P::Running,
        reason,
        message,
        generation,
        now,
    );
    set_condition(
        conditions,
        types::PROGRESSING,
        progressing,
        reason,
        message,
        generation,
        now,
    );
    set_condition(
        conditions,
        types::DEGRADED,
        degraded,
        reason,
        message,
        generation,
        now,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(s: &str) -> Time {
        Time(s.parse().expect("timestamp"))
    }

    #[test]
    fn transition_time_moves_only_when_status_changes() {
        let mut cs = Vec::new();
        let t1 = time("2026-01-01T00:00:00Z");
        let t2 = time("2026-01-01T00:05:00Z");
        phase_conditions(&mut cs, P::Starting, "rolling out", Some(1), &t1);
        phase_conditions(&mut cs, P::Starting, "rolling out", Some(1), &t2);
        let ready = cs.iter().find(|c| c.type_ == types::READY).expect("Ready");
        assert_eq!(
            (ready.status.as_str(), &ready.last_transition_time),
            ("False", &t1)
        );
        phase_conditions(&mut cs, P::Running, "all pods ready", Some(1), &t2);
        let ready = cs.iter().find(|c| c.type_ == types::READY).expect("Ready");
        assert_eq!(
            (ready.status.as_str(), &ready.last_transition_time),
            ("True", &t2)
        );
        assert!(!is_true(&cs, types::PROGRESSING));
    }
}
