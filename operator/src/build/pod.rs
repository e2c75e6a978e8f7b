//! The pod template shared by the web and cron Deployments: same image, volumes and
//! hardening, so the two can never disagree about where the config and data live.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, KeyToPath, LocalObjectReference,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecretVolumeSource, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use odoo_model::labels::{CONFIG_HASH_ANNOTATION, ENVIRONMENT_LABEL, instance_labels};
use odoo_model::names;

use super::{CONFIG_DIR, CONFIG_FILE, DATA_DIR};
use crate::validate::ValidInstance;

/// The `odoo` user and group of the official images.
pub const ODOO_UID: i64 = 101;
pub const CONTAINER_NAME: &str = "odoo";

/// The Odoo container without ports or probes. `command` replaces the image's
/// entrypoint script, which would copy the database password from odoo.conf onto
/// the command line (visible in `ps`); Odoo reads the mounted file itself.
pub fn container(
    image: &str,
    args: Vec<String>,
    resources: Option<ResourceRequirements>,
) -> Container {
    Container {
        name: CONTAINER_NAME.into(),
        image: Some(image.to_owned()),
        command: Some(vec!["odoo".into()]),
        args: Some(args),
        resources,
        volume_mounts: Some(vec![
            mount("config", CONFIG_DIR, true),
            mount("filestore", DATA_DIR, false),
            // Odoo writes uploads and report rendering scratch files here; the root
            // filesystem is read-only.
            mount("tmp", "/tmp", false),
        ]),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                ..Capabilities::default()
            }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}

/// The labels of every pod of the instance: its children's, and its environment.
fn pod_labels(v: &ValidInstance, component: &str) -> BTreeMap<String, String> {
    let mut labels = instance_labels(&v.name, component);
    labels.insert(
        ENVIRONMENT_LABEL.to_owned(),
        v.environment.label_value().to_owned(),
    );
    labels
}

/// The command-line flag naming the mounted configuration file.
pub fn config_flag() -> String {
    format!("--config={CONFIG_DIR}/{CONFIG_FILE}")
}

/// A pod template around `container`, labelled for `component` and the
/// instance's environment (what policies select its pods by; not part of any
/// selector, so a change relabels the pods) and carrying the config hash so a
/// configuration change rolls the pods.
pub fn template(
    v: &ValidInstance,
    component: &str,
    container: Container,
    config_hash: &str,
) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels(v, component)),
            annotations: Some(BTreeMap::from([(
                CONFIG_HASH_ANNOTATION.to_owned(),
                config_hash.to_owned(),
            )])),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            containers: vec![container],
            volumes: Some(volumes(v)),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(ODOO_UID),
                run_as_group: Some(ODOO_UID),
                fs_group: Some(ODOO_UID),
                // A large filestore would be re-chowned file by file on every start.
                fs_group_change_policy: Some("OnRootMismatch".into()),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..SeccompProfile::default()
                }),
                ..PodSecurityContext::default()
            }),
            // Odoo never talks to the Kubernetes API, and service links would flood
            // the environment with variables of every Service in the namespace.
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            image_pull_secrets: non_empty(
                v.image_pull_secrets
                    .iter()
                    .map(|name| LocalObjectReference { name: name.clone() })
                    .collect(),
            ),
            affinity: v.affinity.clone(),
            tolerations: non_empty(v.tolerations.clone()),
            node_selector: (!v.node_selector.is_empty()).then(|| v.node_selector.clone()),
            ..PodSpec::default()
        }),
    }
}

fn volumes(v: &ValidInstance) -> Vec<Volume> {
    vec![
        Volume {
            name: "config".into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(names::config_secret(&v.name)),
                items: Some(vec![KeyToPath {
                    key: CONFIG_FILE.into(),
                    path: CONFIG_FILE.into(),
                    mode: None,
                }]),
                // Owner and group (fsGroup) only: the file holds the passwords.
                default_mode: Some(0o440),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        },
        Volume {
            name: "filestore".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: names::filestore_pvc(&v.name),
                read_only: None,
            }),
            ..Volume::default()
        },
        Volume {
            name: "tmp".into(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        },
    ]
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

/// Empty lists are left out so server-side apply does not own an empty field.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

#[cfg(test)]
mod tests {

    use crate::build::deployment::{cron, web};
    use crate::build::{odoo_of as odoo, pod_of as pod, sample, serving};

    #[test]
    fn pods_get_no_secret_in_their_spec() {
        let v = sample();
        for d in [web(&v, &serving(&v), "h"), cron(&v, &serving(&v), "h")] {
            let c = odoo(&d);
            assert!(c.env.is_none() && c.env_from.is_none());
            let config = pod(&d)
                .volumes
                .iter()
                .flatten()
                .find(|vol| vol.name == "config")
                .expect("config volume");
            let secret = config.secret.as_ref().expect("from a Secret");
            assert_eq!(secret.secret_name.as_deref(), Some("shop-config"));
        }
    }

    #[test]
    fn pods_mount_config_read_only_and_the_shared_filestore() {
        let v = sample();
        for d in [web(&v, &serving(&v), "h"), cron(&v, &serving(&v), "h")] {
            let mounts = odoo(&d).volume_mounts.clone().expect("mounts");
            let at = |path: &str| {
                mounts
                    .iter()
                    .find(|m| m.mount_path == path)
                    .expect(path)
                    .clone()
            };
            assert_eq!(at("/etc/odoo").read_only, Some(true));
            assert_eq!(at("/var/lib/odoo").name, "filestore");
            assert_eq!(at("/tmp").name, "tmp");
            let volumes = pod(&d).volumes.clone().expect("volumes");
            let filestore = volumes
                .iter()
                .find(|vol| vol.name == "filestore")
                .expect("filestore");
            let claim = filestore.persistent_volume_claim.as_ref().expect("pvc");
            assert_eq!(claim.claim_name, "shop-filestore");
        }
    }

    #[test]
    fn pods_run_unprivileged() {
        let v = sample();
        for d in [web(&v, &serving(&v), "h"), cron(&v, &serving(&v), "h")] {
            let spec = pod(&d);
            let psc = spec
                .security_context
                .as_ref()
                .expect("pod security context");
            assert_eq!(psc.run_as_non_root, Some(true));
            assert_eq!(
                (psc.run_as_user, psc.run_as_group, psc.fs_group),
                (Some(101), Some(101), Some(101))
            );
            assert_eq!(
                psc.seccomp_profile.as_ref().map(|p| p.type_.as_str()),
                Some("RuntimeDefault")
            );
            assert_eq!(spec.enable_service_links, Some(false));
            let csc = odoo(&d)
                .security_context
                .as_ref()
                .expect("container security context");
            assert_eq!(csc.allow_privilege_escalation, Some(false));
            assert_eq!(csc.read_only_root_filesystem, Some(true));
            let drop = csc.capabilities.as_ref().and_then(|c| c.drop.clone());
            assert_eq!(drop, Some(vec!["ALL".to_owned()]));
        }
    }

    #[test]
    fn scheduling_and_pull_secrets_come_from_the_spec() {
        let d = web(&sample(), &serving(&sample()), "h");
        let spec = pod(&d);
        assert_eq!(
            spec.node_selector
                .as_ref()
                .and_then(|n| n.get("pool"))
                .map(String::as_str),
            Some("odoo")
        );
        let pull: Vec<&str> = spec
            .image_pull_secrets
            .iter()
            .flatten()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(pull, ["regcred"]);
        assert!(spec.tolerations.is_none(), "empty lists are left out");
    }
}
