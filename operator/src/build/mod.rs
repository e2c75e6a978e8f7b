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

#[cfg(test)]
pub(crate) fn sample() -> crate::validate::ValidInstance {
    use std::collections::BTreeMap;

    use odoo_model::common::SecretKeyRef;
    use odoo_model::instance::{DeletionPolicy, Environment};

    use crate::validate::{DatabaseTarget, ValidIngress, ValidInstance};

    ValidInstance {
        name: "shop".into(),
        namespace: "team-a".into(),
        uid: "0b6c1f7e-uid".into(),
        image: "odoo:18.0-20250101".into(),
        image_pull_secrets: vec!["regcred".into()],
        replicas: 2,
        workers: 2,
        cron_replicas: 1,
        cron_threads: 3,
        resources: None,
        cron_resources: None,
        affinity: None,
        tolerations: Vec::new(),
        node_selector: BTreeMap::from([("pool".into(), "odoo".into())]),
        ingress: Some(ValidIngress {
            hosts: vec!["erp.example.com".into()],
            class_name: Some("nginx".into()),
            issuer: Some("letsencrypt".into()),
            tls_secret: Some("shop-tls".into()),
        }),
        storage_size: "10Gi".into(),
        storage_class: Some("nfs".into()),
        database: DatabaseTarget {
            cluster: "main".into(),
            host: "pg.db.svc".into(),
            port: 5432,
            ssl_mode: "require".into(),
            name: "team_a_shop".into(),
            role: "odoo_team_a_shop".into(),
        },
        config_options: BTreeMap::from([("limit_time_cpu".into(), "600".into())]),
        admin_password: SecretKeyRef {
            name: "shop-admin".into(),
            key: "password".into(),
        },
        db_secret: "shop-db".into(),
        environment: Environment::Production,
        deletion_policy: DeletionPolicy::Retain,
    }
}
