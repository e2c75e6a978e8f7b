//! Pre-flight checks the user sees on the instance: an unreachable PostgreSQL
//! cluster, and a pod whose image cannot be pulled (its container status set the
//! way the kubelet would, since no kubelet pulls images here).

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, OdooInstance, OdooInstanceSpec};
use odoo_tests::operator::{
    OperatorProcess, operator_namespace, operator_namespace_with, wait_for_phase,
};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::process::free_port;
use odoo_tests::{TestNamespace, api_server};
use serde_json::json;

/// Polls until the instance's condition `type_` has `status`, returning it.
async fn wait_for_condition(
    api: &Api<OdooInstance>,
    name: &str,
    type_: &str,
    status: &str,
    op: &OperatorProcess,
) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition {
    for _ in 0..150 {
        if let Ok(i) = api.get(name).await
            && let Some(c) = i
                .status
                .unwrap_or_default()
                .conditions
                .into_iter()
                .find(|c| c.type_ == type_ && c.status == status)
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "condition {type_}={status} never appeared on {name}:\n{}",
        op.log_tail(30)
    );
}

#[tokio::test]
async fn an_unreachable_database_shows_on_the_instance() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "preflight-db").await?;
    let port = free_port();
    let yaml = format!(
        "main:\n  host: 127.0.0.1\n  port: {port}\n  adminUser: postgres\n  adminPassword: x\n  default: true\n  sslMode: disable\n"
    );
    let op_ns = operator_namespace_with(&ns, &yaml).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    api.create(
        &PostParams::default(),
        &OdooInstance::new("shop", OdooInstanceSpec::default()),
    )
    .await?;

    let c = wait_for_condition(&api, "shop", "DatabaseReady", "False", &op).await;
    assert_eq!(c.reason, "Unreachable");
    assert!(
        c.message.contains("PostgreSQL cluster main"),
        "{}",
        c.message
    );
    assert!(
        c.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        c.message
    );
    let mut events = Vec::new();
    for _ in 0..50 {
        events = ns.warnings("DatabaseUnreachable").await;
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        events.iter().any(|m| m.contains("cluster main")),
        "{events:?}"
    );
    // Nothing was rolled out against a database that is not there.
    let i = api.get("shop").await?;
    assert_eq!(
        i.status.and_then(|s| s.phase),
        Some(InstancePhase::Provisioning)
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_pod_that_cannot_pull_its_image_names_the_image() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "preflight-img").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    let spec = OdooInstanceSpec {
        image: Some("simulated/odoo:18.0-no-such-build".into()),
        ..Default::default()
    };
    api.create(&PostParams::default(), &OdooInstance::new("shop", spec))
        .await?;
    wait_for_phase(&api, "shop", InstancePhase::Initializing, &op).await;

    // A pod of the instance, as its Deployment would create it, then the status the
    // kubelet reports when the registry has no such tag.
    // No controller manager here to create the namespace's default ServiceAccount,
    // which pod admission looks up.
    let sa: k8s_openapi::api::core::v1::ServiceAccount =
        serde_json::from_value(json!({ "metadata": { "name": "default" } }))?;
    ns.api().create(&PostParams::default(), &sa).await?;
    let pods: Api<Pod> = ns.api();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {
            "name": "shop-web-abc",
            "labels": odoo_model::labels::instance_labels("shop", "web"),
        },
        "spec": { "containers": [{ "name": "odoo", "image": "simulated/odoo:18.0-no-such-build" }] },
    }))?;
    pods.create(&PostParams::default(), &pod).await?;
    let waiting = |reason: &str| {
        json!({ "status": { "containerStatuses": [{
            "name": "odoo", "image": "simulated/odoo:18.0-no-such-build", "imageID": "",
            "ready": false, "restartCount": 0,
            "state": { "waiting": { "reason": reason, "message": "manifest unknown" } }
        }]}})
    };
    pods.patch_status(
        "shop-web-abc",
        &PatchParams::default(),
        &Patch::Merge(waiting("ImagePullBackOff")),
    )
    .await?;

    let c = wait_for_condition(&api, "shop", "ImagePulled", "False", &op).await;
    assert_eq!(c.reason, "ImagePullBackOff");
    assert!(
        c.message
            .contains("image simulated/odoo:18.0-no-such-build cannot be pulled"),
        "{}",
        c.message
    );
    assert!(c.message.contains("shop-web-abc"), "{}", c.message);
    let events = ns.warnings("ImagePullFailed").await;
    assert!(
        events
            .iter()
            .any(|m| m.contains("simulated/odoo:18.0-no-such-build")),
        "{events:?}"
    );

    // Fixed (say, the tag was pushed): the condition clears.
    pods.patch_status(
        "shop-web-abc",
        &PatchParams::default(),
        &Patch::Merge(waiting("ContainerCreating")),
    )
    .await?;
    wait_for_condition(&api, "shop", "ImagePulled", "True", &op).await;
    ns.delete().await;
    Ok(())
}
