//! What a pass over a migration learns, and what its steps ask for.

use crate::controller::step::Seen;
use odoo_model::OdooClusterMigration;
use odoo_model::agent::CopyReport;

use crate::pg::TenantLogin;
use crate::pg::clusters::PgClusters;
use crate::pg::compare::Inventory;
use crate::runtime::agent_pod::Agent;

/// What a pass over a migration has learnt: the prologue's reads, then each
/// effect's outcome. A step's failure is kept as the message it fails with.
#[derive(Default)]
pub struct Facts {
    /// What every pass starts from, and the job as its finalizer write left it.
    pub(super) seen: Seen<OdooClusterMigration>,
    pub(super) clusters: Option<PgClusters>,
    /// Pending: the migration of the same instance that goes first, if any.
    pub(super) ahead: Option<Option<String>>,
    /// PreChecks: the PostgreSQL majors, and whether the target has a database of
    /// the instance's name.
    pub(super) target_major: Option<Result<u32, String>>,
    pub(super) source_major: Option<Result<u32, String>>,
    pub(super) target_taken: Option<Result<bool, String>>,
    /// Stopping: web and cron pods left.
    pub(super) pods_left: Option<i32>,
    /// Copying: where the copy Job stands, the target made ready, the Job started.
    pub(super) copy: Option<Agent<Result<CopyReport, String>>>,
    pub(super) prepared: Option<Prepared>,
    pub(super) copy_started: bool,
    /// Verifying: the instance role's login, and what each side holds.
    pub(super) login: Option<Result<TenantLogin, String>>,
    pub(super) source_inventory: Option<Result<Inventory, String>>,
    pub(super) copy_inventory: Option<Result<Inventory, String>>,
    /// Switching: whether the temporary and the live name exist on the target.
    pub(super) names_on_target: Option<Result<(bool, bool), String>>,
    pub(super) renamed: Option<Result<(), String>>,
    /// The instance points at the target, or why the webhook refused it.
    pub(super) pointed: Option<Result<(), String>>,
    /// A failed step undone.
    pub(super) undone: Undone,
    /// A deleted migration: whether its copy Job is still there, and deleted.
    pub(super) copy_live: Option<bool>,
    pub(super) copy_deleted: bool,
    /// Succeeded: a newer migration of the instance, and the source dropped
    /// (whether its role went too).
    pub(super) newer: Option<Option<String>>,
    pub(super) source_dropped: Option<bool>,
}

impl AsMut<Seen<OdooClusterMigration>> for Facts {
    fn as_mut(&mut self) -> &mut Seen<OdooClusterMigration> {
        &mut self.seen
    }
}

/// How preparing the target for the copy went.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared {
    Done,
    /// The instance's db Secret (named) has no password to create the role with.
    NoPassword(String),
    Failed(String),
}

/// A side of the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Target,
}

/// What a step over a migration asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    ReadClusters,
    ReadAhead,
    ReadMajor(Side),
    ReadTargetTaken,
    /// Passes the `migration-stopping` crash point first.
    ReadPods,
    ReadCopy,
    /// Role and empty temporary database on the target.
    Prepare,
    /// Then passes the `migration-copying` crash point.
    StartCopy,
    ReadLogin,
    ReadInventory(Side),
    ReadNames,
    Rename,
    /// `spec.database.cluster` to the target, unless it is there already, between
    /// the `migration-switching` and `migration-switched` crash points.
    PointAtTarget,
    ReadLiveOnTarget,
    RenameBack,
    PointAtSource,
    DropTemporary,
    /// The copy renamed to the live name, when it carries the instance's marker.
    DropRenamed,
    ReadCopyLive,
    DeleteCopy,
    ReadNewer,
    DropSource,
}

/// What undoing a failed step did so far.
#[derive(Debug, Default)]
pub struct Undone {
    /// Whether the target has a database of the live name.
    pub(super) live_on_target: Option<bool>,
    pub(super) renamed_back: Option<Result<(), String>>,
    pub(super) pointed_back: bool,
    pub(super) dropped_temporary: Option<Result<(), String>>,
    /// `Ok(Some(why))`: a database of the live name there is not this migration's
    /// copy, and was left alone.
    pub(super) dropped_renamed: Option<Result<Option<String>, String>>,
}
