//! The filestore volume. It carries no owner reference so that deleting the instance
//! under `Retain` keeps the attachments; under `Delete` the operator removes it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use odoo_model::names;

use super::component;
use super::meta::retained_object_meta;
use crate::validate::ValidInstance;

/// A ReadWriteMany claim, shared by every web and cron pod.
pub fn filestore_pvc(v: &ValidInstance) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: retained_object_meta(v, names::filestore_pvc(&v.name), component::FILESTORE),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteMany".into()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(v.storage_size.clone()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            storage_class_name: v.storage_class.clone(),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::sample;

    #[test]
    fn survives_the_instance_and_is_shared() {
        let pvc = filestore_pvc(&sample());
        assert_eq!(pvc.metadata.name.as_deref(), Some("shop-filestore"));
        assert!(
            pvc.metadata.owner_references.is_none(),
            "the garbage collector must not delete the filestore"
        );
        let labels = pvc.metadata.labels.expect("labels");
        assert_eq!(
            labels.get("odoo-operator.dev/instance").map(String::as_str),
            Some("shop")
        );
        let spec = pvc.spec.expect("spec");
        assert_eq!(spec.access_modes, Some(vec!["ReadWriteMany".to_owned()]));
        assert_eq!(spec.storage_class_name.as_deref(), Some("nfs"));
        let requests = spec.resources.and_then(|r| r.requests).expect("requests");
        assert_eq!(requests.get("storage"), Some(&Quantity("10Gi".into())));
    }

    #[test]
    fn no_storage_class_means_the_cluster_default() {
        let v = ValidInstance {
            storage_class: None,
            ..sample()
        };
        assert_eq!(
            filestore_pvc(&v).spec.and_then(|s| s.storage_class_name),
            None
        );
    }
}
