//! The parts of the spec that shape the workloads: cron, routing, the filestore
//! volume and the phase callback.

use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::KubeSchema;
use serde::{Deserialize, Serialize};

use crate::common::{OBJECT_NAME, SecretKeyRef, Text, default_true};

/// Most cron pods of an instance.
pub const MAX_CRON_REPLICAS: i32 = 10;

/// The cron workload.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct CronSpec {
    /// Number of cron pods; `0` disables scheduled actions.
    #[serde(default = "default_cron_replicas")]
    #[schemars(range(min = 0, max = MAX_CRON_REPLICAS))]
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

/// A host name routed to an instance, `*.` first for a wildcard.
pub const HOST: Text = Text {
    min: 1,
    max: 253,
    pattern: r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
};

/// The most host names an instance is routed from.
pub const MAX_HOSTS: usize = 32;

/// Routing from outside the cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    /// Host names that reach the instance, for example `erp.example.com`.
    #[schemars(
        length(min = 1, max = MAX_HOSTS),
        inner(
            length(min = HOST.min, max = HOST.max),
            regex(pattern = HOST.pattern)
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
        length(min = OBJECT_NAME.min, max = OBJECT_NAME.max),
        regex(pattern = OBJECT_NAME.pattern)
    )]
    pub tls_secret_name: Option<String>,
}

/// The filestore volume.
/// The longest `filestore.storageSize` the schema takes, in characters.
pub const MAX_SIZE_LENGTH: usize = 64;

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(oldSelf.storageSize) || (has(self.storageSize) && quantity(self.storageSize).compareTo(quantity(oldSelf.storageSize)) >= 0)").message("filestore.storageSize may not decrease: volumes cannot shrink (raise it, or keep the current size)"))]
pub struct FilestoreSpec {
    /// Size of the filestore volume, for example `10Gi`. Raising it expands the volume
    /// (the StorageClass must allow expansion); lowering it is refused. Defaulted from
    /// the operator's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_SIZE_LENGTH))]
    #[x_kube(validation = Rule::new("isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))").message("filestore.storageSize must be a positive quantity, for example 10Gi"))]
    pub storage_size: Option<String>,
    /// StorageClass of the filestore volume (ReadWriteMany). Defaulted from the
    /// operator's configuration; it cannot change afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub storage_class: Option<String>,
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
