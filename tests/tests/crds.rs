//! The generated CRDs against a real kube-apiserver: installed, Established, defaults
//! applied, invalid objects refused with messages a user understands.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::ResourceExt;
use kube::api::{Api, PostParams};
use odoo_model::OdooInstance;
use odoo_tests::{TestNamespace, api_server, client};

/// The harness waited for every CRD to be Established; what a user types must work
/// too: each kind's plural, short names and categories (`kubectl get odoo-all`),
/// and the versions it is served in.
#[tokio::test]
async fn every_crd_is_served_under_the_names_users_type() -> anyhow::Result<()> {
    let cp = api_server();
    let crds: Api<CustomResourceDefinition> = Api::all(client(cp).await?);
    for wanted in odoo_model::crds::all() {
        let stored = crds.get(&wanted.name_any()).await?;
        // The server fills in the list kind the generated CRD leaves out.
        let mut names = wanted.spec.names.clone();
        names
            .list_kind
            .get_or_insert_with(|| format!("{}List", names.kind));
        assert_eq!(stored.spec.names, names, "{}", wanted.name_any());
        let served = |c: &CustomResourceDefinition| -> Vec<(String, bool, bool)> {
            c.spec
                .versions
                .iter()
                .map(|v| (v.name.clone(), v.served, v.storage))
                .collect()
        };
        assert_eq!(served(&stored), served(&wanted), "{}", wanted.name_any());
        let accepted = stored
            .status
            .and_then(|s| s.accepted_names)
            .expect("accepted names");
        assert_eq!(
            accepted.short_names,
            wanted.spec.names.short_names,
            "{}: a short name is taken by another kind",
            wanted.name_any()
        );
    }
    // A discovery cache of its own: the harness's was filled before the CRDs were.
    let cache = tempfile::tempdir()?;
    let all = cp
        .kubectl()
        .env("KUBECACHEDIR", cache.path())
        .args(["get", "odoo-all", "-A", "-o", "name"])
        .output()?;
    assert!(
        all.status.success(),
        "kubectl get odoo-all: {}",
        String::from_utf8_lossy(&all.stderr)
    );
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
