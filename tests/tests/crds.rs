//! The generated CRDs against a real kube-apiserver: installed, Established, defaults
//! applied, invalid objects refused with messages a user understands.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::ResourceExt;
use kube::api::{Api, PostParams};
use odoo_model::OdooInstance;
use odoo_tests::{TestNamespace, api_server, client};

#[tokio::test]
async fn every_crd_is_established() -> anyhow::Result<()> {
    let cp = api_server();
    let crds: Api<CustomResourceDefinition> = Api::all(client(cp).await?);
    for wanted in odoo_model::crds::all() {
        let crd = crds.get(&wanted.name_any()).await?;
        let established = crd
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .into_iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        assert!(established, "{} is not Established", wanted.name_any());
    }
    Ok(())
}

#[tokio::test]
async fn a_minimal_instance_is_stored_with_schema_defaults() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "defaults").await?;
    let api: Api<OdooInstance> = ns.api();
    let minimal: OdooInstance = serde_json::from_value(serde_json::json!({
        "apiVersion": "odoo-operator.dev/v1alpha1",
        "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": {}
    }))?;
    let stored = api.create(&PostParams::default(), &minimal).await?;
    // Read back through the raw JSON so the assertion sees what the server stored,
    // not what our serde defaults would fill in.
    let raw: Api<kube::api::DynamicObject> = Api::namespaced_with(
        ns.client.clone(),
        &ns.name,
        &kube::api::ApiResource::erase::<OdooInstance>(&()),
    );
    let spec = raw.get("shop").await?.data["spec"].clone();
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["workers"], 2);
    assert_eq!(spec["cron"]["replicas"], 1);
    assert_eq!(spec["deletionPolicy"], "Retain");
    assert_eq!(spec["environment"], "Production");
    assert_eq!(spec["autoUpgrade"]["enabled"], true);
    assert_eq!(spec["init"]["modules"], serde_json::json!(["base"]));
    assert_eq!(
        stored.spec.deletion_policy,
        odoo_model::instance::DeletionPolicy::Retain
    );
    ns.delete().await;
    Ok(())
}
