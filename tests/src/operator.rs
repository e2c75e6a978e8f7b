//! Runs the real operator binary against a test control plane.

use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

use crate::process::{free_port, on_spawner_thread, spawn_guarded, spawn_guarded_with_env, tail};
use crate::{ControlPlane, eventually, http_status, workspace_binary};

/// A running operator process, killed on drop.
/// The operator's fault-injection variable (its `crash::CRASH_AT`). Written out
/// here because this harness does not link the operator's library; the kill tests
/// fail at once if it drifts, since they wait for the crash point's line.
pub const CRASH_AT: &str = "ODOO_OPERATOR_CRASH_AT";

/// The default image of the tests' operators: named as simulated, its pods are
/// kwok's. A test that wants the real Odoo names `odoo:18.0` (see
/// `local_pods::odoo`).
pub const SIMULATED_DEFAULT_IMAGE: &str = "simulated/odoo:18.0-20251001";

pub struct OperatorProcess {
    child: Child,
    pub log: PathBuf,
    pub health_port: u16,
    pub namespace: String,
}

impl OperatorProcess {
    /// Starts the operator with its pg-clusters Secret expected in `namespace`, and
    /// waits until it reports ready.
    pub fn start(
        cp: &ControlPlane,
        namespace: &str,
        extra: &[&str],
    ) -> anyhow::Result<OperatorProcess> {
        Self::start_as(cp, &cp.operator_kubeconfig, namespace, extra)
    }

    /// Like [`OperatorProcess::start`], with the identity and permissions of
    /// `kubeconfig` (e.g. a ServiceAccount token under the chart's RBAC).
    pub fn start_as(
        cp: &ControlPlane,
        kubeconfig: &std::path::Path,
        namespace: &str,
        extra: &[&str],
    ) -> anyhow::Result<OperatorProcess> {
        Self::launch(cp, kubeconfig, namespace, extra, &[])
    }

    /// Like [`OperatorProcess::start`], with `env` added to the operator's
    /// environment, e.g. `[(CRASH_AT, "restore-loaded")]` so it
    /// aborts at that crash point (see [`OperatorProcess::crashed_at`]).
    pub fn start_with_env(
        cp: &ControlPlane,
        namespace: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<OperatorProcess> {
        Self::launch(cp, &cp.operator_kubeconfig, namespace, extra, env)
    }

    fn launch(
        cp: &ControlPlane,
        kubeconfig: &std::path::Path,
        namespace: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<OperatorProcess> {
        let binary = workspace_binary("odoo-operator", "odoo-operator");
        let port = free_port();
        static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = cp.dir.join(format!("operator-{namespace}-{n}.log"));
        let mut args = vec![
            "--kubeconfig".to_owned(),
            kubeconfig.display().to_string(),
            "--health-addr".to_owned(),
            format!("127.0.0.1:{port}"),
            "--namespace".to_owned(),
            namespace.to_owned(),
            // A replacement of an operator that died (the kill tests, HA) waits for
            // its lease: 6 s instead of 15, still renewed every 2 s.
            "--lease-seconds".to_owned(),
            "6".to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        if !extra.iter().any(|a| a.starts_with("--default-image")) {
            args.extend([
                "--default-image".to_owned(),
                SIMULATED_DEFAULT_IMAGE.to_owned(),
            ]);
        }
        let log2 = log.clone();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let child = on_spawner_thread(move || {
            if env.is_empty() {
                spawn_guarded(&binary, &args, &log2)
            } else {
                spawn_guarded_with_env(&binary, &args, &env, &log2)
            }
        })?;
        let mut op = OperatorProcess {
            child,
            log,
            health_port: port,
            namespace: namespace.to_owned(),
        };
        let mut exited = false;
        if !eventually(Duration::from_secs(60), || {
            exited = matches!(op.child.try_wait(), Ok(Some(_)));
            exited || http_status(port, "/readyz") == Some(200)
        }) || (exited && !op.log_contains("crash point"))
        {
            anyhow::bail!("operator not ready:\n{}", op.log_tail(40));
        }
        // An operator that aborted at its crash point before it answered /readyz
        // is what the test asked for: it reads the exit and the log itself.
        Ok(op)
    }

    /// Waits (asynchronously, so the test's other tasks, e.g. the local-pods
    /// harness, go on) until the process exits or `timeout` passes; its exit status,
    /// or None when it still runs.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if start.elapsed() >= timeout {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether the log holds `needle`.
    pub fn log_contains(&self, needle: &str) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|text| text.contains(needle))
    }

    /// Whether the operator logged that it reached crash point `point` (and so
    /// aborted there): the line `operator/src/crash.rs` prints.
    pub fn crashed_at(&self, point: &str) -> bool {
        self.log_contains(&format!("crash point {point} reached"))
    }

    /// Polls `f` every half second until it returns Some, for up to five minutes
    /// (a generous deadline, not a measure); then fails with `what` and this
    /// operator's log.
    pub async fn until<T, F: std::future::Future<Output = Option<T>>>(
        &self,
        what: &str,
        mut f: impl FnMut() -> F,
    ) -> T {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        loop {
            if let Some(v) = f().await {
                return v;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what} did not happen\noperator log:\n{}",
                self.log_tail(40)
            );
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// The last lines of the operator's log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }

    /// The `/metrics` text, or an empty string when it does not answer.
    pub fn metrics(&self) -> String {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.health_port)) else {
            return String::new();
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
    }

    /// The value of a metric series (`name{labels}` as printed), 0 when absent.
    pub fn metric(&self, series: &str) -> f64 {
        self.metrics()
            .lines()
            .find_map(|l| {
                l.strip_prefix(series)
                    .and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or(0.0)
    }

    /// Kills the operator (SIGKILL, like a node failure).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OperatorProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `clusters.yaml` of a pg-clusters Secret naming `pg` as the default cluster
/// `main` (plain TCP on loopback).
pub fn clusters_yaml(pg: &crate::postgres::Postgres) -> String {
    pg.cluster_yaml("main", &pg.host, true, "disable")
}

/// Creates the operator namespace `<test namespace>-op` holding a pg-clusters Secret
/// for `pg`, and returns its name.
pub async fn operator_namespace(
    ns: &crate::TestNamespace,
    pg: &crate::postgres::Postgres,
) -> anyhow::Result<String> {
    operator_namespace_with(ns, &clusters_yaml(pg)).await
}

/// Like [`operator_namespace`], with the pg-clusters Secret holding `clusters_yaml`.
pub async fn operator_namespace_with(
    ns: &crate::TestNamespace,
    clusters_yaml: &str,
) -> anyhow::Result<String> {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::{Api, PostParams};
    let name = format!("{}-op", ns.name);
    let namespace: Namespace =
        serde_json::from_value(serde_json::json!({ "metadata": { "name": name } }))?;
    Api::<Namespace>::all(ns.client.clone())
        .create(&PostParams::default(), &namespace)
        .await?;
    pg_clusters_secret(&ns.client, &name, clusters_yaml).await?;
    Ok(name)
}

/// Creates the pg-clusters Secret holding `clusters_yaml` in `namespace`.
pub async fn pg_clusters_secret(
    client: &kube::Client,
    namespace: &str,
    clusters_yaml: &str,
) -> anyhow::Result<()> {
    use k8s_openapi::api::core::v1::Secret;
    use kube::api::{Api, PostParams};
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": { "name": "pg-clusters" },
        "stringData": { "clusters.yaml": clusters_yaml },
    }))?;
    Api::<Secret>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), &secret)
        .await?;
    Ok(())
}

