//! The in-cluster Service in front of the web pods.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use odoo_model::names;

use super::meta::{object_meta, selector_labels};
use super::{HTTP_PORT, HTTP_PORT_NAME, WEBSOCKET_PORT, WEBSOCKET_PORT_NAME, component, prefork};
use crate::validate::ValidInstance;

/// A ClusterIP Service selecting the web pods only: cron pods run without HTTP.
pub fn service(v: &ValidInstance) -> Service {
    let mut ports = vec![port(HTTP_PORT_NAME, HTTP_PORT)];
    // Threaded Odoo serves websockets on the HTTP port and listens on no other.
    if prefork(v) {
        ports.push(port(WEBSOCKET_PORT_NAME, WEBSOCKET_PORT));
    }
    Service {
        metadata: object_meta(v, names::service(&v.name), component::WEB),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(selector_labels(v, component::WEB)),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

fn port(name: &str, number: i32) -> ServicePort {
    ServicePort {
        name: Some(name.into()),
        port: number,
        // By name, so the Service follows the container's port declaration.
        target_port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..ServicePort::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{deployment, sample, serving};

    fn ports(s: &Service) -> Vec<(Option<&str>, i32)> {
        s.spec
            .iter()
            .flat_map(|spec| spec.ports.iter().flatten())
            .map(|p| (p.name.as_deref(), p.port))
            .collect()
    }

    #[test]
    fn exposes_the_websocket_port_only_in_prefork_mode() {
        assert_eq!(
            ports(&service(&sample())),
            [(Some("http"), 8069), (Some("websocket"), 8072)]
        );
        let threaded = ValidInstance {
            workers: 0,
            ..sample()
        };
        assert_eq!(ports(&service(&threaded)), [(Some("http"), 8069)]);
    }

    #[test]
    fn selects_web_pods_and_not_cron_pods() {
        let v = sample();
        let s = service(&v);
        assert_eq!(s.metadata.name.as_deref(), Some("shop"));
        assert!(s.metadata.owner_references.is_some());
        let selector = s.spec.and_then(|spec| spec.selector).expect("selector");
        let pod_labels = |d: k8s_openapi::api::apps::v1::Deployment| {
            d.spec
                .and_then(|spec| spec.template.metadata)
                .and_then(|m| m.labels)
                .expect("labels")
        };
        let selects = |labels: &std::collections::BTreeMap<String, String>| {
            selector.iter().all(|(k, val)| labels.get(k) == Some(val))
        };
        assert!(selects(&pod_labels(deployment::web(&v, &serving(&v), "h"))));
        assert!(!selects(&pod_labels(deployment::cron(
            &v,
            &serving(&v),
            "h"
        ))));
    }
}
