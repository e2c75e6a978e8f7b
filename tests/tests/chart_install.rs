//! The Helm chart installed: `helm install` on the simulated cluster until both
//! operator replicas are available under the `restricted` Pod Security Standard, and
//! RBAC that grants what the operator calls and nothing else — checked with
//! `kubectl auth can-i` as its ServiceAccount and by running the real operator with
//! that ServiceAccount's token until an instance is Running.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use odoo_model::{InstancePhase, OdooInstance};
use odoo_tests::helm::{
    Helm, base64, borrowed, chart_dir, documents, rbac_kinds, set_args, without_cert_manager,
};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::webhook::WebhookCa;
use odoo_tests::{ControlPlane, TestNamespace, simulated_cluster};
use serde_json::{Value, json};

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
    let mut values = without_cert_manager(&base64(&ca.ca_pem)?);
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
        "create odooupgradejobs.odoo-operator.dev -n tenant-x",
        "update odoorestorejobs.odoo-operator.dev --subresource=finalizers -n tenant-x",
        "patch odooclustermigrations.odoo-operator.dev --subresource=status -n tenant-x",
        "delete odoobackupjobs.odoo-operator.dev -n tenant-x",
        "create secrets -n tenant-x",
        "patch deployments.apps -n tenant-x",
        "patch deployments.apps --subresource=scale -n tenant-x",
        "list pods --all-namespaces",
        "create jobs.batch -n tenant-x",
        // A restore or upgrade deleted in flight stops its own Jobs first.
        "delete jobs.batch -n tenant-x",
        "delete persistentvolumeclaims -n tenant-x",
        "watch persistentvolumeclaims --all-namespaces",
        "create events.events.k8s.io -n tenant-x",
        "update leases.coordination.k8s.io/odoo-operator-leader -n OWN",
        // The database census `backup orphans` reads.
        "patch configmaps/odoo-operator-database-census -n OWN",
        "create configmaps -n OWN",
        "get customresourcedefinitions/odooinstances.odoo-operator.dev",
    ];
    let no = [
        "delete nodes",
        "delete secrets -n tenant-x",
        "update secrets -n tenant-x",
        "create pods -n tenant-x",
        "delete odooinstances.odoo-operator.dev -n tenant-x",
        "list customresourcedefinitions",
        "get customresourcedefinitions/certificates.cert-manager.io",
        "update leases.coordination.k8s.io/kube-scheduler -n OWN",
        "create leases.coordination.k8s.io -n kube-system",
        "create configmaps -n tenant-x",
        "patch configmaps/other -n OWN",
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
