//! The Helm chart as a user meets it: `helm lint --strict`, every rendered manifest
//! accepted by the real API server (server-side dry run), `helm install` on the
//! simulated cluster until both operator replicas are available under the
//! `restricted` Pod Security Standard, and RBAC that grants what the operator calls
//! and nothing else — checked with `kubectl auth can-i` and by running the real
//! operator under the chart's ServiceAccount until an instance is Running.
//!
//! cert-manager and prometheus-operator are not installed on the test cluster, so
//! their kinds (Issuer, Certificate, ServiceMonitor) are checked as rendered YAML,
//! not by the API server.

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use odoo_model::{InstancePhase, OdooInstance};
use odoo_tests::helm::{Helm, chart_dir, documents, of_kind, set_args};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::webhook::WebhookCa;
use odoo_tests::{ControlPlane, TestNamespace, simulated_cluster};
use serde_json::{Value, json};

/// Kinds whose CRDs the test cluster does not have.
const ABSENT_KINDS: &[&str] = &["Issuer", "Certificate", "ServiceMonitor"];

/// Values for a cluster without cert-manager: a pre-made Secret and its CA.
fn without_cert_manager(ca_b64: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook.certManager.enabled", "false".into()),
        ("webhook.secretName", "odoo-operator-webhook-tls".into()),
        ("webhook.caBundle", ca_b64.into()),
    ]
}

fn b64(s: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("base64")
        .arg("-w0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("base64");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(s.as_bytes())
        .expect("write");
    String::from_utf8(child.wait_with_output().expect("base64").stdout).expect("ascii")
}

fn borrowed<'a>(values: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    values.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

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
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "chart-render").await?;
    let ca = WebhookCa::new()?;
    let helm = Helm::offline()?;
    for (case, values) in [
        ("cert-manager", everything(&ns.name)),
        (
            "pre-made Secret",
            [without_cert_manager(&b64(&ca.ca_pem)), everything(&ns.name)].concat(),
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

/// Installs the chart as `release` into a fresh namespace labelled for the
/// `restricted` Pod Security Standard, without cert-manager (the test cluster has
/// none), with the webhook registered only for namespaces labelled for it (its
/// pods are simulated, so nothing would answer).
async fn install(cp: &ControlPlane, release: &str) -> anyhow::Result<TestNamespace> {
    let ns = TestNamespace::new(cp, release).await?;
    cp.kubectl_output(&[
        "label",
        "namespace",
        &ns.name,
        "pod-security.kubernetes.io/enforce=restricted",
    ])?;
    let ca = WebhookCa::new()?;
    let dir = tempfile::tempdir()?;
    ca.issue(dir.path())?;
    let (cert, key) = odoo_tests::webhook::cert_paths(dir.path());
    cp.kubectl_output(&[
        "create",
        "secret",
        "tls",
        "odoo-operator-webhook-tls",
        "-n",
        &ns.name,
        &format!("--cert={}", cert.display()),
        &format!("--key={}", key.display()),
    ])?;
    let helm = Helm::for_cluster(cp)?;
    let chart = chart_dir().display().to_string();
    let mut args = vec!["install", release, &chart, "--namespace", &ns.name];
    let mut values = without_cert_manager(&b64(&ca.ca_pem));
    values.push((
        "webhook.namespaceSelector",
        json!({ "matchLabels": { "odoo-operator.dev/chart-test-webhook": release } }).to_string(),
    ));
    let sets = set_args(&borrowed(&values));
    args.extend(sets.iter().map(String::as_str));
    let out = helm.run(&args)?;
    assert!(out.contains("STATUS: deployed"), "{out}");
    Ok(ns)
}

#[tokio::test]
async fn helm_install_brings_up_two_available_operator_replicas() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = install(cp, "chart-install").await?;
    let deployments: Api<Deployment> = ns.api();
    let name = "chart-install-odoo-operator";
    let available = || async {
        deployments
            .get(name)
            .await
            .ok()
            .and_then(|d| d.status)
            .and_then(|s| s.available_replicas)
    };
    let start = std::time::Instant::now();
    while available().await != Some(2) && start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let deployment = deployments.get(name).await?;
    assert_eq!(
        deployment
            .status
            .as_ref()
            .and_then(|s| s.available_replicas),
        Some(2),
        "{:?}\n{}",
        deployment.status,
        cp.kubectl_output(&["get", "events", "-n", &ns.name])
            .unwrap_or_default()
    );
    // The pods passed `restricted` admission and run as the chart says.
    let pods = cp.kubectl_output(&[
        "get",
        "pods",
        "-n",
        &ns.name,
        "-l",
        "app.kubernetes.io/component=operator",
        "-o",
        "json",
    ])?;
    let pods: Value = serde_json::from_str(&pods)?;
    let items = pods["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    for pod in items {
        let container = &pod["spec"]["containers"][0];
        assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);
        assert_eq!(pod["spec"]["serviceAccountName"], "odoo-operator");
        let args = container["args"].to_string();
        assert!(args.contains("--webhook-cert="), "{args}");
        assert!(
            args.contains(&format!(
                "--operator-user=system:serviceaccount:{}:odoo-operator",
                ns.name
            )),
            "{args}"
        );
    }
    let helm = Helm::for_cluster(cp)?;
    helm.run(&[
        "uninstall",
        "chart-install",
        "--namespace",
        &ns.name,
        "--wait",
    ])?;
    ns.delete().await;
    Ok(())
}

