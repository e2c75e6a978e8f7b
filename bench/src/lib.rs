//! The scale benchmark: N OdooInstances on the simulated cluster, reconciled by the
//! operator, against the same children applied by the [`floor`] client. Each run
//! gets a fresh control plane, so the API server's counters hold only that run; the
//! PostgreSQL server is shared (every run has its own namespace, hence its own
//! databases). Figures, not assertions: the machine is shared and noisy.

pub mod floor;
pub mod measure;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::StreamExt as _;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt};
use odoo_model::{InstancePhase, OdooInstance, names};

use measure::{ByVerb, ProcessUsage};
use odoo_tests::process::{free_port, on_spawner_thread, spawn_guarded, tail};
use odoo_tests::{ControlPlane, Options, http_status};

/// The identity both clients use (the operator's client certificate).
const CLIENT_USER: &str = "odoo-operator";
const OPERATOR_NAMESPACE: &str = "odoo-operator";

/// Who reconciles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reconciler {
    Operator,
    Floor,
}

impl std::fmt::Display for Reconciler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reconciler::Operator => "operator",
            Reconciler::Floor => "floor",
        })
    }
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub instances: usize,
    /// The quiet window after convergence in which writes are counted.
    pub idle: Duration,
    /// Give up converging after this long.
    pub timeout: Duration,
    /// Where `odoo-operator` and `odoo-bench` are (the benchmark's own directory).
    pub bin_dir: PathBuf,
    /// Each run's control plane keeps its state and logs (the reconciler's too) in
    /// `<state_dir>/<reconciler>-<N>`, replaced by the next run of the same pair.
    pub state_dir: PathBuf,
}

/// The figures of one run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub reconciler: Reconciler,
    pub instances: usize,
    /// Instances Running (operator) or with a ready web Deployment (floor) at the end.
    pub running: usize,
    /// From the first create until the last instance was Running.
    pub seconds_to_running: f64,
    /// Until convergence, every client's requests (API server metrics): the
    /// benchmark's own creates, controller-manager, scheduler and kwok included.
    pub requests_all_clients: ByVerb,
    /// Until convergence, the requests of the reconciler alone (audit log).
    pub requests_by_reconciler: ByVerb,
    pub idle_seconds: u64,
    /// Writes by every client in the idle window (API server metrics).
    pub idle_writes_all_clients: u64,
    /// Writes by the reconciler in the idle window (audit log), by verb and resource.
    pub idle_writes_by_reconciler: BTreeMap<String, u64>,
    /// Of the reconciler's process, read at the end of the idle window.
    pub usage: ProcessUsage,
}

/// One run: fresh control plane, the reconciler, N instances, convergence, idle.
pub async fn run(
    reconciler: Reconciler,
    settings: &Settings,
    pg: &odoo_tests::postgres::Postgres,
) -> anyhow::Result<Outcome> {
    let dir = settings
        .state_dir
        .join(format!("{reconciler}-{}", settings.instances));
    let _ = std::fs::remove_dir_all(&dir);
    let cp = on_spawner_thread(|| {
        let cp = ControlPlane::start(Options {
            simulated: true,
            scale: true,
            dir: Some(dir),
        })?;
        cp.install_crds()?;
        anyhow::Ok(cp)
    })?;
    let result = run_on(&cp, reconciler, settings, pg).await;
    if result.is_err() {
        eprintln!("logs of the failed run: {}", cp.dir.display());
    }
    cp.stop();
    result
}

async fn run_on(
    cp: &ControlPlane,
    reconciler: Reconciler,
    settings: &Settings,
    pg: &odoo_tests::postgres::Postgres,
) -> anyhow::Result<Outcome> {
    let client = odoo_tests::client(cp).await?;
    let namespace = format!("{reconciler}-{}", settings.instances);
    cp.kubectl_apply_stdin(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata: {{name: {OPERATOR_NAMESPACE}}}\n"
    ))?;
    odoo_tests::operator::pg_clusters_secret(
        &client,
        OPERATOR_NAMESPACE,
        &odoo_tests::operator::clusters_yaml(pg),
    )
    .await?;
    let mut process = start_reconciler(cp, reconciler, settings, &namespace)?;

    let before = measure::api_server_requests(cp)?;
    let audit_start = measure::audit_offset(&cp.audit_log);
    let start = Instant::now();
    create_instances(&client, &namespace, settings.instances).await?;
    let running = wait_until_running(
        &client,
        &namespace,
        reconciler,
        settings,
        start,
        &mut process,
    )
    .await?;
    let seconds_to_running = start.elapsed().as_secs_f64();
    let converged = measure::api_server_requests(cp)?;
    let audit_converged = measure::audit_offset(&cp.audit_log);
    eprintln!(
        "{reconciler} N={}: {running} Running after {seconds_to_running:.1}s; idle for {}s",
        settings.instances,
        settings.idle.as_secs()
    );
    tokio::time::sleep(settings.idle).await;
    let idle_end = measure::api_server_requests(cp)?;
    let usage = measure::process_usage(process.id())?;
    let _ = process.kill();
    let _ = process.wait();

    Ok(Outcome {
        reconciler,
        instances: settings.instances,
        running,
        seconds_to_running,
        requests_all_clients: measure::delta(&before, &converged),
        requests_by_reconciler: measure::audited_requests(
            &cp.audit_log,
            audit_start,
            Some(audit_converged),
            CLIENT_USER,
        )?,
        idle_seconds: settings.idle.as_secs(),
        idle_writes_all_clients: measure::writes(&measure::delta(&converged, &idle_end)),
        idle_writes_by_reconciler: measure::audited_writes(
            &cp.audit_log,
            audit_converged,
            CLIENT_USER,
        )?,
        usage,
    })
}

