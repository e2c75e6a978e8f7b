//! Kept databases: the `<db>_pre_restore_<time>` and `<db>_pre_upgrade_<time>`
//! databases a restore or a Copy upgrade leaves behind (what a user goes back to),
//! and how long an instance keeps them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// How many kept databases an instance keeps, and for how long. The newest one
/// always stays until `maxAge` passes; beyond either limit the operator drops the
/// oldest, its filestore directory first, with an event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeptDatabases {
    /// How many to keep, newest first; 0 drops each once the job that kept it is
    /// finished.
    #[serde(default = "default_max_count")]
    #[schemars(range(min = 0, max = 100))]
    pub max_count: u32,
    /// Drop those older than this (`30d`, `12h`, `1w`; units `w`, `d`, `h`, `m`).
    /// Unset keeps them whatever their age.
    #[serde(default = "default_max_age", skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 2, max = 32), regex(pattern = r"^([0-9]{1,6}[wdhm])+$"))]
    pub max_age: Option<String>,
}

impl Default for KeptDatabases {
    fn default() -> Self {
        KeptDatabases {
            max_count: default_max_count(),
            max_age: default_max_age(),
        }
    }
}

/// Three: a restore gone wrong, the one before it and the one before that can
/// still be gone back to, and a database's kept copies stay bounded (three times
/// its size at most).
fn default_max_count() -> u32 {
    3
}

/// Thirty days: longer than a month's closing, when a bad restore or upgrade is
/// found at the latest.
fn default_max_age() -> Option<String> {
    Some("30d".into())
}

/// A kept database, as the instance's status shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeptDatabase {
    /// Its name on the instance's PostgreSQL cluster.
    pub name: String,
    /// What made it: `restore` or `upgrade`.
    pub reason: String,
    /// When it was kept (from its name).
    pub kept_at: Time,
    /// Its size on the cluster, in bytes.
    pub size_bytes: i64,
}
