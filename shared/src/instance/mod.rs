//! `OdooInstance`: one Odoo database with its web and cron workloads, filestore,
//! routing and configuration.

mod database;
mod spec;
mod status;
mod workload;

pub use database::{AutoUpgradeSpec, DatabaseSpec, InitSpec};
pub use spec::{DeletionPolicy, Environment, OdooInstance, OdooInstanceSpec};
pub use status::{InstancePhase, LastBackup, OdooInstanceStatus, Rehearsal};
pub use workload::{CronSpec, FilestoreSpec, IngressSpec, WebhookSpec};
