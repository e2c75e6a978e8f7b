//! The web Deployment (HTTP, no cron threads) and the cron Deployment (scheduled
//! actions, no HTTP). Split so cron can be stopped for upgrades and sized on its own.

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::{Container, ContainerPort, HTTPGetAction, Probe};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use odoo_model::names;

use super::meta::{object_meta, selector_labels};
use super::pod::{config_flag, container, template};
use super::{HTTP_PORT, HTTP_PORT_NAME, WEBSOCKET_PORT, WEBSOCKET_PORT_NAME, component, prefork};
use crate::validate::ValidInstance;

/// Answers 200 once Odoo's HTTP server is up, without touching the database.
const HEALTH_PATH: &str = "/web/health";

/// Replicas and image of the two Deployments: what the instance's decision serves,
/// given to the builders beside the resolved view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workloads {
    pub web_replicas: i32,
    pub cron_replicas: i32,
    pub image: String,
}

/// The web pods, selected by the Service.
pub fn web(v: &ValidInstance, w: &Workloads, config_hash: &str) -> Deployment {
    let mut ports = vec![port(HTTP_PORT_NAME, HTTP_PORT)];
    if prefork(v) {
        ports.push(port(WEBSOCKET_PORT_NAME, WEBSOCKET_PORT));
    }
    let odoo = Container {
        ports: Some(ports),
        // A slow first start (asset bundles, module loading) is the startup probe's
        // business, so liveness can stay strict enough to catch a hung server.
        startup_probe: Some(health_probe(10, 5, 30)),
        readiness_probe: Some(health_probe(10, 5, 3)),
        // Long reports can keep every worker busy for a while: only restart a pod
        // that has not answered for about three minutes.
        liveness_probe: Some(health_probe(30, 10, 6)),
        ..container(
            &w.image,
            vec![config_flag(), "--max-cron-threads=0".into()],
            v.resources.clone(),
        )
    };
    Deployment {
        metadata: object_meta(v, names::web_deployment(&v.name), component::WEB),
        spec: Some(DeploymentSpec {
            replicas: Some(w.web_replicas),
            selector: LabelSelector {
                match_labels: Some(selector_labels(v, component::WEB)),
                ..LabelSelector::default()
            },
            // Keep full capacity during a rollout; the filestore is ReadWriteMany, so
            // old and new pods can share it.
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            template: template(v, component::WEB, odoo, config_hash),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// The cron pods. No HTTP server, so no ports or probes, and a component label the
/// Service does not select.
pub fn cron(v: &ValidInstance, w: &Workloads, config_hash: &str) -> Deployment {
    let args = vec![
        config_flag(),
        "--no-http".into(),
        format!("--max-cron-threads={}", v.cron_threads),
    ];
    let odoo = container(&w.image, args, v.cron_resources.clone());
    Deployment {
        metadata: object_meta(v, names::cron_deployment(&v.name), component::CRON),
        spec: Some(DeploymentSpec {
            replicas: Some(w.cron_replicas),
            selector: LabelSelector {
                match_labels: Some(selector_labels(v, component::CRON)),
                ..LabelSelector::default()
            },
            // Cron serves nobody, so nothing is lost by stopping the old pod first,
            // and two images never run scheduled actions side by side.
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".into()),
                rolling_update: None,
            }),
            template: template(v, component::CRON, odoo, config_hash),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

fn port(name: &str, number: i32) -> ContainerPort {
    ContainerPort {
        name: Some(name.into()),
        container_port: number,
        protocol: Some("TCP".into()),
        ..ContainerPort::default()
    }
}

fn health_probe(period_seconds: i32, timeout_seconds: i32, failure_threshold: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(HEALTH_PATH.into()),
            port: IntOrString::String(HTTP_PORT_NAME.into()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period_seconds),
        timeout_seconds: Some(timeout_seconds),
        failure_threshold: Some(failure_threshold),
        ..Probe::default()
    }
}

#[cfg(test)]
mod tests {
    use odoo_model::labels::CONFIG_HASH_ANNOTATION;

    use super::*;
    use crate::build::{odoo_of as odoo, sample, serving};

    fn port_names(c: &Container) -> Vec<&str> {
        c.ports
            .iter()
            .flatten()
            .filter_map(|p| p.name.as_deref())
            .collect()
    }

    #[test]
    fn web_runs_odoo_from_the_mounted_config_without_cron() {
        let d = web(&sample(), &serving(&sample()), "abc");
        assert_eq!(d.metadata.name.as_deref(), Some("shop-web"));
        assert!(d.metadata.owner_references.is_some());
        let spec = d.spec.as_ref().expect("spec");
        assert_eq!(spec.replicas, Some(2));
        let c = odoo(&d);
        assert_eq!(c.image.as_deref(), Some("odoo:18.0-20250101"));
        assert_eq!(c.command, Some(vec!["odoo".to_owned()]));
        assert_eq!(
            c.args,
            Some(vec![
                "--config=/etc/odoo/odoo.conf".to_owned(),
                "--max-cron-threads=0".to_owned()
            ])
        );
    }

    #[test]
    fn websocket_port_only_in_prefork_mode() {
        assert_eq!(
            port_names(odoo(&web(&sample(), &serving(&sample()), "h"))),
            ["http", "websocket"]
        );
        let threaded = ValidInstance {
            workers: 0,
            ..sample()
        };
        assert_eq!(
            port_names(odoo(&web(&threaded, &serving(&threaded), "h"))),
            ["http"]
        );
    }

    #[test]
    fn web_is_probed_on_the_health_endpoint() {
        let d = web(&sample(), &serving(&sample()), "h");
        let c = odoo(&d);
        for probe in [&c.startup_probe, &c.readiness_probe, &c.liveness_probe] {
            let get = probe
                .as_ref()
                .and_then(|p| p.http_get.as_ref())
                .expect("http probe");
            assert_eq!(get.path.as_deref(), Some("/web/health"));
            assert_eq!(get.port, IntOrString::String("http".into()));
        }
    }

    #[test]
    fn the_selector_matches_the_pods_and_is_stable() {
        let v = sample();
        for d in [web(&v, &serving(&v), "h"), cron(&v, &serving(&v), "h")] {
            let spec = d.spec.as_ref().expect("spec");
            let selector = spec.selector.match_labels.as_ref().expect("selector");
            let labels = spec
                .template
                .metadata
                .as_ref()
                .and_then(|m| m.labels.as_ref())
                .expect("labels");
            assert_eq!(selector.len(), 2);
            assert!(selector.iter().all(|(k, val)| labels.get(k) == Some(val)));
        }
        // A different hash or image must not change the immutable selector.
        let mut changed = v.clone();
        changed.images.spec = "odoo:18.0-20250202".into();
        assert_eq!(
            web(&v, &serving(&v), "a").spec.map(|s| s.selector),
            web(&changed, &serving(&changed), "b")
                .spec
                .map(|s| s.selector)
        );
    }

    /// Policies select an environment's pods by its label; a change of
    /// environment relabels the pods (a rollout) and never touches the immutable
    /// selector.
    #[test]
    fn the_pods_carry_the_environment_outside_the_selector() {
        use odoo_model::instance::Environment;
        use odoo_model::labels::ENVIRONMENT_LABEL;
        let production = sample();
        let staging = ValidInstance {
            environment: Environment::Staging,
            ..production.clone()
        };
        for (v, expected) in [(&production, "production"), (&staging, "staging")] {
            for d in [web(v, &serving(v), "h"), cron(v, &serving(v), "h")] {
                let spec = d.spec.expect("spec");
                let labels = spec.template.metadata.and_then(|m| m.labels);
                let label = labels.as_ref().and_then(|l| l.get(ENVIRONMENT_LABEL));
                assert_eq!(label.map(String::as_str), Some(expected));
                let selector = spec.selector.match_labels.expect("selector");
                assert!(!selector.contains_key(ENVIRONMENT_LABEL));
            }
        }
        assert_eq!(
            web(&production, &serving(&production), "h")
                .spec
                .map(|s| s.selector),
            web(&staging, &serving(&staging), "h")
                .spec
                .map(|s| s.selector)
        );
    }

    #[test]
    fn a_new_config_hash_rolls_the_pods() {
        let v = sample();
        for (d, hash) in [
            (web(&v, &serving(&v), "one"), "one"),
            (cron(&v, &serving(&v), "two"), "two"),
        ] {
            let annotations = d
                .spec
                .and_then(|s| s.template.metadata)
                .and_then(|m| m.annotations)
                .expect("annotations");
            assert_eq!(
                annotations.get(CONFIG_HASH_ANNOTATION).map(String::as_str),
                Some(hash)
            );
        }
    }

    #[test]
    fn cron_runs_scheduled_actions_without_http() {
        use k8s_openapi::api::core::v1::ResourceRequirements;
        use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

        let resources = ResourceRequirements {
            requests: Some([("memory".to_owned(), Quantity("1Gi".into()))].into()),
            ..ResourceRequirements::default()
        };
        let v = ValidInstance {
            cron_resources: Some(resources.clone()),
            ..sample()
        };
        let d = cron(&v, &serving(&v), "h");
        assert_eq!(d.metadata.name.as_deref(), Some("shop-cron"));
        assert_eq!(d.spec.as_ref().and_then(|s| s.replicas), Some(1));
        let c = odoo(&d);
        let args = c.args.clone().expect("args");
        assert!(args.contains(&"--no-http".to_owned()));
        assert!(args.contains(&"--max-cron-threads=3".to_owned()));
        assert!(c.ports.is_none());
        assert!(
            c.startup_probe.is_none() && c.readiness_probe.is_none() && c.liveness_probe.is_none()
        );
        assert_eq!(c.resources, Some(resources));
        let labels = d
            .spec
            .and_then(|s| s.template.metadata)
            .and_then(|m| m.labels)
            .expect("labels");
        assert_eq!(
            labels
                .get("app.kubernetes.io/component")
                .map(String::as_str),
            Some("cron")
        );
    }
}
