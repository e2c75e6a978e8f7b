//! Resolution: the raw OdooInstance and the pg-clusters contract become a
//! [`ValidInstance`], the only view the builders see. Every default is resolved,
//! every name computed and the database target built here, once: [`resolve`] for the
//! instance's own database, [`resolve_on`] for another place of it (a migration's
//! target cluster, a restore's temporary database). Pure: no I/O.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};
use kube::ResourceExt;
use odoo_model::OdooInstance;
use odoo_model::common::SecretKeyRef;
use odoo_model::instance::{DeletionPolicy, Environment};
use odoo_model::names;

use crate::pg::clusters::{PgCluster, PgClusters};

/// Where the instance's database lives, resolved from the pg-clusters Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseTarget {
    /// Cluster name from the pg-clusters Secret.
    pub cluster: String,
    pub host: String,
    pub port: u16,
    /// libpq sslmode (`disable`, `prefer`, `require`, `verify-full`, …).
    pub ssl_mode: odoo_model::SslMode,
    /// Database name.
    pub name: String,
    /// Role Odoo connects as.
    pub role: String,
}

/// Routing, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidIngress {
    pub hosts: Vec<String>,
    pub class_name: Option<String>,
    /// cert-manager ClusterIssuer annotation value.
    pub issuer: Option<String>,
    /// TLS Secret name; `None` serves plain HTTP.
    pub tls_secret: Option<String>,
}

/// The images an instance is about, resolved once: each builder and job kind
/// takes the one it serves by name. (The image the web pods are approved to run
/// next is the instance decision's, which may roll an upgrade back.)
#[derive(Debug, Clone, PartialEq)]
pub struct Images {
    /// What the spec asks for (`spec.image`): what an upgrade goes to.
    pub spec: String,
    /// What the database is at: `status.image`, the approved image the web pods
    /// run; the spec's until one was approved. Backups, restores, copies and the
    /// agent run this one, whose `pg_dump` and Odoo match the database, not a spec
    /// image an upgrade has not reached yet.
    pub database: String,
}

/// The instance as the builders see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidInstance {
    pub name: String,
    pub namespace: String,
    /// UID for owner references.
    pub uid: String,
    /// The images the instance is about, by what each is for.
    pub images: Images,
    pub image_pull_secrets: Vec<String>,
    /// Odoo HTTP workers per web pod (0 = threaded).
    pub workers: i32,
    pub cron_threads: i32,
    pub resources: Option<ResourceRequirements>,
    pub cron_resources: Option<ResourceRequirements>,
    pub affinity: Option<Affinity>,
    pub tolerations: Vec<Toleration>,
    pub node_selector: BTreeMap<String, String>,
    pub ingress: Option<ValidIngress>,
    pub storage_size: String,
    pub storage_class: Option<String>,
    pub database: DatabaseTarget,
    pub config_options: BTreeMap<String, String>,
    /// Where the master password is.
    pub admin_password: SecretKeyRef,
    /// Where the database role's password is (key `password`).
    pub db_secret: String,
    pub environment: Environment,
    pub deletion_policy: DeletionPolicy,
}

