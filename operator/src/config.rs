//! The operator's defaults, from its flags. Written into each instance's spec on first
//! reconcile so the spec describes exactly what runs.

use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};

/// Defaults and wiring of one operator process.
#[derive(Debug, Clone, Default)]
pub struct OperatorConfig {
    /// Default Odoo image (pinned).
    pub image: String,
    pub storage_size: String,
    pub storage_class: Option<String>,
    pub ingress_class: Option<String>,
    pub ingress_issuer: Option<String>,
    pub resources: Option<ResourceRequirements>,
    pub affinity: Option<Affinity>,
    pub tolerations: Vec<Toleration>,
    /// Namespace of the pg-clusters Secret (the operator's own namespace).
    pub namespace: String,
    /// Name of the pg-clusters Secret.
    pub pg_clusters_secret: String,
    /// Reconcile only this namespace (every namespace when unset).
    pub watch_namespace: Option<String>,
    /// Reconciles each controller runs at once (0: no limit).
    pub concurrent_reconciles: u16,
    /// Connections provisioning opens at once to one PostgreSQL cluster (0: no
    /// limit; `Default` gives 0, the binary's flag 16).
    pub pg_connections_per_cluster: usize,
    /// Image the backup and restore pods copy the agent from (the operator's own).
    pub agent_image: String,
}
