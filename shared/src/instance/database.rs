//! The parts of the spec about the database: where it lives, how it is first
//! initialized and how it is upgraded.

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Text, default_true};

/// A PostgreSQL cluster's name in the operator's pg-clusters Secret (a DNS label).
pub const CLUSTER: Text = Text {
    min: 1,
    max: 63,
    pattern: r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
};

/// The database of the instance.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(oldSelf.name) || (has(self.name) && self.name == oldSelf.name)").message("database.name is immutable once set; restore into a new instance to get another name"))]
#[x_kube(validation = Rule::new("!has(oldSelf.role) || (has(self.role) && self.role == oldSelf.role)").message("database.role is immutable once set"))]
pub struct DatabaseSpec {
    /// PostgreSQL cluster from the operator's pg-clusters Secret. Defaulted to the
    /// cluster marked `default: true`. Change it only with
    /// `kubectl odoo migrate-cluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = CLUSTER.min, max = CLUSTER.max),
        regex(pattern = CLUSTER.pattern)
    )]
    pub cluster: Option<String>,
    /// Database name; `<namespace>_<instance>` when unset. Immutable once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z_][a-z0-9_-]*$"))]
    pub name: Option<String>,
    /// PostgreSQL role Odoo connects as, which owns the database. Set by the
    /// operator on the first reconcile (`odoo_<database name>` for a new instance)
    /// and immutable once set. The operator adopts, renames, drops or changes the
    /// password of a role or database only when its ownership marker names this
    /// instance (or, for one made before markers, when this instance's password
    /// already logs in as the role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z_][a-z0-9_]*$"))]
    pub role: Option<String>,
}

/// The most modules one list installs or updates.
pub const MAX_MODULES: usize = 200;

/// The technical name of an Odoo module.
pub const MODULE: Text = Text {
    min: 1,
    max: 128,
    pattern: r"^[a-z0-9_]+$",
};

/// Database initialization.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitSpec {
    /// Initialize a new database automatically on first provisioning.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Modules installed at initialization.
    #[serde(default = "default_init_modules")]
    #[schemars(
        length(min = 1, max = MAX_MODULES),
        inner(
            length(min = MODULE.min, max = MODULE.max),
            regex(pattern = MODULE.pattern)
        )
    )]
    pub modules: Vec<String>,
    /// Load demo data (only where the Odoo version supports the flag).
    #[serde(default)]
    pub demo: bool,
    /// Language installed at initialization, for example `en_US` or `fr_BE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z]{2,3}(_[A-Z][A-Za-z]+)?(@[a-z]+)?$"))]
    pub language: Option<String>,
}

impl Default for InitSpec {
    fn default() -> Self {
        InitSpec {
            enabled: true,
            modules: default_init_modules(),
            demo: false,
            language: None,
        }
    }
}

fn default_init_modules() -> Vec<String> {
    vec!["base".into()]
}

/// Behaviour on image changes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoUpgradeSpec {
    /// Run `odoo -u all` with the new image before rolling it out; on failure the old
    /// image keeps running and the phase becomes `UpgradeFailed`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Revert the image (never the database) when the new pods do not become ready
    /// within `rollbackWindowSeconds` after an upgrade's rollout.
    #[serde(default = "default_true")]
    pub rollback: bool,
    /// How long new pods may take to become ready after an upgrade before the image is
    /// reverted.
    #[serde(default = "default_rollback_window")]
    #[schemars(range(min = 30, max = 86400))]
    pub rollback_window_seconds: i32,
    /// Where `odoo -u` runs: `Copy` (a copy that replaces the live database only
    /// when the update succeeded) or `InPlace` (the live database; a failure halfway
    /// leaves it partly updated). Upgrade jobs that name no strategy take this one.
    #[serde(default)]
    pub strategy: crate::upgrade_job::UpgradeStrategy,
}

impl Default for AutoUpgradeSpec {
    fn default() -> Self {
        AutoUpgradeSpec {
            enabled: true,
            rollback: true,
            rollback_window_seconds: default_rollback_window(),
            strategy: Default::default(),
        }
    }
}

fn default_rollback_window() -> i32 {
    600
}
