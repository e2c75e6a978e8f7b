//! Spec defaulting: fills every unset field the operator has a default for, so
//! `kubectl get odoo X -o yaml` shows exactly what runs. Only unset fields are
//! written; a user's value is never replaced.

use odoo_model::OdooInstanceSpec;
use serde_json::{Map, Value, json};

use crate::config::OperatorConfig;
use crate::pg::clusters::PgClusters;
use crate::validate::ValidationError;

/// The defaults patch of `instance`: its database on the contract's default cluster
/// when the spec names none, under `<namespace>_<name>` when it names no database.
/// A contract that cannot be read, or has no default cluster the spec needs, is a
/// reason the instance cannot be resolved.
pub fn for_instance(
    instance: &odoo_model::OdooInstance,
    config: &OperatorConfig,
    clusters: Result<&PgClusters, &String>,
) -> Result<Option<(Value, Vec<&'static str>)>, ValidationError> {
    use kube::ResourceExt as _;
    let clusters = clusters.map_err(|message| ValidationError::Cluster(message.clone()))?;
    let default_cluster = match &instance.spec.database.cluster {
        Some(_) => None,
        None => Some(
            clusters
                .default_cluster()
                .map_err(|e| ValidationError::Cluster(e.to_string()))?
                .0,
        ),
    };
    let (namespace, name) = (
        instance.namespace().unwrap_or_default(),
        instance.name_any(),
    );
    // An instance reconciled before roles were recorded (it has a finalizer) keeps
    // the role it was given then.
    let reconciled_before = instance.finalizers().iter().any(|f| {
        f == odoo_model::labels::INSTANCE_FINALIZER
            || f == odoo_model::labels::LEGACY_KOPF_FINALIZER
    });
    let names = DatabaseNames {
        name: odoo_model::names::default_database(&namespace, &name),
        role: if reconciled_before {
            odoo_model::names::legacy_database_role(&namespace, &name)
        } else {
            odoo_model::names::database_role(&namespace, &name)
        },
    };
    Ok(patch(&instance.spec, config, default_cluster, &names))
}

/// The database name and role an instance gets when its spec names none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseNames {
    pub name: String,
    pub role: String,
}

/// The merge patch that fills the unset defaults, and the field names it sets, or
/// `None` when nothing is missing. `default_cluster` is the pg-clusters Secret's
/// default cluster, resolved only when the spec names none; `database` the name and
/// role the database gets when the spec names none (both immutable once written).
pub fn patch(
    spec: &OdooInstanceSpec,
    config: &OperatorConfig,
    default_cluster: Option<&str>,
    database: &DatabaseNames,
) -> Option<(Value, Vec<&'static str>)> {
    let mut out = Map::new();
    let mut fields = Vec::new();
    let mut set = |path: &'static str, value: Value, fields: &mut Vec<&'static str>| {
        let mut cursor = &mut out;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                cursor.insert(part.to_owned(), value.clone());
            } else {
                cursor = cursor
                    .entry(part.to_owned())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("patch paths only nest objects");
            }
        }
        fields.push(path);
    };
    if spec.image.is_none() && !config.image.is_empty() {
        set("image", json!(config.image), &mut fields);
    }
    if spec.filestore.storage_size.is_none() && !config.storage_size.is_empty() {
        set(
            "filestore.storageSize",
            json!(config.storage_size),
            &mut fields,
        );
    }
    if let (None, Some(class)) = (&spec.filestore.storage_class, &config.storage_class) {
        set("filestore.storageClass", json!(class), &mut fields);
    }
    if let Some(ingress) = &spec.ingress {
        if let (None, Some(class)) = (&ingress.class_name, &config.ingress_class) {
            set("ingress.className", json!(class), &mut fields);
        }
        if let (None, Some(issuer)) = (&ingress.issuer, &config.ingress_issuer) {
            set("ingress.issuer", json!(issuer), &mut fields);
        }
    }
    if let (None, Some(resources)) = (&spec.resources, &config.resources) {
        set("resources", json!(resources), &mut fields);
    }
    if let (None, Some(affinity)) = (&spec.affinity, &config.affinity) {
        set("affinity", json!(affinity), &mut fields);
    }
    if spec.tolerations.is_empty() && !config.tolerations.is_empty() {
        set("tolerations", json!(config.tolerations), &mut fields);
    }
    if let (None, Some(cluster)) = (&spec.database.cluster, default_cluster) {
        set("database.cluster", json!(cluster), &mut fields);
    }
    if spec.database.name.is_none() {
        set("database.name", json!(database.name), &mut fields);
    }
    if spec.database.role.is_none() {
        set("database.role", json!(database.role), &mut fields);
    }
    (!fields.is_empty()).then(|| (json!({ "spec": out }), fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> DatabaseNames {
        DatabaseNames {
            name: "ns_shop".into(),
            role: "odoo_ns_shop".into(),
        }
    }

    fn config() -> OperatorConfig {
        OperatorConfig {
            image: "odoo:18.0-20250101".into(),
            storage_size: "10Gi".into(),
            ingress_class: Some("nginx".into()),
            ..Default::default()
        }
    }

    #[test]
    fn only_unset_fields_are_filled() {
        let mut spec = OdooInstanceSpec {
            image: Some("odoo:17.0-1".into()),
            ..Default::default()
        };
        spec.ingress = Some(odoo_model::instance::IngressSpec {
            hosts: vec!["a.example".into()],
            ..Default::default()
        });
        let (patch, fields) =
            patch(&spec, &config(), Some("pg-main"), &names()).expect("something to default");
        assert_eq!(
            fields,
            [
                "filestore.storageSize",
                "ingress.className",
                "database.cluster",
                "database.name",
                "database.role"
            ]
        );
        assert_eq!(patch["spec"]["filestore"]["storageSize"], "10Gi");
        assert_eq!(patch["spec"]["database"]["cluster"], "pg-main");
        assert!(
            patch["spec"].get("image").is_none(),
            "the user's image stays"
        );
    }

    #[test]
    fn a_fully_defaulted_spec_needs_no_patch() {
        let mut spec = OdooInstanceSpec {
            image: Some("odoo:18.0-1".into()),
            ..Default::default()
        };
        spec.filestore.storage_size = Some("5Gi".into());
        spec.database.cluster = Some("pg".into());
        spec.database.name = Some("shop".into());
        spec.database.role = Some("odoo_shop".into());
        assert!(patch(&spec, &config(), Some("pg"), &names()).is_none());
    }
}
