//! The transition table. Read top to bottom: in each reconcile the first row whose
//! `from` matches the current phase and whose guard holds fires; its action runs
//! once, on the transition.

use odoo_model::{InstancePhase as P, JobPhase};

use super::Observed;

/// A guard: a named predicate over the observed facts.
#[derive(Debug, Clone, Copy)]
pub struct Guard {
    /// Shown in the state diagram and in transition events.
    pub name: &'static str,
    pub holds: fn(&Observed) -> bool,
}

/// One-shot work done when a transition fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
pub enum Action {
    /// Create an OdooInitJob for the instance's init modules.
    CreateInitJob,
    /// Create an OdooUpgradeJob to the spec's image (automatic upgrade).
    CreateUpgradeJob,
    /// Approve the upgraded image: the Deployments roll to it.
    AdoptUpgradedImage,
    /// Revert to the image before the upgrade (never the database), with an event.
    RollbackImage,
}

/// A row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub from: &'static [P],
    pub to: P,
    pub guard: Guard,
    pub action: Option<Action>,
}

const fn g(name: &'static str, holds: fn(&Observed) -> bool) -> Guard {
    Guard { name, holds }
}

/// Phases that serve (or deliberately do not serve) users and can start work.
const SETTLED: &[P] = &[P::Running, P::Degraded, P::Stopped, P::Starting];

const SPEC_INVALID: Guard = g("spec invalid", |o| !o.spec_valid);
const SPEC_VALID: Guard = g("spec valid", |o| o.spec_valid);
const NEEDS_INIT: Guard = g("database ready, not initialized, init enabled", |o| {
    o.database_ready && !o.database_initialized && o.init_enabled
});
const WAITS_FOR_INIT: Guard = g("database ready, not initialized, init disabled", |o| {
    o.database_ready && !o.database_initialized && !o.init_enabled
});
const INITIALIZED: Guard = g("database ready and initialized", |o| {
    o.database_ready && o.database_initialized
});
const INIT_REQUESTED: Guard = g("init enabled or init job running", |o| {
    o.init_enabled || Observed::job_running(o.jobs.init)
});
const INIT_SUCCEEDED: Guard = g("init job succeeded", |o| {
    o.jobs.init == Some(JobPhase::Succeeded)
});
const INIT_FAILED: Guard = g("init job failed", |o| o.jobs.init == Some(JobPhase::Failed));
const INIT_RETRIED: Guard = g("new init job running", |o| {
    Observed::job_running(o.jobs.init)
});
const UPGRADE_RUNNING: Guard = g("upgrade job running", |o| {
    Observed::job_running(o.upgrade_job)
});
const UPGRADE_SUCCEEDED: Guard = g("upgrade job succeeded", |o| {
    o.upgrade_job == Some(JobPhase::Succeeded)
});
const UPGRADE_FAILED: Guard = g("upgrade job failed", |o| {
    o.upgrade_job == Some(JobPhase::Failed)
});
const AUTO_UPGRADE: Guard = g("spec image changed, auto-upgrade on", |o| {
    o.auto_upgrade && !o.image_current && !o.upgrade_attempted
});
const ROLLOUT_TIMED_OUT: Guard = g("upgraded pods not ready within the rollback window", |o| {
    o.rollout_timed_out
});
const IMAGE_SETTLED: Guard = g("spec image is the running image", |o| o.image_current);
const RESTORE_RUNNING: Guard = g("restore job running", |o| {
    Observed::job_running(o.jobs.restore)
});
const RESTORE_FINISHED: Guard = g("restore job finished", |o| {
    o.jobs.restore.is_some_and(JobPhase::is_finished)
});
const BACKUP_RUNNING: Guard = g("backup job running", |o| {
    Observed::job_running(o.jobs.backup)
});
const BACKUP_FINISHED: Guard = g("backup job finished", |o| {
    !Observed::job_running(o.jobs.backup)
});
const MIGRATION_RUNNING: Guard = g("migration running", Observed::migration_running);
const MIGRATION_ENDED: Guard = g("migration ended", |o| !o.migration_running());
const SCALED_TO_ZERO: Guard = g("replicas = 0", |o| o.desired_replicas == 0);
const SCALED_UP: Guard = g("replicas > 0", |o| o.desired_replicas > 0);
const ALL_READY: Guard = g("all web pods ready", |o| {
    o.desired_replicas > 0 && o.ready_replicas >= o.desired_replicas
});
const SOME_NOT_READY: Guard = g("some web pods not ready", |o| {
    o.desired_replicas > 0 && o.ready_replicas < o.desired_replicas
});

