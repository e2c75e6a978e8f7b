//! Where an instance serves, for `status`: its Ready web pods' addresses.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use odoo_model::labels::instance_selector;

use crate::error::CliError;

/// The addresses of the instance's Ready web pods, sorted.
pub async fn serving(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Vec<String>, CliError> {
    let selector = format!(
        "{},{}=web",
        instance_selector(name),
        odoo_model::labels::APP_COMPONENT
    );
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(CliError::api("listing the instance's web pods"))?;
    let mut addresses: Vec<String> = list.items.iter().filter_map(address).collect();
    addresses.sort();
    Ok(addresses)
}

/// `http://<pod IP>:<port>` of a Ready pod that is not going away; the port is its
/// first container's first.
fn address(pod: &Pod) -> Option<String> {
    if pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let status = pod.status.as_ref()?;
    let ready = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    let ip = status
        .pod_ip
        .as_deref()
        .filter(|ip| ready && !ip.is_empty())?;
    let port = pod
        .spec
        .as_ref()?
        .containers
        .first()?
        .ports
        .iter()
        .flatten()
        .next()?
        .container_port;
    Some(format!("http://{ip}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_web_pod_serves_once_ready_at_its_address_and_port() {
        let pod = |ready: &str, ip: &str, deleting: bool| -> Pod {
            let mut p: Pod = serde_json::from_value(serde_json::json!({
                "spec": { "containers": [{ "name": "odoo",
                    "ports": [{ "name": "http", "containerPort": 8069 }] }] },
                "status": { "podIP": ip, "conditions": [{ "type": "Ready", "status": ready }] },
            }))
            .expect("pod");
            if deleting {
                p.metadata.deletion_timestamp =
                    Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                        k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
                    ));
            }
            p
        };
        assert_eq!(
            address(&pod("True", "10.1.2.3", false)).as_deref(),
            Some("http://10.1.2.3:8069")
        );
        assert_eq!(address(&pod("False", "10.1.2.3", false)), None);
        assert_eq!(address(&pod("True", "", false)), None);
        assert_eq!(address(&pod("True", "10.1.2.3", true)), None);
    }
}
