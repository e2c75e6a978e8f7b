//! What a user sees through real kubectl against the test API server: printer
//! columns, `kubectl explain` text, and the plugin found by kubectl's discovery.

use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, OdooInstance, OdooInstanceSpec, OdooInstanceStatus};
use odoo_tests::{TestNamespace, api_server, workspace_binary};

#[tokio::test]
async fn kubectl_get_shows_the_printer_columns() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "columns").await?;
    let api: Api<OdooInstance> = ns.api();
    api.create(
        &PostParams::default(),
        &OdooInstance::new("shop", OdooInstanceSpec::default()),
    )
    .await?;
    let status = OdooInstanceStatus {
        phase: Some(InstancePhase::Running),
        odoo_version: Some("18.0".into()),
        ready: Some("1/1".into()),
        url: Some("https://shop.example.com".into()),
        last_backup: Some(odoo_model::instance::LastBackup {
            name: "nightly".into(),
            completion_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::now()
                    - k8s_openapi::jiff::SignedDuration::from_hours(72),
            ),
            size_bytes: None,
            verified: None,
        }),
        ..Default::default()
    };
    api.patch_status(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({ "status": status })),
    )
    .await?;

    let out = cp.kubectl_output(&["get", "odooinstances", "-n", &ns.name])?;
    let mut lines = out.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        // "LAST BACKUP" is one column, two words.
        [
            "NAME", "PHASE", "VERSION", "READY", "URL", "LAST", "BACKUP", "AGE"
        ]
    );
    let row: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        &row[..6],
        [
            "shop",
            "Running",
            "18.0",
            "1/1",
            "https://shop.example.com",
            "3d"
        ]
    );

    // The short name works and -o wide adds image and cluster.
    let wide = cp.kubectl_output(&["get", "odoo", "-n", &ns.name, "-o", "wide"])?;
    let header = wide.lines().next().unwrap_or_default();
    assert!(
        header.contains("IMAGE") && header.contains("CLUSTER"),
        "wide header: {header}"
    );
    ns.delete().await;
    Ok(())
}

#[test]
fn kubectl_explain_shows_the_field_docs() -> anyhow::Result<()> {
    let cp = api_server();
    let spec = cp.kubectl_output(&["explain", "odooinstance.spec"])?;
    assert!(spec.contains("Desired state of an Odoo instance"), "{spec}");
    assert!(spec.contains("deletionPolicy"), "{spec}");
    let replicas = cp.kubectl_output(&["explain", "odooinstance.spec.cron.replicas"])?;
    assert!(
        replicas.contains("Number of cron pods; `0` disables scheduled actions."),
        "{replicas}"
    );
    let image = cp.kubectl_output(&["explain", "odooinstance.spec.image"])?;
    assert!(image.contains("pinned to a tag or digest"), "{image}");
    Ok(())
}

#[test]
fn kubectl_finds_the_plugin_and_it_reports_versions() -> anyhow::Result<()> {
    let cp = api_server();
    let plugin = workspace_binary("kubectl-odoo", "kubectl-odoo");
    let bin_dir = tempfile::tempdir()?;
    std::os::unix::fs::symlink(&plugin, bin_dir.path().join("kubectl-odoo"))?;
    let path = format!(
        "{}:{}",
        bin_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let list = cp
        .kubectl()
        .env("PATH", &path)
        .args(["plugin", "list"])
        .output()?;
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("kubectl-odoo"),
        "kubectl plugin list: {list:?}"
    );

    let out = cp
        .kubectl()
        .env("PATH", &path)
        .args(["odoo", "version"])
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "kubectl odoo version failed: {out:?}");
    let model = odoo_model::MODEL_VERSION;
    assert!(
        stdout.contains(&format!("Plugin:   {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("CRDs:     {model}")), "{stdout}");

    let json = cp
        .kubectl()
        .env("PATH", &path)
        .args(["odoo", "version", "-o", "json"])
        .output()?;
    let v: serde_json::Value = serde_json::from_slice(&json.stdout)?;
    assert_eq!(v["crd"], model);

    // An unreachable cluster is an error exit, not a silent success.
    let broken = cp
        .kubectl()
        .env("PATH", &path)
        .args(["odoo", "version", "--kubeconfig", "/nonexistent/kubeconfig"])
        .output()?;
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(String::from_utf8_lossy(&broken.stderr).contains("/nonexistent/kubeconfig"));
    Ok(())
}