/// Why an instance cannot be built. Permanent: it waits for a spec change.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ValidationError {
    #[error("spec.{field} is not set and the operator has no default for it")]
    MissingDefault { field: &'static str },
    #[error("the object has no {what} yet")]
    Metadata { what: &'static str },
    /// The pg-clusters contract has no such cluster (or cannot be read).
    #[error("{0}")]
    Cluster(String),
    /// The Secret `spec.adminPasswordSecretRef` names is missing, or lacks the key:
    /// Odoo's configuration cannot be written without it.
    #[error("{0}")]
    AdminSecret(String),
}

/// The instance with its own database: on the cluster and under the name its spec
/// gives (both are written as defaults before anything is resolved).
pub fn resolve(
    instance: &OdooInstance,
    clusters: &PgClusters,
) -> Result<ValidInstance, ValidationError> {
    let database = &instance.spec.database;
    let cluster = database
        .cluster
        .as_deref()
        .ok_or(ValidationError::MissingDefault {
            field: "database.cluster",
        })?;
    let name = database
        .name
        .as_deref()
        .ok_or(ValidationError::MissingDefault {
            field: "database.name",
        })?;
    resolve_on(instance, clusters, cluster, name)
}

/// The instance with its database named `database` on `cluster`: where a migration
/// copies it to, or where a restore loads it before the switch.
pub fn resolve_on(
    instance: &OdooInstance,
    clusters: &PgClusters,
    cluster: &str,
    database: &str,
) -> Result<ValidInstance, ValidationError> {
    let pg = clusters
        .get(cluster)
        .map_err(|e| ValidationError::Cluster(e.to_string()))?;
    validate(instance, target(instance, cluster, pg, database)?)
}

/// The one constructor of a [`DatabaseTarget`]: the server from the contract, the
/// role the spec records (the operator defaults it on the first reconcile).
fn target(
    instance: &OdooInstance,
    cluster_name: &str,
    cluster: &PgCluster,
    database: &str,
) -> Result<DatabaseTarget, ValidationError> {
    Ok(DatabaseTarget {
        cluster: cluster_name.to_owned(),
        host: cluster.host.clone(),
        port: cluster.port,
        ssl_mode: cluster.ssl_mode,
        name: database.to_owned(),
        role: instance
            .spec
            .database
            .role
            .clone()
            .ok_or(ValidationError::MissingDefault {
                field: "database.role",
            })?,
    })
}

impl ValidInstance {
    /// Whom the instance's role and databases belong to, for the ownership checks.
    pub fn owner(&self) -> crate::pg::Owner {
        crate::pg::Owner {
            role: self.database.role.clone(),
            uid: self.uid.clone(),
        }
    }
}

/// The web and cron pods the spec asks for, when the phase serves: what the
/// instance's decision scales the Deployments to, not part of the resolved view.
pub fn wanted_replicas(spec: &odoo_model::OdooInstanceSpec) -> (i32, i32) {
    // Stopping the instance stops cron too: scheduled actions need the web's data.
    let cron = if spec.replicas == 0 {
        0
    } else {
        spec.cron.replicas
    };
    (spec.replicas, cron)
}

/// Builds the validated view around its database target.
fn validate(
    instance: &OdooInstance,
    database: DatabaseTarget,
) -> Result<ValidInstance, ValidationError> {
    let spec = &instance.spec;
    let name = instance.name_any();
    let namespace = instance
        .namespace()
        .ok_or(ValidationError::Metadata { what: "namespace" })?;
    let uid = instance
        .uid()
        .ok_or(ValidationError::Metadata { what: "uid" })?;
    let image = spec
        .image
        .clone()
        .ok_or(ValidationError::MissingDefault { field: "image" })?;
    let storage_size =
        spec.filestore
            .storage_size
            .clone()
            .ok_or(ValidationError::MissingDefault {
                field: "filestore.storageSize",
            })?;
    let ingress = spec.ingress.as_ref().map(|i| ValidIngress {
        hosts: i.hosts.clone(),
        class_name: i.class_name.clone(),
        issuer: i.issuer.clone(),
        tls_secret: i.tls.then(|| {
            i.tls_secret_name
                .clone()
                .unwrap_or_else(|| names::tls_secret(&name))
        }),
    });
    let admin_password = spec
        .admin_password_secret_ref
        .clone()
        .unwrap_or_else(|| SecretKeyRef {
            name: names::admin_secret(&name),
            key: "password".into(),
        });
    Ok(ValidInstance {
        images: Images {
            database: instance
                .status
                .as_ref()
                .and_then(|s| s.image.clone())
                .unwrap_or_else(|| image.clone()),
            spec: image,
        },
        image_pull_secrets: spec.image_pull_secrets.clone(),
        workers: spec.workers,
        cron_threads: spec.cron.threads,
        resources: spec.resources.clone(),
        cron_resources: spec
            .cron
            .resources
            .clone()
            .or_else(|| spec.resources.clone()),
        affinity: spec.affinity.clone(),
        tolerations: spec.tolerations.clone(),
        node_selector: spec.node_selector.clone(),
        ingress,
        storage_size,
        storage_class: spec.filestore.storage_class.clone(),
        database,
        config_options: spec.config_options.clone(),
        admin_password,
        db_secret: names::db_secret(&name),
        environment: spec.environment,
        deletion_policy: spec.deletion_policy,
        name,
        namespace,
        uid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs on the database run the image it is at, not a spec image an upgrade
    /// has not reached yet; before any image was approved, that is the spec's.
    #[test]
    fn the_database_image_is_the_approved_one_until_an_upgrade_reaches_the_spec() {
        let clusters = crate::build::sample_clusters();
        let mut instance = crate::build::sample_instance();
        let fresh = resolve(&instance, &clusters).expect("resolves").images;
        assert_eq!(fresh.spec, "odoo:18.0-20250101");
        assert_eq!(fresh.database, fresh.spec);
        instance.status = Some(odoo_model::instance::OdooInstanceStatus {
            image: Some("odoo:17.0-20241201".into()),
            ..Default::default()
        });
        let upgrading = resolve(&instance, &clusters).expect("resolves").images;
        assert_eq!(upgrading.spec, "odoo:18.0-20250101");
        assert_eq!(upgrading.database, "odoo:17.0-20241201");
    }

    #[test]
    fn a_stopped_instance_wants_no_cron_pods_and_a_serving_one_its_own() {
        let mut spec = crate::build::sample_instance().spec;
        spec.replicas = 2;
        spec.cron.replicas = 1;
        assert_eq!(wanted_replicas(&spec), (2, 1));
        spec.replicas = 0;
        assert_eq!(wanted_replicas(&spec), (0, 0));
    }
}
