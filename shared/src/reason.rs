//! Every reason the operator gives, in its events and in the conditions it sets.
//! Users' alerts, `kubectl get events --field-selector reason=…` and the plugin
//! match on these strings, so each is spelled once, here: a new reason is a new
//! variant, and a renamed one shows in review as a change to this list.

use crate::cluster_migration::MigrationPhase;
use crate::instance::InstancePhase;

/// Declares the enum, the list of every variant and its string (the variant's
/// name: Kubernetes reasons are CamelCase, as Rust variants are).
macro_rules! reasons {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// A reason of an event or a condition.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($(#[$doc])* $name,)*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$name,)*];

            /// The reason as written to the API server.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$name => stringify!($name),)*
                }
            }
        }
    };
}

reasons! {
    // Events of an instance's pass and their conditions.
    DefaultsApplied,
    SecretCreated,
    DatabaseProvisioned,
    DatabaseUnreachable,
    DatabaseProvisioningFailed,
    ImagePullFailed,
    ImagePulled,
    FilestoreTerminating,
    UpgradeRequested,
    UpgradeRolledBack,
    /// A stored object that does not decode as its kind.
    InvalidObject,
    CallbackFailed,
    Retained,
    DatabaseDropped,
    DropFailed,
    KeptDatabaseDropped,
    KeptDatabaseDropFailed,
    // The DatabaseReady, Initialized, ImagePulled, FilestoreReady and RolledBack
    // conditions.
    Provisioned,
    Unreachable,
    ProvisioningFailed,
    SchemaFound,
    Empty,
    InitJobSucceeded,
    Pulled,
    ClaimTerminating,
    Bound,
    NotReadyInWindow,
    // The kubelet's waiting reasons that mean the image itself cannot be had,
    // carried into the ImagePulled condition as the kubelet gave them.
    ErrImagePull,
    ImagePullBackOff,
    InvalidImageName,
    ErrImageNeverPull,
    // Jobs: init, upgrade, backup, restore.
    InitFailed,
    UpgradeStarted,
    RehearsalStarted,
    Upgraded,
    UpgradeFailed,
    Rehearsed,
    SwitchUnknown,
    Switched,
    BackupFailed,
    BackupVerified,
    BackupVerifyFailed,
    IndexRecordFailed,
    ArchiveKept,
    ArchiveDeleted,
    ArchiveDeleteFailed,
    ArchiveDeletionWaiting,
    BackupChosen,
    RestoreOpened,
    RestoreLoaded,
    Restored,
    RestoreFailed,
    CleanupSkipped,
    CleanedUp,
    CleanupFailed,
    // Backup schedules (events and their Ready condition).
    Scheduled,
    Suspended,
    InvalidSchedule,
    BackupCreated,
    CatchUpBackup,
    BackupsPruned,
    // Cluster migrations: outcomes and why a step failed.
    InstanceMissing,
    MigrationSucceeded,
    MigrationRolledBack,
    RanOnTarget,
    SourceKept,
    SourceDropped,
    Deleted,
    UnknownCluster,
    SameCluster,
    SourceUnreachable,
    TargetUnreachable,
    TargetDatabaseExists,
    OlderTarget,
    PrepareTargetFailed,
    CopyFailed,
    NoPassword,
    VerificationFailed,
    RenameFailed,
    SwitchRefused,
    StartFailed,
    // A migration's steps (its Progressing condition and the event of each step).
    Pending,
    PreChecks,
    Stopping,
    Copying,
    Verifying,
    Switching,
    Succeeded,
    RolledBack,
    Failed,
    // An instance's phases (its Ready, Progressing and Degraded conditions).
    Provisioning,
    Uninitialized,
    Initializing,
    Starting,
    Running,
    Degraded,
    Stopped,
    Upgrading,
    Restoring,
    BackingUp,
    Migrating,
    Error,
    // The event of an instance's transition into a phase.
    PhaseProvisioning,
    PhaseUninitialized,
    PhaseInitializing,
    PhaseInitFailed,
    PhaseStarting,
    PhaseRunning,
    PhaseDegraded,
    PhaseStopped,
    PhaseUpgrading,
    PhaseUpgradeFailed,
    PhaseRestoring,
    PhaseBackingUp,
    PhaseMigrating,
    PhaseError,
    // A reconcile's error, by kind (the operator's error categories).
    InvalidSpec,
    PgClusters,
    Apply,
    Kube,
    Database,
    WaitingForPods,
    Finalizer,
    Cached,
    Storage,
    Unsettled,
}

