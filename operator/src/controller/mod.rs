//! The controllers: OdooInstance (lifecycle and children), the job resources,
//! OdooClusterMigration and OdooBackupSchedule.

pub mod agent_pod;
pub mod backoff;
pub mod backup_job;
pub mod batch;
pub mod bucket;
pub mod caches;
pub mod census;
pub mod context;
pub mod database;
pub mod error;
pub mod events;
pub mod fresh;
pub mod init_job;
pub mod instance;
pub mod job;
pub mod job_watches;
pub mod kept;
pub mod kept_expiry;
pub mod kept_lists;
pub mod live;
pub mod migration;
pub mod observe;
pub mod proof;
pub mod pulls;
pub mod records;
pub mod restore_job;
pub mod restore_plan;
pub mod run;
pub mod schedule;
pub mod settled;
pub mod upgrade_job;

pub use context::Context;
pub use run::run;
