//! `OdooInstance`: one Odoo database with its web and cron workloads, filestore,
//! routing and configuration.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::{SecretKeyRef, default_true};

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
    #[schemars(range(min = 0, max = 100))]
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
    /// mail, scheduled actions, payment providers and the like disabled).
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

/// The cron workload.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct CronSpec {
    /// Number of cron pods; `0` disables scheduled actions.
    #[serde(default = "default_cron_replicas")]
    #[schemars(range(min = 0, max = 10))]
    pub replicas: i32,
    /// Cron threads per cron pod (`max_cron_threads`).
    #[serde(default = "default_cron_threads")]
    #[schemars(range(min = 1, max = 16))]
    pub threads: i32,
    /// Compute resources of each cron pod; the web pods' resources when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
}

impl Default for CronSpec {
    fn default() -> Self {
        CronSpec {
            replicas: default_cron_replicas(),
            threads: default_cron_threads(),
            resources: None,
        }
    }
}

fn default_cron_replicas() -> i32 {
    1
}

fn default_cron_threads() -> i32 {
    2
}

/// Routing from outside the cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    /// Host names that reach the instance, for example `erp.example.com`.
    #[schemars(
        length(min = 1, max = 32),
        inner(
            length(min = 1, max = 253),
            regex(
                pattern = r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
            )
        )
    )]
    pub hosts: Vec<String>,
    /// IngressClass to use. Defaulted from the operator's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub class_name: Option<String>,
    /// cert-manager ClusterIssuer that issues the TLS certificate. Defaulted from the
    /// operator's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub issuer: Option<String>,
    /// Serve HTTPS. The certificate is stored in `tlsSecretName`.
    #[serde(default = "default_true")]
    pub tls: bool,
    /// Secret holding the TLS certificate; `<instance>-tls` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 253),
        regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    )]
    pub tls_secret_name: Option<String>,
}

/// The filestore volume.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(oldSelf.storageSize) || (has(self.storageSize) && quantity(self.storageSize).compareTo(quantity(oldSelf.storageSize)) >= 0)").message("filestore.storageSize may not decrease: volumes cannot shrink (raise it, or keep the current size)"))]
pub struct FilestoreSpec {
    /// Size of the filestore volume, for example `10Gi`. Raising it expands the volume
    /// (the StorageClass must allow expansion); lowering it is refused. Defaulted from
    /// the operator's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    #[x_kube(validation = Rule::new("isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))").message("filestore.storageSize must be a positive quantity, for example 10Gi"))]
    pub storage_size: Option<String>,
    /// StorageClass of the filestore volume (ReadWriteMany). Defaulted from the
    /// operator's configuration; it cannot change afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub storage_class: Option<String>,
}

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
        length(min = 1, max = 63),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
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
        length(min = 1, max = 200),
        inner(length(min = 1, max = 128), regex(pattern = r"^[a-z0-9_]+$"))
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

/// A phase-transition callback.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSpec {
    /// URL that receives a JSON POST on every phase transition.
    #[schemars(length(min = 1, max = 2048))]
    #[x_kube(validation = Rule::new("isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))").message("webhook.url must be an http:// or https:// URL"))]
    pub url: String,
    /// Secret key whose value signs each payload (HMAC-SHA256 in the
    /// `X-Odoo-Operator-Signature` header), so the receiver can trust it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretKeyRef>,
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

/// Where an instance stands in its lifecycle.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, schemars::JsonSchema,
)]
pub enum InstancePhase {
    /// Defaults, database role and database, secrets and volume are being created.
    #[default]
    Provisioning,
    /// The database exists but holds no Odoo schema yet and initialization is off.
    Uninitialized,
    /// An init job is installing modules into the database.
    Initializing,
    /// Initialization failed; the init job's log says why.
    InitFailed,
    /// Web pods are rolling out and not all ready yet.
    Starting,
    /// All desired web pods are ready.
    Running,
    /// Some web pods are not ready, or a pre-flight check fails.
    Degraded,
    /// Scaled to zero on request.
    Stopped,
    /// A database upgrade runs.
    Upgrading,
    /// The last upgrade failed; the previous image keeps serving.
    UpgradeFailed,
    /// A restore replaces the database and filestore.
    Restoring,
    /// A backup runs.
    BackingUp,
    /// The database moves to another PostgreSQL cluster.
    Migrating,
    /// A permanent error (invalid spec, missing cluster) that waits for a change.
    Error,
}

impl InstancePhase {
    /// Every phase, in lifecycle order.
    pub const ALL: [InstancePhase; 14] = [
        InstancePhase::Provisioning,
        InstancePhase::Uninitialized,
        InstancePhase::Initializing,
        InstancePhase::InitFailed,
        InstancePhase::Starting,
        InstancePhase::Running,
        InstancePhase::Degraded,
        InstancePhase::Stopped,
        InstancePhase::Upgrading,
        InstancePhase::UpgradeFailed,
        InstancePhase::Restoring,
        InstancePhase::BackingUp,
        InstancePhase::Migrating,
        InstancePhase::Error,
    ];
}

impl std::fmt::Display for InstancePhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Observed state of an Odoo instance.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooInstanceStatus {
    /// Where the instance stands in its lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<InstancePhase>,
    /// A human-readable explanation of the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Standard conditions (`Ready`, `Progressing`, `Degraded`), keyed by type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    pub conditions: Vec<Condition>,
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Web pods that exist (scale subresource).
    #[serde(default)]
    pub replicas: i32,
    /// Web pods that are ready.
    #[serde(default)]
    pub ready_replicas: i32,
    /// Ready web pods over desired, for display (`2/3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// Label selector of the web pods (scale subresource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Where users reach the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The image the web pods run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The Odoo version the web pods run, for example `18.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odoo_version: Option<String>,
    /// The database name in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The last successful backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_backup: Option<LastBackup>,
    /// The last successful backup whose verification passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_backup: Option<LastBackup>,
    /// The databases restores and Copy upgrades kept, newest first, as last
    /// listed on the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_databases: Vec<crate::kept::KeptDatabase>,
    /// The image before the last upgrade, kept for automatic rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_image: Option<String>,
    /// The job resource currently holding the instance (upgrade, restore, backup,
    /// migration), as `Kind/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_job: Option<String>,
    /// The outcome of the last upgrade rehearsal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rehearsal: Option<Rehearsal>,
}

/// What an upgrade rehearsal found: an update of a copy of the database to `image`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rehearsal {
    /// Name of the OdooUpgradeJob.
    pub job: String,
    /// The image rehearsed.
    pub image: String,
    /// Whether `odoo -u` succeeded on the copy.
    pub succeeded: bool,
    /// When the rehearsal ended.
    pub finished_at: Time,
    /// How long `odoo -u` ran, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    /// The outcome in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Rehearsal {
    /// `rehearsed 2026-… in 4m12s, succeeded`.
    pub fn describe(&self) -> String {
        let took = self
            .duration_seconds
            .map(|s| format!(" in {}m{:02}s", s / 60, s % 60))
            .unwrap_or_default();
        format!(
            "rehearsed {} {}{took}, {}",
            self.image,
            self.finished_at.0.strftime("%Y-%m-%d %H:%M UTC"),
            if self.succeeded {
                "succeeded"
            } else {
                "failed"
            }
        )
    }
}

/// A pointer to a finished backup.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastBackup {
    /// Name of the OdooBackupJob.
    pub name: String,
    /// When it completed.
    pub completion_time: Time,
    /// Archive size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
    /// Whether its verification passed; absent when it was not verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}