const fn t(from: &'static [P], to: P, guard: Guard, action: Option<Action>) -> Transition {
    Transition {
        from,
        to,
        guard,
        action,
    }
}

/// Every phase except Error can fail permanently on an invalid spec.
const ALL_BUT_ERROR: &[P] = &[
    P::Provisioning,
    P::Uninitialized,
    P::Initializing,
    P::InitFailed,
    P::Starting,
    P::Running,
    P::Degraded,
    P::Stopped,
    P::Upgrading,
    P::UpgradeFailed,
    P::Restoring,
    P::BackingUp,
    P::Migrating,
];

/// The lifecycle.
pub static TRANSITIONS: &[Transition] = &[
    t(ALL_BUT_ERROR, P::Error, SPEC_INVALID, None),
    t(&[P::Error], P::Provisioning, SPEC_VALID, None),
    // First provisioning.
    t(
        &[P::Provisioning],
        P::Initializing,
        NEEDS_INIT,
        Some(Action::CreateInitJob),
    ),
    t(&[P::Provisioning], P::Uninitialized, WAITS_FOR_INIT, None),
    t(&[P::Provisioning], P::Starting, INITIALIZED, None),
    t(
        &[P::Uninitialized],
        P::Initializing,
        INIT_REQUESTED,
        Some(Action::CreateInitJob),
    ),
    t(&[P::Initializing], P::Starting, INIT_SUCCEEDED, None),
    t(&[P::Initializing], P::InitFailed, INIT_FAILED, None),
    t(&[P::InitFailed], P::Initializing, INIT_RETRIED, None),
    // Work that takes the instance over, in priority order.
    t(SETTLED, P::Migrating, MIGRATION_RUNNING, None),
    t(SETTLED, P::Restoring, RESTORE_RUNNING, None),
    // A new instance waiting for its database (`kubectl odoo restore --into`).
    t(&[P::Uninitialized], P::Restoring, RESTORE_RUNNING, None),
    t(SETTLED, P::Upgrading, UPGRADE_RUNNING, None),
    t(&[P::UpgradeFailed], P::Upgrading, UPGRADE_RUNNING, None),
    t(
        &[
            P::Running,
            P::Degraded,
            P::Stopped,
            P::Starting,
            P::UpgradeFailed,
        ],
        P::Upgrading,
        AUTO_UPGRADE,
        Some(Action::CreateUpgradeJob),
    ),
    t(
        &[P::Running, P::Degraded, P::Stopped],
        P::BackingUp,
        BACKUP_RUNNING,
        None,
    ),
    t(&[P::Migrating], P::Starting, MIGRATION_ENDED, None),
    t(&[P::Restoring], P::Starting, RESTORE_FINISHED, None),
    t(
        &[P::Upgrading],
        P::Starting,
        UPGRADE_SUCCEEDED,
        Some(Action::AdoptUpgradedImage),
    ),
    t(&[P::Upgrading], P::UpgradeFailed, UPGRADE_FAILED, None),
    t(&[P::UpgradeFailed], P::Starting, IMAGE_SETTLED, None),
    t(&[P::BackingUp], P::Starting, BACKUP_FINISHED, None),
    t(
        &[P::Starting, P::Running, P::Degraded],
        P::UpgradeFailed,
        ROLLOUT_TIMED_OUT,
        Some(Action::RollbackImage),
    ),
    // Serving.
    t(
        &[P::Starting, P::Running, P::Degraded],
        P::Stopped,
        SCALED_TO_ZERO,
        None,
    ),
    t(&[P::Stopped], P::Starting, SCALED_UP, None),
    t(&[P::Starting, P::Degraded], P::Running, ALL_READY, None),
    t(&[P::Running], P::Degraded, SOME_NOT_READY, None),
];

