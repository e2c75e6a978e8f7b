//! The admission webhook inside the real operator binary, registered with the real
//! kube-apiserver through a ValidatingWebhookConfiguration: what `kubectl apply`
//! refuses and lets through, and a rotated certificate served without a restart.

use std::time::Duration;

use odoo_tests::operator::{OperatorProcess, operator_namespace};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::process::free_port;
use odoo_tests::webhook::{
    WebhookCa, cert_paths, post_review, register, served_certificate, unregister,
};
use odoo_tests::{ControlPlane, TestNamespace, api_server, eventually, workspace_binary};

/// An operator serving the webhook for `ns`, registered with the API server.
struct Admission {
    op: OperatorProcess,
    ca: WebhookCa,
    certs: tempfile::TempDir,
    port: u16,
    config_name: String,
}

impl Admission {
    async fn start(cp: &ControlPlane, ns: &TestNamespace) -> anyhow::Result<Admission> {
        let op_ns = operator_namespace(ns, shared_postgres()).await?;
        let ca = WebhookCa::new()?;
        let certs = tempfile::tempdir()?;
        ca.issue(certs.path())?;
        let (cert, key) = cert_paths(certs.path());
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let (cert, key) = (cert.display().to_string(), key.display().to_string());
        let op = OperatorProcess::start(
            cp,
            &op_ns,
            &[
                "--watch-namespace",
                &ns.name,
                "--webhook-cert",
                &cert,
                "--webhook-key",
                &key,
                "--webhook-addr",
                &addr,
                "--webhook-reload-seconds",
                "1",
                "--operator-user",
                "odoo-operator",
            ],
        )?;
        let config_name = format!("{}-webhook", ns.name);
        register(&ns.client, &config_name, &ns.name, port, &ca.ca_pem).await?;
        Ok(Admission {
            op,
            ca,
            certs,
            port,
            config_name,
        })
    }

    async fn stop(self, ns: &TestNamespace) {
        unregister(&ns.client, &self.config_name).await;
        drop(self.op);
    }
}

/// `kubectl apply` of `yaml`; Ok(stdout) or Err(stderr).
fn apply(cp: &ControlPlane, yaml: &str) -> Result<String, String> {
    cp.kubectl_apply_stdin(yaml).map_err(|e| e.to_string())
}

fn refused(cp: &ControlPlane, yaml: &str, expected: &[&str]) {
    let err = apply(cp, yaml).expect_err("kubectl apply should have been refused");
    for text in expected {
        assert!(err.contains(text), "expected {text:?} in: {err}");
    }
}

fn instance(ns: &str, extra_spec: &str, annotations: &str) -> String {
    format!(
        "apiVersion: odoo-operator.dev/v1alpha1
kind: OdooInstance
metadata:
  name: shop
  namespace: {ns}
  annotations: {{{annotations}}}
spec:
  image: simulated/odoo:18.0-20251001
  replicas: 0
  filestore:
    storageSize: 2Gi
    storageClass: fast
  database:
    cluster: main
{extra_spec}"
    )
}