impl Reason {
    /// The reason spelled `s`, if it is one of ours.
    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The event of a transition into `phase`.
    pub fn entered(phase: InstancePhase) -> Reason {
        use InstancePhase as P;
        match phase {
            P::Provisioning => Reason::PhaseProvisioning,
            P::Uninitialized => Reason::PhaseUninitialized,
            P::Initializing => Reason::PhaseInitializing,
            P::InitFailed => Reason::PhaseInitFailed,
            P::Starting => Reason::PhaseStarting,
            P::Running => Reason::PhaseRunning,
            P::Degraded => Reason::PhaseDegraded,
            P::Stopped => Reason::PhaseStopped,
            P::Upgrading => Reason::PhaseUpgrading,
            P::UpgradeFailed => Reason::PhaseUpgradeFailed,
            P::Restoring => Reason::PhaseRestoring,
            P::BackingUp => Reason::PhaseBackingUp,
            P::Migrating => Reason::PhaseMigrating,
            P::Error => Reason::PhaseError,
        }
    }
}

/// The phase itself, as the reason of the conditions it implies.
impl From<InstancePhase> for Reason {
    fn from(phase: InstancePhase) -> Reason {
        use InstancePhase as P;
        match phase {
            P::Provisioning => Reason::Provisioning,
            P::Uninitialized => Reason::Uninitialized,
            P::Initializing => Reason::Initializing,
            P::InitFailed => Reason::InitFailed,
            P::Starting => Reason::Starting,
            P::Running => Reason::Running,
            P::Degraded => Reason::Degraded,
            P::Stopped => Reason::Stopped,
            P::Upgrading => Reason::Upgrading,
            P::UpgradeFailed => Reason::UpgradeFailed,
            P::Restoring => Reason::Restoring,
            P::BackingUp => Reason::BackingUp,
            P::Migrating => Reason::Migrating,
            P::Error => Reason::Error,
        }
    }
}

/// A migration's step, as the reason of its step condition and event.
impl From<MigrationPhase> for Reason {
    fn from(phase: MigrationPhase) -> Reason {
        use MigrationPhase as M;
        match phase {
            M::Pending => Reason::Pending,
            M::PreChecks => Reason::PreChecks,
            M::Stopping => Reason::Stopping,
            M::Copying => Reason::Copying,
            M::Verifying => Reason::Verifying,
            M::Switching => Reason::Switching,
            M::Starting => Reason::Starting,
            M::Succeeded => Reason::Succeeded,
            M::RolledBack => Reason::RolledBack,
            M::Failed => Reason::Failed,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> String {
        reason.as_str().to_owned()
    }
}

/// Lets code and tests compare a reason read back from the API (a string) with
/// one of ours.
impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Reason> for String {
    fn eq(&self, other: &Reason) -> bool {
        self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_spelled_once_in_camel_case() {
        let mut seen = std::collections::HashSet::new();
        for reason in Reason::ALL {
            let s = reason.as_str();
            assert!(seen.insert(s), "{s} is spelled twice");
            let mut chars = s.chars();
            assert!(chars.next().is_some_and(|c| c.is_ascii_uppercase()), "{s}");
            assert!(chars.all(|c| c.is_ascii_alphanumeric()), "{s}");
            assert!(s.len() <= 128, "{s} is longer than the API allows");
        }
    }

    #[test]
    fn a_reason_parses_back_from_its_string() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(*reason));
            assert_eq!(reason.to_string(), reason.as_str());
        }
        assert_eq!(Reason::parse("initFailed"), None);
        assert_eq!(Reason::parse(""), None);
    }

    #[test]
    fn phases_give_the_reasons_they_gave_as_strings() {
        for phase in InstancePhase::ALL {
            assert_eq!(Reason::from(phase).as_str(), phase.to_string());
            assert_eq!(Reason::entered(phase).as_str(), format!("Phase{phase}"));
        }
        use MigrationPhase as M;
        for step in [
            M::Pending,
            M::PreChecks,
            M::Stopping,
            M::Copying,
            M::Verifying,
            M::Switching,
            M::Starting,
            M::Succeeded,
            M::RolledBack,
            M::Failed,
        ] {
            assert_eq!(Reason::from(step).as_str(), format!("{step:?}"));
        }
    }
}
