//! The typed model of the Odoo operator: every custom resource, its phases and
//! conditions, the label keys and the field manager. The operator and the kubectl
//! plugin both compile against this crate, so a schema change that one side does not
//! follow is a compile error. No client I/O lives here.

// kube-derive repeats `type_ = "string"` across printcolumn attributes, which this lint
// mistakes for a duplicated attribute.
#![allow(clippy::duplicated_attributes)]

pub mod agent;
#[cfg(feature = "client")]
pub mod api_error;
pub mod backup_job;
pub mod backup_schedule;
pub mod backup_use;
pub mod bucket_index;
pub mod census;
pub mod cluster_migration;
pub mod common;
pub mod crds;
pub mod freshness;
pub mod init_job;
pub mod instance;
pub mod job;
pub mod kept;
pub mod labels;
pub mod last;
pub mod location;
pub mod names;
pub mod password;
pub mod quantity;
pub mod reason;
pub mod restore_job;
#[cfg(feature = "s3")]
pub mod s3;
pub mod ssl_mode;
pub mod upgrade_job;
pub mod version;

pub use backup_job::{OdooBackupJob, OdooBackupJobSpec, OdooBackupJobStatus};
pub use backup_schedule::{OdooBackupSchedule, OdooBackupScheduleSpec, OdooBackupScheduleStatus};
pub use cluster_migration::{
    OdooClusterMigration, OdooClusterMigrationSpec, OdooClusterMigrationStatus,
};
pub use common::{InstanceRef, JobPhase};
pub use init_job::{OdooInitJob, OdooInitJobSpec, OdooInitJobStatus};
pub use instance::{InstancePhase, OdooInstance, OdooInstanceSpec, OdooInstanceStatus};
pub use location::Location;
pub use reason::Reason;
pub use restore_job::{OdooRestoreJob, OdooRestoreJobSpec, OdooRestoreJobStatus};
pub use ssl_mode::SslMode;
pub use upgrade_job::{OdooUpgradeJob, OdooUpgradeJobSpec, OdooUpgradeJobStatus};
pub use version::OdooVersion;

/// The API group of every custom resource of the project.
pub const API_GROUP: &str = "odoo-operator.dev";
/// The served and stored version of every custom resource.
pub const API_VERSION: &str = "v1alpha1";
/// The version of this model crate; the plugin compares it with the operator's.
pub const MODEL_VERSION: &str = env!("CARGO_PKG_VERSION");
