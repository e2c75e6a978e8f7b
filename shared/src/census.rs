//! The operator's census of the databases it made: every database on its
//! PostgreSQL clusters owned by a role whose ownership marker names an instance,
//! published in a ConfigMap in the operator's namespace. The plugin compares it
//! with the instances that exist to name the databases no instance owns any more
//! (`kubectl odoo backup orphans`): what an instance deleted with `Retain`, or a
//! lost namespace, leaves behind. The plugin needs no database access for it.

use std::collections::BTreeSet;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The ConfigMap, in the operator's namespace.
pub const CONFIG_MAP: &str = "odoo-operator-database-census";
/// Its key holding the census as JSON.
pub const KEY: &str = "census.json";

/// What the operator found, when.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseCensus {
    pub taken_at: Option<Timestamp>,
    pub databases: Vec<CensusEntry>,
}

/// One database, its owner and the instance the owner's marker names.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct CensusEntry {
    pub cluster: String,
    pub database: String,
    pub role: String,
    /// The UID of the instance the role was made for.
    pub instance_uid: String,
    /// None when the cluster's admin may not read its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
}

impl DatabaseCensus {
    /// The databases whose instance is none of `uids` (every instance that exists).
    pub fn orphaned<'a>(&'a self, uids: &BTreeSet<String>) -> Vec<&'a CensusEntry> {
        self.databases
            .iter()
            .filter(|d| !uids.contains(&d.instance_uid))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_of_instances_that_are_gone_are_orphaned() {
        let entry = |db: &str, uid: &str| CensusEntry {
            cluster: "main".into(),
            database: db.into(),
            role: format!("{db}_owner"),
            instance_uid: uid.into(),
            size_bytes: Some(1),
        };
        let census = DatabaseCensus {
            taken_at: None,
            databases: vec![
                entry("a", "u1"),
                entry("a_pre_restore_1", "u1"),
                entry("b", "u2"),
            ],
        };
        let uids = BTreeSet::from(["u1".to_owned()]);
        let orphaned: Vec<&str> = census
            .orphaned(&uids)
            .iter()
            .map(|d| d.database.as_str())
            .collect();
        assert_eq!(orphaned, ["b"]);
    }
}
