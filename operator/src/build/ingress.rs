//! The Ingress routing the instance's hosts to the Service.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use odoo_model::names;

use super::meta::object_meta;
use super::{HTTP_PORT, WEBSOCKET_PORT, component, prefork};
use crate::validate::ValidInstance;

/// Annotation cert-manager's ingress-shim reads to issue the TLS certificate.
pub const CLUSTER_ISSUER_ANNOTATION: &str = "cert-manager.io/cluster-issuer";

/// `None` when the instance is reachable in-cluster only.
pub fn ingress(v: &ValidInstance) -> Option<Ingress> {
    let routing = v.ingress.as_ref()?;
    let mut metadata = object_meta(v, names::ingress(&v.name), component::WEB);
    metadata.annotations = routing
        .issuer
        .as_ref()
        .map(|issuer| BTreeMap::from([(CLUSTER_ISSUER_ANNOTATION.to_owned(), issuer.clone())]));
    let tls = routing.tls_secret.as_ref().map(|secret| {
        vec![IngressTLS {
            hosts: Some(routing.hosts.clone()),
            secret_name: Some(secret.clone()),
        }]
    });
    let rules = routing
        .hosts
        .iter()
        .map(|host| IngressRule {
            host: Some(host.clone()),
            http: Some(HTTPIngressRuleValue { paths: paths(v) }),
        })
        .collect();
    Some(Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: routing.class_name.clone(),
            tls,
            rules: Some(rules),
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    })
}

/// Prefork Odoo serves the live bus on the gevent port; threaded Odoo serves it on
/// the HTTP port and has nothing listening on 8072, so routing `/websocket` there
/// would break live updates.
fn paths(v: &ValidInstance) -> Vec<HTTPIngressPath> {
    let mut paths = Vec::new();
    if prefork(v) {
        paths.push(path(v, "/websocket", WEBSOCKET_PORT));
    }
    paths.push(path(v, "/", HTTP_PORT));
    paths
}

fn path(v: &ValidInstance, prefix: &str, port: i32) -> HTTPIngressPath {
    HTTPIngressPath {
        path: Some(prefix.into()),
        path_type: "Prefix".into(),
        backend: IngressBackend {
            service: Some(IngressServiceBackend {
                name: names::service(&v.name),
                port: Some(ServiceBackendPort {
                    number: Some(port),
                    name: None,
                }),
            }),
            resource: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::sample;
    use crate::validate::ValidIngress;

    /// (host, path, service port) of every route.
    fn routes(i: &Ingress) -> Vec<(String, String, i32)> {
        let rules = i
            .spec
            .as_ref()
            .and_then(|s| s.rules.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        for rule in rules {
            for p in rule.http.map(|h| h.paths).unwrap_or_default() {
                let service = p.backend.service.expect("service backend");
                assert_eq!(service.name, "shop");
                let port = service
                    .port
                    .and_then(|port| port.number)
                    .expect("port number");
                out.push((
                    rule.host.clone().unwrap_or_default(),
                    p.path.unwrap_or_default(),
                    port,
                ));
            }
        }
        out
    }

    fn route(host: &str, path: &str, port: i32) -> (String, String, i32) {
        (host.into(), path.into(), port)
    }

    #[test]
    fn no_ingress_without_routing() {
        assert!(
            ingress(&ValidInstance {
                ingress: None,
                ..sample()
            })
            .is_none()
        );
    }

    #[test]
    fn prefork_routes_websocket_to_the_gevent_port() {
        let i = ingress(&sample()).expect("ingress");
        assert_eq!(i.metadata.name.as_deref(), Some("shop"));
        assert!(i.metadata.owner_references.is_some());
        assert_eq!(
            routes(&i),
            [
                route("erp.example.com", "/websocket", 8072),
                route("erp.example.com", "/", 8069)
            ]
        );
    }

    #[test]
    fn threaded_mode_never_routes_to_the_gevent_port() {
        let v = ValidInstance {
            workers: 0,
            ..sample()
        };
        assert_eq!(
            routes(&ingress(&v).expect("ingress")),
            [route("erp.example.com", "/", 8069)]
        );
    }

    #[test]
    fn every_host_is_routed() {
        let mut v = ValidInstance {
            workers: 0,
            ..sample()
        };
        if let Some(routing) = v.ingress.as_mut() {
            routing.hosts = vec!["a.example.com".into(), "b.example.com".into()];
        }
        let hosts: Vec<String> = routes(&ingress(&v).expect("ingress"))
            .into_iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(hosts, ["a.example.com", "b.example.com"]);
    }

    #[test]
    fn tls_and_issuer_follow_the_spec() {
        let i = ingress(&sample()).expect("ingress");
        let annotations = i.metadata.annotations.expect("annotations");
        assert_eq!(
            annotations
                .get(CLUSTER_ISSUER_ANNOTATION)
                .map(String::as_str),
            Some("letsencrypt")
        );
        let spec = i.spec.expect("spec");
        assert_eq!(spec.ingress_class_name.as_deref(), Some("nginx"));
        let tls = spec.tls.expect("tls");
        assert_eq!(tls[0].secret_name.as_deref(), Some("shop-tls"));
        assert_eq!(tls[0].hosts, Some(vec!["erp.example.com".to_owned()]));

        let plain = ValidIngress {
            issuer: None,
            tls_secret: None,
            class_name: None,
            hosts: vec!["erp.example.com".into()],
        };
        let i = ingress(&ValidInstance {
            ingress: Some(plain),
            ..sample()
        })
        .expect("ingress");
        assert!(i.metadata.annotations.is_none());
        let spec = i.spec.expect("spec");
        assert!(spec.tls.is_none() && spec.ingress_class_name.is_none());
    }
}
