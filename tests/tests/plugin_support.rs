//! `kubectl odoo doctor`, `logs` and `report` against the test API server (no
//! operator runs, so doctor reports it missing; pods have no running containers, so
//! the log paths asserted are the failure ones).

use std::collections::BTreeMap;
use std::io::Read;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{ObjectMeta, PostParams};
use odoo_model::{OdooInstance, OdooInstanceSpec};
use odoo_tests::helm::{Helm, documents, of_kind};
use odoo_tests::plugin::{command, impersonating_kubeconfig, odoo, text};
use odoo_tests::{TestNamespace, api_server};
use serde_json::Value;

/// Adding a need of the project's kinds to `kubectl odoo doctor` that the chart's
/// `-edit` ClusterRole (aggregated into the built-in edit and admin roles doctor's
/// hint names) does not grant fails here.
#[test]
fn the_charts_edit_role_grants_every_need_doctor_checks_of_the_projects_kinds() -> anyhow::Result<()>
{
    let docs = documents(&Helm::offline()?.template("odoo", "ops", &[])?)?;
    let role = of_kind(&docs, "ClusterRole")
        .into_iter()
        .find(|d| {
            let name = d["metadata"]["name"].as_str().unwrap_or_default();
            name.ends_with("-edit")
        })
        .ok_or_else(|| anyhow::anyhow!("the chart renders no ClusterRole named …-edit"))?;
    let rules = role["rules"].as_array().cloned().unwrap_or_default();
    let grants = |group: &str, resource: &str, verb: &str| {
        rules.iter().any(|rule| {
            let lists = |field: &str, value: &str| {
                rule[field]
                    .as_array()
                    .is_some_and(|values| values.iter().any(|v| v == value || v == "*"))
            };
            rule.get("resourceNames").is_none()
                && lists("apiGroups", group)
                && lists("resources", resource)
                && lists("verbs", verb)
        })
    };
    let group = odoo_model::API_GROUP;
    assert!(grants(group, "odooinstances", "get"));
    assert!(!grants(group, "odooinstances", "escalate"));
    // The operator's ClusterRole, which lists pods, is not the one read.
    assert!(!grants("", "pods", "list"));
    let ungranted: Vec<String> = kubectl_odoo::commands::doctor::asked()
        .filter(|&(g, resource, verb)| g == group && !grants(g, resource, verb))
        .map(|(_, resource, verb)| format!("{verb} {resource}"))
        .collect();
    assert!(
        ungranted.is_empty(),
        "the chart's -edit ClusterRole does not grant: {}",
        ungranted.join(", ")
    );
    Ok(())
}

#[tokio::test]
async fn doctor_reports_each_check_and_fails_when_one_does() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "doctor").await?;
    let out = odoo(cp, &ns.name, &["doctor"])?;
    // No operator Deployment and no pg-clusters Secret on this server.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("✓ CRD odooinstances.odoo-operator.dev: version"),
        "{stdout}"
    );
    assert!(stdout.contains("✓ RBAC in namespace"), "{stdout}");
    assert!(stdout.contains("✗ operator: no Deployment"), "{stdout}");
    assert!(
        stdout.contains("✗ pg-clusters Secret odoo-operator/pg-clusters: missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    fix: install the operator's Helm chart"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("2 of 10 checks failed"),
        "{out:?}"
    );

    let json = odoo(cp, &ns.name, &["doctor", "-o", "json"])?;
    let checks: Vec<Value> = serde_json::from_slice(&json.stdout)?;
    assert_eq!(checks.len(), 10);
    assert!(
        checks
            .iter()
            .all(|c| c["ok"].is_boolean() && c["name"].is_string())
    );

    // A user without rights: told which verbs are denied.
    let limited = command(cp, &ns.name, &["doctor"])
        .env("KUBECONFIG", impersonating_kubeconfig(cp, "intern")?)
        .output()?;
    assert_eq!(limited.status.code(), Some(1), "{limited:?}");
    let stdout = text(&limited.stdout);
    assert!(
        stdout.contains("✗ RBAC in namespace")
            && stdout.contains("denied: get/list/watch/create/patch/delete odooinstances"),
        "{stdout}"
    );
    let bad = odoo(cp, &ns.name, &["doctor", "-o", "xml"])?;
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn logs_refuse_what_has_no_pods() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "logs").await?;
    let none = odoo(cp, &ns.name, &["logs", "shop"])?;
    assert_eq!(none.status.code(), Some(5), "{none:?}");
    assert!(
        text(&none.stderr).contains("no pods found for odoo/shop"),
        "{none:?}"
    );
    let kind = odoo(cp, &ns.name, &["logs", "shop", "--job", "pod/x"])?;
    assert_eq!(kind.status.code(), Some(2), "{kind:?}");
    let missing = odoo(cp, &ns.name, &["logs", "shop", "--job", "backup/nosuch"])?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    assert!(
        text(&missing.stderr).contains("odoobackupjob/nosuch not found"),
        "{missing:?}"
    );
    let both = odoo(
        cp,
        &ns.name,
        &["logs", "shop", "--job", "backup/x", "--component", "web"],
    )?;
    assert_eq!(both.status.code(), Some(2), "{both:?}");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn report_bundles_the_instance_with_secrets_redacted() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "report").await?;
    ns.api::<OdooInstance>()
        .create(
            &PostParams::default(),
            &OdooInstance::new("shop", OdooInstanceSpec::default()),
        )
        .await?;
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("shop-db".into()),
            labels: Some(BTreeMap::from([(
                "odoo-operator.dev/instance".into(),
                "shop".into(),
            )])),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(
            "password".into(),
            ByteString(b"hunter2-secret".to_vec()),
        )])),
        ..Default::default()
    };
    ns.api::<Secret>()
        .create(&PostParams::default(), &secret)
        .await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("bundle.zip");
    let out = odoo(cp, &ns.name, &["report", "shop", &file.to_string_lossy()])?;
    assert!(out.status.success(), "{out:?}");
    assert!(
        text(&out.stdout).starts_with(&file.display().to_string()),
        "{out:?}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&file)?)?;
    let mut read = |name: &str| -> anyhow::Result<String> {
        let mut s = String::new();
        zip.by_name(name)?.read_to_string(&mut s)?;
        Ok(s)
    };
    assert!(read("instance.yaml")?.contains("name: shop"));
    let secret = read("children/secrets/shop-db.yaml")?;
    assert!(secret.contains("password: REDACTED"), "{secret}");
    assert!(!secret.contains("aHVudGVy"), "{secret}");
    read("events.txt")?;

    let missing = odoo(
        cp,
        &ns.name,
        &["report", "nosuch", "--file", &file.to_string_lossy()],
    )?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    let forbidden = command(cp, &ns.name, &["report", "shop", &file.to_string_lossy()])
        .env("KUBECONFIG", impersonating_kubeconfig(cp, "intern")?)
        .output()?;
    assert_eq!(forbidden.status.code(), Some(1), "{forbidden:?}");
    assert!(
        text(&forbidden.stderr).contains("forbidden"),
        "{forbidden:?}"
    );
    ns.delete().await;
    Ok(())
}