#[tokio::test]
async fn kubectl_apply_of_instance_changes_is_checked_by_the_webhook() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "admit-inst").await?;
    let admission = Admission::start(cp, &ns).await?;
    let n = &ns.name;

    // Creation: a mistyped odoo.conf key, and keys the operator owns.
    refused(
        cp,
        &instance(n, "  configOptions:\n    limit_time_reel: '120'\n", ""),
        &[
            "denied the request",
            "limit_time_reel is not an odoo.conf option of Odoo 18.0",
            "Did you mean limit_time_real?",
        ],
    );
    refused(
        cp,
        &instance(
            n,
            "  configOptions:\n    db_password: x\n    workers: '4'\n",
            "",
        ),
        &[
            "2 problems",
            "configOptions.db_password is set by the operator",
            "(use spec.workers)",
        ],
    );
    // A custom addon's key passes once the annotation lists it.
    refused(
        cp,
        &instance(n, "  configOptions:\n    queue_job_channels: root:2\n", ""),
        &["queue_job_channels is not an odoo.conf option"],
    );
    let allow = "odoo-operator.dev/allow-config-keys: queue_job_channels";
    apply(
        cp,
        &instance(
            n,
            "  configOptions:\n    queue_job_channels: root:2\n",
            allow,
        ),
    )
    .map_err(anyhow::Error::msg)?;

    // Updates: cluster, storage class and size are guarded; other fields pass.
    let with = |spec: &str| {
        instance(
            n,
            &format!("  configOptions:\n    queue_job_channels: root:2\n{spec}"),
            allow,
        )
    };
    refused(
        cp,
        &with("").replace("cluster: main", "cluster: other"),
        &["kubectl odoo migrate-cluster shop --to other"],
    );
    refused(
        cp,
        &with("").replace("storageClass: fast", "storageClass: slow"),
        &["storageClass cannot change (from fast to slow)"],
    );
    refused(
        cp,
        &with("").replace("storageSize: 2Gi", "storageSize: 1Gi"),
        &["may not decrease"],
    );
    apply(
        cp,
        &with("").replace("storageSize: 2Gi", "storageSize: 3Gi"),
    )
    .map_err(anyhow::Error::msg)?;
    apply(
        cp,
        &with("  workers: 2\n").replace("storageSize: 2Gi", "storageSize: 3Gi"),
    )
    .map_err(anyhow::Error::msg)?;

    admission.stop(&ns).await;
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn job_resources_need_their_instance_and_complete_sources() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "admit-jobs").await?;
    let admission = Admission::start(cp, &ns).await?;
    let n = &ns.name;
    let backup = |instance: &str, secret: &str| {
        format!(
            "apiVersion: odoo-operator.dev/v1alpha1
kind: OdooBackupJob
metadata:
  name: nightly-{instance}-{secret}
  namespace: {n}
spec:
  instanceRef:
    name: {instance}
  destination:
    s3:
      endpoint: https://s3.example.com
      bucket: backups
      credentials:
        secretName: {secret}
"
        )
    };
    refused(
        cp,
        &backup("ghost", "s3-creds"),
        &[
            "OdooInstance \"ghost\" does not exist",
            "kubectl odoo create ghost",
            "Secret \"s3-creds\" does not exist",
        ],
    );
    apply(cp, &instance(n, "", "")).map_err(anyhow::Error::msg)?;
    apply(
        cp,
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: half\n  namespace: {n}\nstringData:\n  AWS_ACCESS_KEY_ID: a\n"
        ),
    )
    .map_err(anyhow::Error::msg)?;
    refused(
        cp,
        &backup("shop", "half"),
        &["Secret \"half\" has no key AWS_SECRET_ACCESS_KEY"],
    );
    apply(
        cp,
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: full\n  namespace: {n}\nstringData:\n  AWS_ACCESS_KEY_ID: a\n  AWS_SECRET_ACCESS_KEY: b\n"
        ),
    )
    .map_err(anyhow::Error::msg)?;
    apply(cp, &backup("shop", "full")).map_err(anyhow::Error::msg)?;

    // A second job for the same instance is accepted and told it waits its turn.
    let upgrade = format!(
        "apiVersion: odoo-operator.dev/v1alpha1
kind: OdooUpgradeJob
metadata:
  name: up
  namespace: {n}
spec:
  instanceRef:
    name: shop
"
    );
    let out = cp
        .kubectl()
        .args(["apply", "--server-side", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().map(|mut s| s.write_all(upgrade.as_bytes()));
            c.wait_with_output()
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Warning:") && stderr.contains("is queued"),
        "expected a queue warning: {stderr}"
    );

    let restore = format!(
        "apiVersion: odoo-operator.dev/v1alpha1
kind: OdooRestoreJob
metadata:
  name: back
  namespace: {n}
spec:
  instanceRef:
    name: shop
  source:
    backupJob: never-taken
"
    );
    refused(
        cp,
        &restore,
        &[
            "OdooBackupJob \"never-taken\" does not exist",
            "kubectl odoo backup list",
        ],
    );

    let migration = |to: &str| {
        format!(
            "apiVersion: odoo-operator.dev/v1alpha1
kind: OdooClusterMigration
metadata:
  name: move-{to}
  namespace: {n}
spec:
  instanceRef:
    name: shop
  targetCluster: {to}
"
        )
    };
    refused(
        cp,
        &migration("nowhere"),
        &["\"nowhere\" is not in the operator's pg-clusters Secret (known: main)"],
    );
    refused(
        cp,
        &migration("main"),
        &["already runs on cluster \"main\""],
    );

    admission.stop(&ns).await;
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_rotated_certificate_is_served_without_a_restart() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "admit-rotate").await?;
    let admission = Admission::start(cp, &ns).await?;
    let before = served_certificate(admission.port, &admission.ca.ca_pem)?;
    let issued = admission.ca.issue(admission.certs.path())?;
    assert_ne!(before, issued);
    assert!(
        eventually(Duration::from_secs(15), || {
            served_certificate(admission.port, &admission.ca.ca_pem).ok() == Some(issued.clone())
        }),
        "the new certificate was never served:\n{}",
        admission.op.log_tail(20)
    );
    // And the API server still reaches the webhook with it.
    refused(
        cp,
        &instance(&ns.name, "  configOptions:\n    nonsense_key: '1'\n", ""),
        &["nonsense_key is not an odoo.conf option"],
    );
    admission.stop(&ns).await;
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn bodies_that_are_not_reviews_get_a_review_back_over_https() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "admit-raw").await?;
    let admission = Admission::start(cp, &ns).await?;
    let cases: [(&[u8], Option<usize>); 5] = [
        (b"", None),
        (b"not json", None),
        (b"{\"request\": 5}", None),
        (b"[1,2,3]", None),
        // Larger than any review the API server sends.
        (b"", Some(5 * 1024 * 1024)),
    ];
    for (body, claimed) in cases {
        let (status, text) = post_review(admission.port, &admission.ca.ca_pem, body, claimed)?;
        assert_eq!(status, 200, "{text}");
        let review: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(review["kind"], "AdmissionReview", "{text}");
        assert_eq!(review["response"]["allowed"], false, "{text}");
        assert!(
            review["response"]["status"]["message"].is_string(),
            "{text}"
        );
    }
    admission.stop(&ns).await;
    ns.delete().await;
    Ok(())
}

#[test]
fn a_missing_certificate_stops_the_operator_naming_the_file() {
    let cp = api_server();
    let out = std::process::Command::new(workspace_binary("odoo-operator", "odoo-operator"))
        .args(["--kubeconfig"])
        .arg(&cp.kubeconfig)
        .args([
            "--health-addr",
            "127.0.0.1:0",
            "--webhook-cert",
            "/nonexistent/certs/tls.crt",
            "--webhook-key",
            "/nonexistent/certs/tls.key",
        ])
        .output()
        .expect("run the operator");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot read the webhook certificate /nonexistent/certs/tls.crt"),
        "{stderr}"
    );
}