/// `kubectl auth can-i` as the chart's ServiceAccount in `sa_ns`.
fn can_i(cp: &ControlPlane, sa_ns: &str, args: &[&str]) -> bool {
    let who = format!("--as=system:serviceaccount:{sa_ns}:odoo-operator");
    let mut all = vec!["auth", "can-i"];
    all.extend_from_slice(args);
    all.push(&who);
    // Exit status 1 with "no" is a refusal, not an error.
    cp.kubectl()
        .args(&all)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "yes")
        .unwrap_or(false)
}

#[tokio::test]
async fn the_service_account_can_do_what_the_operator_needs_and_no_more() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "chart-rbac").await?;
    let docs = documents(&Helm::offline()?.template("chart-rbac", &ns.name, &[])?)?;
    let rbac = rbac_kinds(&docs);
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": rbac });
    cp.kubectl_apply_stdin(&list.to_string())?;
    let sa = &ns.name;
    // `OWN` is the release namespace, `tenant-x` any namespace instances live in.
    let yes = [
        "watch odooinstances.odoo-operator.dev --all-namespaces",
        "patch odooinstances.odoo-operator.dev --subresource=status -n tenant-x",
        "create odoobackupjobs.odoo-operator.dev -n tenant-x",
        "delete odoobackupjobs.odoo-operator.dev -n tenant-x",
        "create secrets -n tenant-x",
        "patch deployments.apps -n tenant-x",
        "patch deployments.apps --subresource=scale -n tenant-x",
        "list pods --all-namespaces",
        "create jobs.batch -n tenant-x",
        "delete persistentvolumeclaims -n tenant-x",
        "create events.events.k8s.io -n tenant-x",
        "update leases.coordination.k8s.io/odoo-operator-leader -n OWN",
        "get customresourcedefinitions/odooinstances.odoo-operator.dev",
    ];
    let no = [
        "delete nodes",
        "delete secrets -n tenant-x",
        "update secrets -n tenant-x",
        "create pods -n tenant-x",
        "delete jobs.batch -n tenant-x",
        "delete odooinstances.odoo-operator.dev -n tenant-x",
        "list customresourcedefinitions",
        "get customresourcedefinitions/certificates.cert-manager.io",
        "update leases.coordination.k8s.io/kube-scheduler -n OWN",
        "create leases.coordination.k8s.io -n kube-system",
        "create clusterrolebindings",
        "create serviceaccounts --subresource=token -n OWN",
    ];
    let allowed = |question: &str| {
        let args: Vec<&str> = question
            .split_whitespace()
            .map(|w| if w == "OWN" { sa.as_str() } else { w })
            .collect();
        can_i(cp, sa, &args)
    };
    let wrong_yes: Vec<&str> = no.into_iter().filter(|q| allowed(q)).collect();
    let wrong_no: Vec<&str> = yes.into_iter().filter(|q| !allowed(q)).collect();
    assert!(
        wrong_yes.is_empty(),
        "granted but should not be: {wrong_yes:#?}"
    );
    assert!(wrong_no.is_empty(), "refused but needed: {wrong_no:#?}");
    ns.delete().await;
    Ok(())
}

/// A kubeconfig with a token of the chart's ServiceAccount in `sa_ns`.
fn service_account_kubeconfig(
    cp: &ControlPlane,
    sa_ns: &str,
) -> anyhow::Result<std::path::PathBuf> {
    let token = cp.kubectl_output(&[
        "create",
        "token",
        "odoo-operator",
        "-n",
        sa_ns,
        "--duration=1h",
    ])?;
    let path = cp.dir.join(format!("sa-{sa_ns}.kubeconfig"));
    let yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: sa\n  user:\n    token: {}\ncontexts:\n- name: c\n  context: {{cluster: c, user: sa}}\ncurrent-context: c\n",
        cp.server,
        cp.pki.ca_cert.display(),
        token.trim()
    );
    std::fs::write(&path, yaml)?;
    Ok(path)
}

#[tokio::test]
async fn the_operator_runs_an_instance_to_running_under_the_charts_rbac() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "chart-sa").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let docs = documents(&Helm::offline()?.template("chart-sa", &op_ns, &[])?)?;
    let rbac = rbac_kinds(&docs);
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": rbac });
    cp.kubectl_apply_stdin(&list.to_string())?;
    let kubeconfig = service_account_kubeconfig(cp, &op_ns)?;
    let op = OperatorProcess::start_as(cp, &kubeconfig, &op_ns, &["--watch-namespace", &ns.name])?;

    let api: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "replicas": 1, "ingress": { "hosts": ["shop.example.com"] } },
    }))?;
    api.create(&PostParams::default(), &instance).await?;
    wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    // Nothing was refused on the way: a missing grant would show as a 403 in the log.
    let log = std::fs::read_to_string(&op.log)?;
    assert!(
        !log.contains("forbidden") && !log.contains("Forbidden"),
        "the operator hit a missing permission:\n{}",
        op.log_tail(40)
    );
    ns.delete().await;
    Ok(())
}

fn rbac_kinds(docs: &[Value]) -> Vec<&Value> {
    docs.iter()
        .filter(|d| {
            [
                "ServiceAccount",
                "ClusterRole",
                "ClusterRoleBinding",
                "Role",
                "RoleBinding",
            ]
            .contains(&d["kind"].as_str().unwrap_or_default())
        })
        .collect()
}
