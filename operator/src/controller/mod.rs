//! The controllers: OdooInstance (lifecycle and children), the job resources,
//! OdooClusterMigration and OdooBackupSchedule.

pub mod backup_job;
pub mod bucket;
pub mod census;
pub mod database;
pub mod db_names;
pub mod filestore_jobs;
pub mod init_job;
pub mod instance;
pub mod job;
pub mod job_watches;
pub mod kept;
pub mod kept_expiry;
pub mod migration;
pub mod proof;
pub mod records;
pub mod restore_job;
pub mod restore_plan;
pub mod run;
pub mod schedule;
pub mod step;
pub mod upgrade_job;

pub use crate::runtime::context::Context;
pub use run::run;
