//! The Helm chart as rendered: `helm lint --strict`, every rendered manifest
//! accepted by the real API server (server-side dry run), the cert-manager wiring,
//! a dashboard that queries only series the operator exports, and RBAC without
//! wildcards. Installing it is in chart_install.rs.
//!
//! cert-manager and prometheus-operator are not installed on the test cluster, so
//! their kinds (Issuer, Certificate, ServiceMonitor) are checked as rendered YAML,
//! not by the API server.

use std::collections::BTreeSet;

use odoo_tests::helm::{
    Helm, base64, borrowed, chart_dir, documents, of_kind, set_args, without_cert_manager,
};
use odoo_tests::webhook::WebhookCa;
use odoo_tests::{ControlPlane, TestNamespace, api_server};
use serde_json::{Value, json};

/// Kinds whose CRDs the test cluster does not have.
const ABSENT_KINDS: &[&str] = &["Issuer", "Certificate", "ServiceMonitor"];

/// Every optional part switched on, with `ns` as the tenant.
fn everything(ns: &str) -> Vec<(&'static str, String)> {
    vec![
        ("metrics.serviceMonitor.enabled", "true".into()),
        ("grafanaDashboard.enabled", "true".into()),
        ("networkPolicy.enabled", "true".into()),
        (
            "tenants",
            json!([{ "namespace": ns, "networkPolicy": true }]).to_string(),
        ),
    ]
}

#[test]
fn the_chart_lints_strictly_with_and_without_cert_manager() -> anyhow::Result<()> {
    let helm = Helm::offline()?;
    let chart = chart_dir().display().to_string();
    let out = helm.run(&["lint", "--strict", &chart])?;
    assert!(out.contains("0 chart(s) failed"), "{out}");

    let mut args = vec!["lint", "--strict", &chart];
    let values = [without_cert_manager("Y2E="), everything("tenant-a")].concat();
    let sets = set_args(&borrowed(&values));
    args.extend(sets.iter().map(String::as_str));
    let out = helm.run(&args)?;
    assert!(out.contains("0 chart(s) failed"), "{out}");

    // Without cert-manager the Secret must be named: the error says which value.
    let err = helm
        .template(
            "odoo",
            "odoo-operator",
            &[("webhook.certManager.enabled", "false")],
        )
        .expect_err("no Secret named");
    assert!(
        err.to_string()
            .contains("set webhook.secretName (a pre-made TLS Secret) and webhook.caBundle"),
        "{err:#}"
    );
    Ok(())
}

#[test]
fn cert_manager_issues_the_webhook_certificate_and_injects_its_ca() -> anyhow::Result<()> {
    let docs = documents(&Helm::offline()?.template("odoo", "ops", &[])?)?;
    let cert = of_kind(&docs, "Certificate")
        .into_iter()
        .find(|c| c["metadata"]["name"] == "odoo-odoo-operator-webhook")
        .expect("serving Certificate");
    let dns: Vec<&str> = cert["spec"]["dnsNames"]
        .as_array()
        .expect("dnsNames")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        dns.contains(&"odoo-odoo-operator-webhook.ops.svc"),
        "{dns:?}"
    );
    let webhook = of_kind(&docs, "ValidatingWebhookConfiguration")[0];
    assert_eq!(
        webhook["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
        "ops/odoo-odoo-operator-webhook"
    );
    assert_eq!(
        webhook["webhooks"][0]["clientConfig"]["service"]["name"],
        "odoo-odoo-operator-webhook"
    );
    // The pod mounts the Secret cert-manager writes.
    let deployment = of_kind(&docs, "Deployment")[0];
    let volumes = deployment["spec"]["template"]["spec"]["volumes"].to_string();
    assert!(volumes.contains(cert["spec"]["secretName"].as_str().expect("secretName")));
    // Both issuers exist when no issuerRef is given; with one, neither does.
    assert_eq!(of_kind(&docs, "Issuer").len(), 2);
    let docs = documents(&Helm::offline()?.template(
        "odoo",
        "ops",
        &[(
            "webhook.certManager.issuerRef",
            r#"{"kind":"ClusterIssuer","name":"corp-ca"}"#,
        )],
    )?)?;
    assert!(of_kind(&docs, "Issuer").is_empty());
    assert_eq!(
        of_kind(&docs, "Certificate")[0]["spec"]["issuerRef"]["name"],
        "corp-ca"
    );
    Ok(())
}

/// `kubectl apply --server-side --dry-run=server` of `docs`; returns its output.
fn dry_run_apply(cp: &ControlPlane, docs: &[&Value]) -> anyhow::Result<String> {
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": docs });
    let file = tempfile::NamedTempFile::new()?;
    std::fs::write(file.path(), serde_json::to_vec(&list)?)?;
    let path = file.path().display().to_string();
    cp.kubectl_output(&[
        "apply",
        "--server-side",
        "--dry-run=server",
        "--field-manager=helm",
        "-f",
        &path,
    ])
}