/// Waits (up to 90 s) until the instance is in `phase` for its current spec
/// (observedGeneration caught up) and returns it; panics with the last status and
/// the operator's log otherwise.
pub async fn wait_for_phase(
    api: &kube::Api<odoo_model::OdooInstance>,
    name: &str,
    phase: odoo_model::InstancePhase,
    op: &OperatorProcess,
) -> odoo_model::OdooInstance {
    let start = std::time::Instant::now();
    let mut last = None;
    while start.elapsed() < Duration::from_secs(90) {
        if let Ok(i) = api.get(name).await {
            let status = i.status.clone().unwrap_or_default();
            if status.phase == Some(phase) && status.observed_generation == i.metadata.generation {
                return i;
            }
            last = Some(status);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!(
        "{name} did not reach {phase:?}; last status {last:?}\noperator log:\n{}",
        op.log_tail(40)
    );
}

/// Creates instance `name` of the simulated image with Odoo's stand-in init,
/// `extra` merged into its spec, and returns it once Running.
pub async fn running_simulated_instance(
    api: &kube::Api<odoo_model::OdooInstance>,
    name: &str,
    extra: serde_json::Value,
    op: &OperatorProcess,
) -> anyhow::Result<odoo_model::OdooInstance> {
    let mut spec = serde_json::json!({
        "image": crate::local_pods::LOCAL_IMAGE, "replicas": 1, "init": { "enabled": true },
    });
    if let (Some(spec), serde_json::Value::Object(extra)) = (spec.as_object_mut(), extra) {
        spec.extend(extra);
    }
    let instance: odoo_model::OdooInstance = serde_json::from_value(serde_json::json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": name }, "spec": spec,
    }))?;
    api.create(&kube::api::PostParams::default(), &instance)
        .await?;
    Ok(wait_for_phase(api, name, odoo_model::InstancePhase::Running, op).await)
}

/// Waits for backup `name` to finish and returns its status.
pub async fn backup_finished(
    api: &kube::Api<odoo_model::OdooBackupJob>,
    name: &str,
    op: &OperatorProcess,
) -> odoo_model::OdooBackupJobStatus {
    op.until(&format!("backup {name} to finish"), || async {
        let status = api.get(name).await.ok()?.status?;
        status
            .job
            .phase
            .is_some_and(odoo_model::JobPhase::is_finished)
            .then_some(status)
    })
    .await
}
