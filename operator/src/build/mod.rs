//! Pure builders: one per child kind, each a function of the
//! [`ValidInstance`](crate::validate::ValidInstance) (and rendered inputs) with no
//! I/O, so they are unit-tested without a cluster.

pub mod config_secret;
pub mod deployment;
pub mod ingress;
pub mod meta;
pub mod odoo_conf;
pub mod pod;
pub mod pvc;
pub mod service;

/// Odoo's HTTP port (`http_port` default); the Service, probes and Ingress use it.
pub const HTTP_PORT: i32 = 8069;
/// Odoo's gevent port, serving `/websocket` in prefork mode (`workers > 0`) only.
pub const WEBSOCKET_PORT: i32 = 8072;
/// Port names shared by container, Service and Ingress so they cannot drift apart.
pub const HTTP_PORT_NAME: &str = "http";
pub const WEBSOCKET_PORT_NAME: &str = "websocket";

/// Component label values of the children.
pub mod component {
    pub const WEB: &str = "web";
    pub const CRON: &str = "cron";
    pub const CONFIG: &str = "config";
    pub const FILESTORE: &str = "filestore";
}

/// Where the pods read odoo.conf (the official image's `ODOO_RC`).
pub const CONFIG_DIR: &str = "/etc/odoo";
pub const CONFIG_FILE: &str = "odoo.conf";
/// Odoo's data_dir: the filestore volume, shared by web and cron pods.
pub const DATA_DIR: &str = "/var/lib/odoo";

/// Whether Odoo runs prefork, which moves websockets to the gevent port.
pub fn prefork(v: &crate::validate::ValidInstance) -> bool {
    v.workers > 0
}

/// The pod spec of a built Deployment (tests).
#[cfg(test)]
pub(crate) fn pod_of(
    d: &k8s_openapi::api::apps::v1::Deployment,
) -> &k8s_openapi::api::core::v1::PodSpec {
    d.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("pod spec")
}

/// The Odoo container of a built Deployment (tests).
#[cfg(test)]
pub(crate) fn odoo_of(
    d: &k8s_openapi::api::apps::v1::Deployment,
) -> &k8s_openapi::api::core::v1::Container {
    &pod_of(d).containers[0]
}

/// The builders' test instance, resolved the way the operator resolves one.
#[cfg(test)]
pub(crate) fn sample() -> crate::validate::ValidInstance {
    crate::validate::resolve(&sample_instance(), &sample_clusters()).expect("the sample resolves")
}

/// What the sample serves (its spec's two web pods and one cron pod, its image).
#[cfg(test)]
pub(crate) fn serving(v: &crate::validate::ValidInstance) -> deployment::Workloads {
    deployment::Workloads {
        web_replicas: 2,
        cron_replicas: 1,
        image: v.images.spec.clone(),
    }
}

/// The test instance as stored: every default written, no status.
#[cfg(test)]
pub(crate) fn sample_instance() -> odoo_model::OdooInstance {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "odoo-operator.dev/v1alpha1",
        "kind": "OdooInstance",
        "metadata": { "name": "shop", "namespace": "team-a", "uid": "0b6c1f7e-uid" },
        "spec": {
            "image": "odoo:18.0-20250101",
            "imagePullSecrets": ["regcred"],
            "replicas": 2,
            "workers": 2,
            "cron": { "replicas": 1, "threads": 3 },
            "nodeSelector": { "pool": "odoo" },
            "ingress": {
                "hosts": ["erp.example.com"],
                "className": "nginx",
                "issuer": "letsencrypt",
                "tls": true
            },
            "filestore": { "storageSize": "10Gi", "storageClass": "nfs" },
            "database": { "cluster": "main", "name": "team_a_shop", "role": "odoo_team_a_shop" },
            "configOptions": { "limit_time_cpu": "600" },
            "environment": "Production",
            "deletionPolicy": "Retain"
        }
    }))
    .expect("a valid sample instance")
}

/// A pg-clusters contract with the sample's cluster, `main`.
#[cfg(test)]
pub(crate) fn sample_clusters() -> crate::pg::clusters::PgClusters {
    crate::pg::clusters::parse(
        "main: {host: pg.db.svc, adminUser: postgres, adminPassword: pw, sslMode: require}",
    )
    .expect("a valid sample contract")
}