#[tokio::test]
async fn every_rendered_manifest_is_accepted_by_the_api_server() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "chart-render").await?;
    let ca = WebhookCa::new()?;
    let helm = Helm::offline()?;
    for (case, values) in [
        ("cert-manager", everything(&ns.name)),
        (
            "pre-made Secret",
            [
                without_cert_manager(&base64(&ca.ca_pem)?),
                everything(&ns.name),
            ]
            .concat(),
        ),
        ("defaults", vec![]),
    ] {
        let release = "render";
        let docs = documents(&helm.template(release, &ns.name, &borrowed(&values))?)?;
        let (absent, present): (Vec<&Value>, Vec<&Value>) = docs
            .iter()
            .partition(|d| ABSENT_KINDS.contains(&d["kind"].as_str().unwrap_or_default()));
        if case == "defaults" {
            assert!(
                absent.iter().all(|d| d["kind"] != "ServiceMonitor"),
                "ServiceMonitor is opt-in"
            );
        }
        if case == "pre-made Secret" {
            assert!(
                absent.iter().all(|d| d["kind"] == "ServiceMonitor"),
                "no cert-manager kinds without cert-manager"
            );
        }
        let out = dry_run_apply(cp, &present)
            .map_err(|e| anyhow::anyhow!("{case}: the API server refused: {e:#}"))?;
        // One line per object, each accepted.
        for doc in &present {
            let name = doc["metadata"]["name"].as_str().unwrap_or_default();
            assert!(
                out.lines()
                    .any(|l| l.contains(&format!("/{name} serverside-applied (server dry run)"))),
                "{case}: {} {name} not applied:\n{out}",
                doc["kind"]
            );
        }
        let kinds: BTreeSet<&str> = present.iter().filter_map(|d| d["kind"].as_str()).collect();
        for kind in [
            "Deployment",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Service",
            "ValidatingWebhookConfiguration",
            "PodDisruptionBudget",
        ] {
            assert!(kinds.contains(kind), "{case}: no {kind} in {kinds:?}");
        }
        if case != "defaults" {
            for kind in ["ConfigMap", "NetworkPolicy", "ResourceQuota"] {
                assert!(kinds.contains(kind), "{case}: no {kind} in {kinds:?}");
            }
        }
    }
    ns.delete().await;
    Ok(())
}

#[test]
fn the_dashboard_queries_only_series_the_operator_exports() -> anyhow::Result<()> {
    let docs = documents(&Helm::offline()?.template(
        "odoo",
        "ops",
        &[("grafanaDashboard.enabled", "true")],
    )?)?;
    let config_map = of_kind(&docs, "ConfigMap")[0];
    assert_eq!(config_map["metadata"]["labels"]["grafana_dashboard"], "1");
    let dashboard: Value = serde_json::from_str(
        config_map["data"]["odoo-operator.json"]
            .as_str()
            .expect("dashboard JSON"),
    )?;
    // One sample of every family, so each is listed with its type.
    let metrics = odoo_operator::metrics::Metrics::new();
    metrics.phase_transition("Provisioning", "Initializing");
    metrics.reconcile_error("instance", "Apply");
    metrics.callback("delivered");
    drop(metrics.reconcile_timer("instance"));
    let exported = metrics.encode();
    let families: BTreeSet<&str> = exported
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut titles = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        titles.push(panel["title"].as_str().unwrap_or_default().to_owned());
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("expr");
            for series in expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with("odoo_operator_"))
            {
                // Counters are exported as `x_total`, histograms as `x_bucket` etc.
                let known = families.iter().any(|f| {
                    series == *f
                        || series
                            .strip_prefix(f)
                            .is_some_and(|s| ["_total", "_bucket", "_sum", "_count"].contains(&s))
                });
                assert!(
                    known,
                    "panel {:?} queries {series}, which /metrics does not export ({families:?})",
                    panel["title"]
                );
            }
        }
    }
    for wanted in [
        "Phases entered",
        "Upgrade outcomes",
        "Since the last backup",
    ] {
        assert!(titles.iter().any(|t| t.starts_with(wanted)), "{titles:?}");
    }
    Ok(())
}

/// The rules of the chart's ClusterRoles and Roles, as rendered.
fn rbac_rules(docs: &[Value]) -> Vec<&Value> {
    docs.iter()
        .filter(|d| d["kind"] == "ClusterRole" || d["kind"] == "Role")
        .flat_map(|d| d["rules"].as_array().into_iter().flatten())
        .collect()
}

#[test]
fn rbac_has_no_wildcards_and_explains_every_rule() -> anyhow::Result<()> {
    let docs = documents(&Helm::offline()?.template("odoo", "ops", &[])?)?;
    let rules = rbac_rules(&docs);
    assert!(rules.len() > 10, "{rules:?}");
    for rule in rules {
        for field in ["verbs", "resources", "apiGroups", "resourceNames"] {
            for v in rule[field].as_array().into_iter().flatten() {
                assert!(
                    !v.as_str().unwrap_or_default().contains('*'),
                    "wildcard in {field}: {rule}"
                );
            }
        }
    }
    // Every rule of the template is preceded by a comment that says why.
    let template = std::fs::read_to_string(chart_dir().join("templates/rbac.yaml"))?;
    let lines: Vec<&str> = template.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("- apiGroups:") && lines[..i].last().is_some() {
            let above = lines[i - 1].trim_start();
            let in_aggregated = lines[..i]
                .iter()
                .rev()
                .find(|l| l.starts_with("  name:"))
                .is_some_and(|l| l.ends_with("-edit") || l.ends_with("-view"));
            assert!(
                above.starts_with('#') || in_aggregated,
                "rule at line {} of rbac.yaml has no comment",
                i + 1
            );
        }
    }
    Ok(())
}
