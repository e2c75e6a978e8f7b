//! The spec's top level: the custom resource itself, with what the instance is
//! (environment) and what its deletion does.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::SecretKeyRef;

use super::{
    AutoUpgradeSpec, CronSpec, DatabaseSpec, FilestoreSpec, IngressSpec, InitSpec,
    OdooInstanceStatus, WebhookSpec,
};

/// Most web pods of an instance.
pub const MAX_REPLICAS: i32 = 100;

/// Desired state of an Odoo instance.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooInstance",
    namespaced,
    shortname = "odoo",
    category = "odoo-all",
    status = "OdooInstanceStatus",
    // names::MAX_INSTANCE_NAME; a unit test keeps the two in step.
    validation = Rule::new("size(self.metadata.name) <= 53").message("metadata.name may have at most 53 characters: an OdooInstance's children and the pods of its jobs carry it in names and labels of at most 63 (the longest, its filestore claim <name>-filestore)"),
    doc = "An Odoo instance: one database on a PostgreSQL cluster, its filestore, web and cron workloads, routing and configuration.",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Where the instance stands in its lifecycle"
    ),
    printcolumn(
        name = "Version",
        type_ = "string",
        json_path = ".status.odooVersion",
        description = "Odoo version running"
    ),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.ready",
        description = "Ready web pods / desired"
    ),
    printcolumn(
        name = "URL",
        type_ = "string",
        json_path = ".status.url",
        description = "Where users reach the instance"
    ),
    printcolumn(
        name = "Last Backup",
        type_ = "date",
        json_path = ".status.lastBackup.completionTime",
        description = "When the last successful backup completed"
    ),
    printcolumn(
        name = "Image",
        type_ = "string",
        json_path = ".spec.image",
        description = "Odoo image",
        priority = 1
    ),
    printcolumn(
        name = "Cluster",
        type_ = "string",
        json_path = ".spec.database.cluster",
        description = "PostgreSQL cluster",
        priority = 1
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct OdooInstanceSpec {
    /// Odoo container image, pinned to a tag or digest (`odoo:18.0-20250101` or
    /// `…@sha256:…`); `:latest` and untagged images are refused because they drift.
    /// Defaulted from the operator's configuration on first reconcile. With
    /// `autoUpgrade.enabled`, changing it runs a database upgrade before the rollout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    #[x_kube(validation = Rule::new("self.contains('@sha256:') || (self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$') && !self.endsWith(':latest'))").message("image must be pinned to a tag or digest, for example odoo:18.0-20250101 (untagged and :latest images drift)"))]
    pub image: Option<String>,

    /// Names of Secrets in the same namespace used to pull the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub image_pull_secrets: Vec<String>,

    /// Number of web pods. `0` stops the instance (cron is scaled to zero too).
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0, max = MAX_REPLICAS))]
    pub replicas: i32,

    /// Odoo HTTP worker processes per web pod. `0` runs Odoo threaded (websockets on
    /// the HTTP port); above `0` Odoo prefork serves websockets on the gevent port and
    /// the Ingress routes `/websocket` there.
    #[serde(default = "default_workers")]
    #[schemars(range(min = 0, max = 64))]
    pub workers: i32,

    /// The cron workload, a separate Deployment so it can be scaled to zero during
    /// upgrades and sized on its own.
    #[serde(default)]
    pub cron: CronSpec,

    /// Compute resources of each web pod. Defaulted from the operator's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// Scheduling affinity of the instance's pods. Defaulted from the operator's
    /// configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,

    /// Tolerations of the instance's pods. Defaulted from the operator's configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,

    /// Node labels the instance's pods must run on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,

    /// How users reach the instance. Without it only the in-cluster Service exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressSpec>,

    /// The filestore volume (attachments, assets), shared by web and cron pods.
    #[serde(default)]
    pub filestore: FilestoreSpec,

    /// The database of the instance.
    #[serde(default)]
    pub database: DatabaseSpec,

    /// Extra odoo.conf options (`key: value`). Keys are checked against the options
    /// known for the instance's Odoo version; options the operator owns (database
    /// credentials, data_dir, admin_passwd) cannot be set here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 200), inner(length(max = 4096)))]
    #[x_kube(validation = Rule::new("self.all(k, k.matches('^[a-z][a-z0-9_]*$'))").message("configOptions keys are odoo.conf option names: lowercase letters, digits and underscores, for example limit_time_cpu"))]
    pub config_options: BTreeMap<String, String>,

    /// The Odoo master password (`admin_passwd`), by reference to a Secret key. When
    /// unset the operator generates one into a Secret of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_password_secret_ref: Option<SecretKeyRef>,

    /// Database initialization on first provisioning.
    #[serde(default)]
    pub init: InitSpec,

    /// What happens when `image` changes.
    #[serde(default)]
    pub auto_upgrade: AutoUpgradeSpec,

    /// A URL that receives a signed JSON POST on every phase transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookSpec>,

    /// What kind of environment this is. Every restore into a `Staging` or
    /// `Development` instance is neutralized, whatever the restore asks (outgoing
    /// mail, scheduled actions, payment providers and the like disabled). Every pod
    /// of the instance, its Deployments' and its jobs', carries the label
    /// `odoo-operator.dev/environment` with this value in lower case
    /// (`production`, `staging`, `development`), for network and admission
    /// policies to select on. Changing it relabels the Deployments' pods, which is
    /// a rollout: the pods are replaced.
    #[serde(default)]
    pub environment: Environment,

    /// What happens to the database and the filestore volume when the instance is
    /// deleted. `Retain` keeps both; `Delete` drops the database and its role and
    /// removes the volume.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,

    /// How many of the databases restores and Copy upgrades keep
    /// (`<db>_pre_restore_…`, `<db>_pre_upgrade_…`) stay, and for how long.
    #[serde(default)]
    pub kept_databases: crate::kept::KeptDatabases,
}

fn default_replicas() -> i32 {
    1
}

fn default_workers() -> i32 {
    2
}

/// The kind of environment an instance is.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum Environment {
    /// Serves real users.
    #[default]
    Production,
    /// A pre-production copy.
    Staging,
    /// A developer's instance.
    Development,
}

impl Environment {
    /// The value of the pods' environment label
    /// ([`ENVIRONMENT_LABEL`](crate::labels::ENVIRONMENT_LABEL)): lower case, as
    /// label values usually are.
    pub const fn label_value(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Staging => "staging",
            Environment::Development => "development",
        }
    }
}

/// What deletion does to the data.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum DeletionPolicy {
    /// Keep the database, its role and the filestore volume.
    #[default]
    Retain,
    /// Drop the database and its role, then remove the filestore volume.
    Delete,
}
