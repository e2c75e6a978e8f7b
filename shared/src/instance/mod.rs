//! `OdooInstance`: one Odoo database with its web and cron workloads, filestore,
//! routing and configuration.

mod database;
mod spec;
mod status;
mod workload;

pub use database::{AutoUpgradeSpec, CLUSTER, DatabaseSpec, InitSpec, MAX_MODULES, MODULE};
pub use spec::{DeletionPolicy, Environment, MAX_REPLICAS, OdooInstance, OdooInstanceSpec};
pub use status::{InstancePhase, LastBackup, OdooInstanceStatus, Rehearsal};
pub use workload::{
    CronSpec, FilestoreSpec, HOST, IngressSpec, MAX_CRON_REPLICAS, MAX_HOSTS, MAX_SIZE_LENGTH,
    WebhookSpec,
};
