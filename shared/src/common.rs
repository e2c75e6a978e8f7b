//! Types shared by several custom resources: references, S3 locations, the phase of a
//! one-shot job and the status fields every job resource carries.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// What the CRD schema allows in a string: its length in characters and an
/// anchored pattern. The schema's attributes name such a constant (`length(min =
/// R.min, max = R.max), regex(pattern = R.pattern)`), and the plugin parses the flag
/// that sets the field with the same one, so that a client-side dry run or check
/// refuses what the API server would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub min: usize,
    pub max: usize,
    pub pattern: &'static str,
}

/// A Kubernetes object's name (DNS-1123 subdomain), as a reference to one.
pub const OBJECT_NAME: Text = Text {
    min: 1,
    max: 253,
    pattern: r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
};

/// A reference to an OdooInstance in the same namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceRef {
    /// Name of the OdooInstance in the same namespace as this resource.
    #[schemars(
        length(min = OBJECT_NAME.min, max = OBJECT_NAME.max),
        regex(pattern = OBJECT_NAME.pattern)
    )]
    pub name: String,
}

impl InstanceRef {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

/// A key of a Secret in the same namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// Name of the Secret in the same namespace.
    #[schemars(
        length(min = OBJECT_NAME.min, max = OBJECT_NAME.max),
        regex(pattern = OBJECT_NAME.pattern)
    )]
    pub name: String,
    /// Key inside the Secret's data.
    #[schemars(length(min = 1, max = 253), regex(pattern = r"^[-._a-zA-Z0-9]+$"))]
    pub key: String,
}

/// Credentials for S3-compatible storage, read from a Secret so they never appear in a
/// Job spec or an environment literal.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3Credentials {
    /// Name of the Secret in the same namespace that holds the credentials.
    #[schemars(
        length(min = OBJECT_NAME.min, max = OBJECT_NAME.max),
        regex(pattern = OBJECT_NAME.pattern)
    )]
    pub secret_name: String,
    /// Key of the access key id in the Secret.
    #[serde(default = "default_access_key_id_key")]
    #[schemars(length(min = 1, max = 253))]
    pub access_key_id_key: String,
    /// Key of the secret access key in the Secret.
    #[serde(default = "default_secret_access_key_key")]
    #[schemars(length(min = 1, max = 253))]
    pub secret_access_key_key: String,
}

fn default_access_key_id_key() -> String {
    "AWS_ACCESS_KEY_ID".into()
}

fn default_secret_access_key_key() -> String {
    "AWS_SECRET_ACCESS_KEY".into()
}

/// Where an S3-compatible bucket is and how to reach it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.endpoint.startsWith('https://') || self.endpoint.startsWith('http://')").message("s3.endpoint must be an http:// or https:// URL, for example https://s3.eu-west-1.amazonaws.com"))]
pub struct S3Bucket {
    /// Endpoint URL of the S3-compatible service, for example
    /// `https://s3.eu-west-1.amazonaws.com` or `http://minio.storage:9000`.
    #[schemars(length(min = 1, max = 2048))]
    pub endpoint: String,
    /// Bucket name.
    #[schemars(
        length(min = 3, max = 63),
        regex(pattern = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
    )]
    pub bucket: String,
    /// Region of the bucket; most S3-compatible servers accept the default.
    #[serde(default = "default_region")]
    #[schemars(length(min = 1, max = 64))]
    pub region: String,
    /// Credentials, by reference to a Secret.
    pub credentials: S3Credentials,
    /// Use path-style addressing (`endpoint/bucket/key`) instead of virtual-hosted
    /// style; most self-hosted S3-compatible servers need this.
    #[serde(default = "default_true")]
    pub force_path_style: bool,
    /// Skip TLS certificate verification. Off by default; only for test setups with
    /// self-signed certificates.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

pub(crate) fn default_true() -> bool {
    true
}

/// The phase of a one-shot job resource (init, upgrade, backup, restore).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, schemars::JsonSchema,
)]
pub enum JobPhase {
    /// Accepted, waiting for its turn (another job of the instance runs, or the
    /// instance is not ready yet).
    #[default]
    Pending,
    /// Waiting for the scheduled start time.
    Scheduled,
    /// The Kubernetes Job runs.
    Running,
    /// Finished successfully; the outcome is recorded in this status.
    Succeeded,
    /// Finished with an error; the message says why and what to do.
    Failed,
}

impl JobPhase {
    /// True once the job reached an end state.
    pub fn is_finished(self) -> bool {
        matches!(self, JobPhase::Succeeded | JobPhase::Failed)
    }
}

/// Status fields every job resource carries. Outcomes are recorded here rather than
/// read from the Kubernetes Job, which may be garbage-collected.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobStatusCommon {
    /// Where the job stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<JobPhase>,
    /// A human-readable explanation of the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Standard conditions (`Ready`, `Progressing`, `Failed`), keyed by type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    pub conditions: Vec<Condition>,
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Name of the Kubernetes Job that runs (or ran) the work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    /// When the work started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// When the work finished, successfully or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
}