/// The transition that fires from `phase`, if any.
pub fn next(phase: P, observed: &Observed) -> Option<&'static Transition> {
    TRANSITIONS
        .iter()
        .find(|t| t.from.contains(&phase) && (t.guard.holds)(observed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_db() -> Observed {
        Observed {
            spec_valid: true,
            database_ready: true,
            init_enabled: true,
            desired_replicas: 2,
            ..Default::default()
        }
    }

    /// Follows the table until it rests, like successive reconciles would.
    fn settle(mut phase: P, o: &Observed) -> P {
        for _ in 0..10 {
            match next(phase, o) {
                Some(t) => phase = t.to,
                None => return phase,
            }
        }
        panic!("no rest from {phase:?} with {o:?}");
    }

    #[test]
    fn a_new_instance_initializes_then_starts_then_runs() {
        let mut o = ready_db();
        let t = next(P::Provisioning, &o).expect("transition");
        assert_eq!(
            (t.to, t.action),
            (P::Initializing, Some(Action::CreateInitJob))
        );
        o.jobs.init = Some(JobPhase::Running);
        assert_eq!(settle(P::Initializing, &o), P::Initializing);
        o.jobs.init = Some(JobPhase::Succeeded);
        o.database_initialized = true;
        // Pods not ready yet: it rests in Starting, not Degraded.
        assert_eq!(settle(P::Initializing, &o), P::Starting);
        o.ready_replicas = 2;
        assert_eq!(settle(P::Starting, &o), P::Running);
    }

    #[test]
    fn an_invalid_spec_is_an_error_from_anywhere_and_recovers() {
        let invalid = Observed::default();
        for phase in ALL_BUT_ERROR {
            assert_eq!(
                next(*phase, &invalid).map(|t| t.to),
                Some(P::Error),
                "{phase:?}"
            );
        }
        assert_eq!(
            next(P::Error, &ready_db()).map(|t| t.to),
            Some(P::Provisioning)
        );
    }

    #[test]
    fn scaling_to_zero_stops_and_back_starts() {
        let mut o = ready_db();
        o.database_initialized = true;
        o.ready_replicas = 2;
        o.desired_replicas = 0;
        assert_eq!(settle(P::Running, &o), P::Stopped);
        o.desired_replicas = 2;
        assert_eq!(settle(P::Stopped, &o), P::Running);
    }

    #[test]
    fn a_failed_upgrade_keeps_the_instance_in_upgrade_failed_until_resolved() {
        let mut o = ready_db();
        o.database_initialized = true;
        o.ready_replicas = 2;
        o.upgrade_job = Some(JobPhase::Running);
        assert_eq!(settle(P::Running, &o), P::Upgrading);
        o.upgrade_job = Some(JobPhase::Failed);
        assert_eq!(settle(P::Upgrading, &o), P::UpgradeFailed);
        o.image_current = true;
        assert_eq!(settle(P::UpgradeFailed, &o), P::Running);
    }

    #[test]
    fn init_disabled_waits_uninitialized_until_asked() {
        let mut o = ready_db();
        o.init_enabled = false;
        assert_eq!(settle(P::Provisioning, &o), P::Uninitialized);
        o.jobs.init = Some(JobPhase::Running);
        assert_eq!(settle(P::Uninitialized, &o), P::Initializing);
    }

    #[test]
    fn a_restore_fills_an_uninitialized_instance_then_it_starts() {
        let mut o = ready_db();
        o.init_enabled = false;
        assert_eq!(settle(P::Provisioning, &o), P::Uninitialized);
        o.jobs.restore = Some(JobPhase::Running);
        assert_eq!(settle(P::Uninitialized, &o), P::Restoring);
        o.jobs.restore = Some(JobPhase::Succeeded);
        o.database_initialized = true;
        o.ready_replicas = 2;
        assert_eq!(settle(P::Restoring, &o), P::Running);
    }

    #[test]
    fn every_phase_is_entered_and_left() {
        for phase in P::ALL {
            let entered = phase == P::Provisioning || TRANSITIONS.iter().any(|t| t.to == phase);
            let left = TRANSITIONS.iter().any(|t| t.from.contains(&phase));
            assert!(entered, "{phase:?} is never entered");
            assert!(left, "{phase:?} is never left");
        }
    }
}