/// Starts the operator (and waits until it is ready) or the floor client, both with
/// the operator's identity, as processes of their own so their memory and CPU time
/// are theirs alone.
fn start_reconciler(
    cp: &ControlPlane,
    reconciler: Reconciler,
    settings: &Settings,
    namespace: &str,
) -> anyhow::Result<Child> {
    let kubeconfig = cp.operator_kubeconfig.display().to_string();
    let log = cp.dir.join(format!("{reconciler}.log"));
    let port = free_port();
    let (binary, args): (PathBuf, Vec<String>) = match reconciler {
        Reconciler::Operator => (
            settings.bin_dir.join("odoo-operator"),
            vec![
                "--kubeconfig".into(),
                kubeconfig,
                "--health-addr".into(),
                format!("127.0.0.1:{port}"),
                "--namespace".into(),
                OPERATOR_NAMESPACE.into(),
            ],
        ),
        Reconciler::Floor => (
            settings.bin_dir.join("odoo-bench"),
            vec![
                "floor".into(),
                "--kubeconfig".into(),
                kubeconfig,
                "--namespace".into(),
                namespace.into(),
                "--operator-namespace".into(),
                OPERATOR_NAMESPACE.into(),
                "--instances".into(),
                settings.instances.to_string(),
            ],
        ),
    };
    if !binary.exists() {
        bail!(
            "{} is not built (hack/bench.sh builds it)",
            binary.display()
        );
    }
    let log2 = log.clone();
    let mut child = on_spawner_thread(move || spawn_guarded(&binary, &args, &log2))?;
    if reconciler == Reconciler::Operator {
        let start = Instant::now();
        while http_status(port, "/readyz") != Some(200) {
            if start.elapsed() > Duration::from_secs(60) || child.try_wait()?.is_some() {
                bail!("the operator did not become ready:\n{}", tail(&log, 30));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(child)
}

/// What `kubectl odoo create shop-NNNN --image … --replicas 1` sends: the spec with
/// the model's defaults, the operator's defaults left for the reconciler.
async fn create_instances(client: &Client, namespace: &str, n: usize) -> anyhow::Result<()> {
    let api: Api<OdooInstance> = Api::namespaced(client.clone(), namespace);
    let creates = (0..n).map(|i| {
        let api = api.clone();
        async move {
            let instance: OdooInstance = serde_json::from_value(serde_json::json!({
                "apiVersion": "odoo-operator.dev/v1alpha1",
                "kind": "OdooInstance",
                "metadata": { "name": format!("shop-{i:04}") },
                "spec": { "image": "odoo:18.0-20251001", "replicas": 1 },
            }))?;
            api.create(&PostParams::default(), &instance)
                .await
                .with_context(|| format!("creating shop-{i:04}"))?;
            anyhow::Ok(())
        }
    });
    let results: Vec<_> = futures::stream::iter(creates)
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Follows one watch until every instance is Running (operator) or has a ready web
/// Deployment (floor); prints progress every 10 s.
async fn wait_until_running(
    client: &Client,
    namespace: &str,
    reconciler: Reconciler,
    settings: &Settings,
    start: Instant,
    process: &mut Child,
) -> anyhow::Result<usize> {
    let mut ready = BTreeSet::new();
    let deadline = start + settings.timeout;
    let mut events = match reconciler {
        Reconciler::Operator => watcher::watcher(
            Api::<OdooInstance>::namespaced(client.clone(), namespace),
            watcher::Config::default(),
        )
        .map(|e| e.map(|e| applied(e, is_running)))
        .boxed(),
        Reconciler::Floor => watcher::watcher(
            Api::<Deployment>::namespaced(client.clone(), namespace),
            watcher::Config::default(),
        )
        .map(|e| e.map(|e| applied(e, is_ready_web)))
        .boxed(),
    };
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    while ready.len() < settings.instances {
        let event = tokio::select! {
            _ = tokio::time::sleep_until(deadline.into()) => bail!(
                "{reconciler}: only {}/{} Running after {:?}",
                ready.len(),
                settings.instances,
                settings.timeout
            ),
            _ = tick.tick() => {
                eprintln!(
                    "{reconciler} N={}: {}/{} Running after {:.0}s",
                    settings.instances,
                    ready.len(),
                    settings.instances,
                    start.elapsed().as_secs_f64()
                );
                // A reconciler that exited will not converge: say so now.
                if let Some(status) = process.try_wait()? {
                    bail!("the {reconciler} exited with {status}");
                }
                continue;
            }
            next = events.next() => match next {
                None => bail!("the watch ended"),
                Some(Err(e)) => {
                    eprintln!("watch: {e}");
                    continue;
                }
                Some(Ok(event)) => event,
            },
        };
        if let Some((name, true)) = event {
            ready.insert(name);
        }
    }
    Ok(ready.len())
}

/// The name of an object the watch saw, and whether it counts as running.
fn applied<K: ResourceExt>(event: Event<K>, running: fn(&K) -> bool) -> Option<(String, bool)> {
    match event {
        Event::Apply(o) | Event::InitApply(o) => Some((o.name_any(), running(&o))),
        _ => None,
    }
}

fn is_running(instance: &OdooInstance) -> bool {
    instance.status.as_ref().and_then(|s| s.phase) == Some(InstancePhase::Running)
}

/// A web Deployment (named as the operator names them) with every replica ready.
fn is_ready_web(deployment: &Deployment) -> bool {
    let name = deployment.name_any();
    let Some(instance) = name.strip_suffix(&names::web_deployment("")) else {
        return false;
    };
    let wanted = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let ready = deployment
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    names::web_deployment(instance) == name && wanted > 0 && ready >= wanted
}

/// The benchmark's binaries' directory: next to the running executable.
pub fn bin_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
}
