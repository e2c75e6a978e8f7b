//! The one place children's metadata is made: name, namespace, labels and the owner
//! reference that lets Kubernetes garbage-collect them with the instance.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;
use odoo_model::OdooInstance;
use odoo_model::labels::{APP_COMPONENT, INSTANCE_LABEL, instance_labels};

use crate::validate::ValidInstance;

/// Metadata of a child owned by the instance: deleted with it.
pub fn object_meta(v: &ValidInstance, name: String, component: &str) -> ObjectMeta {
    ObjectMeta {
        owner_references: Some(vec![owner_reference(v)]),
        ..retained_object_meta(v, name, component)
    }
}

/// Metadata of a child that must outlive the instance (the filestore volume under
/// `Retain`): without an owner reference the garbage collector leaves it alone, and
/// the operator deletes it itself when the policy says `Delete`.
pub fn retained_object_meta(v: &ValidInstance, name: String, component: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: Some(v.namespace.clone()),
        labels: Some(instance_labels(&v.name, component)),
        ..ObjectMeta::default()
    }
}

/// Controller reference to the instance. `blockOwnerDeletion` keeps a foreground
/// deletion of the instance waiting until its children are gone.
pub fn owner_reference(v: &ValidInstance) -> OwnerReference {
    OwnerReference {
        api_version: OdooInstance::api_version(&()).into_owned(),
        kind: OdooInstance::kind(&()).into_owned(),
        name: v.name.clone(),
        uid: v.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The labels selecting one component's pods. Deployment selectors are immutable, so
/// this is a small stable subset of [`instance_labels`] that never grows.
pub fn selector_labels(v: &ValidInstance, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (INSTANCE_LABEL.to_owned(), v.name.clone()),
        (APP_COMPONENT.to_owned(), component.to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::sample;

    #[test]
    fn owned_children_point_at_the_instance_as_controller() {
        let meta = object_meta(&sample(), "shop-web".into(), "web");
        assert_eq!(meta.name.as_deref(), Some("shop-web"));
        assert_eq!(meta.namespace.as_deref(), Some("team-a"));
        let owners = meta.owner_references.expect("owned");
        assert_eq!(owners.len(), 1);
        let owner = &owners[0];
        assert_eq!(owner.api_version, "odoo-operator.dev/v1alpha1");
        assert_eq!(owner.kind, "OdooInstance");
        assert_eq!(
            (owner.name.as_str(), owner.uid.as_str()),
            ("shop", "0b6c1f7e-uid")
        );
        assert_eq!(owner.controller, Some(true));
        assert_eq!(owner.block_owner_deletion, Some(true));
    }

    #[test]
    fn retained_children_have_no_owner_but_the_same_labels() {
        let v = sample();
        let retained = retained_object_meta(&v, "shop-filestore".into(), "filestore");
        assert!(retained.owner_references.is_none());
        assert_eq!(
            retained.labels,
            object_meta(&v, "x".into(), "filestore").labels
        );
    }

    #[test]
    fn selector_is_a_subset_of_the_labels() {
        let v = sample();
        let labels = instance_labels(&v.name, "web");
        for (key, value) in selector_labels(&v, "web") {
            assert_eq!(labels.get(&key), Some(&value));
        }
    }
}
