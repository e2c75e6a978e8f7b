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
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt};
use odoo_model::{InstancePhase, OdooInstance};

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
    /// Namespaces the instances are spread over, round robin.
    pub namespaces: usize,
    /// The operator's `--concurrent-reconciles`, when not its default.
    pub concurrency: Option<u16>,
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
    pub namespaces: usize,
    /// Instances Running at the end.
    pub running: usize,
    /// From the first create until the last instance was Running.
    pub seconds_to_running: f64,
    /// Until convergence, every client's requests (API server metrics): the
    /// benchmark's own creates, controller-manager, scheduler and kwok included.
    pub requests_all_clients: ByVerb,
    /// Until convergence, the requests of the reconciler alone (audit log).
    pub requests_by_reconciler: ByVerb,
    /// The same requests by `VERB resource[/subresource]`.
    pub requests_by_resource: BTreeMap<String, u64>,
    pub idle_seconds: u64,
    /// Writes by every client in the idle window (API server metrics).
    pub idle_writes_all_clients: u64,
    /// Writes by the reconciler in the idle window (audit log), by verb and resource.
    pub idle_writes_by_reconciler: BTreeMap<String, u64>,
    /// Of the reconciler's process, read at the end of the idle window.
    pub usage: ProcessUsage,
    /// What each of the operator's watch caches held at the end (operator only).
    pub stores: BTreeMap<String, measure::StoreSize>,
    /// Reconciles each of the operator's controllers ran, to the end.
    pub reconciles: BTreeMap<String, u64>,
    /// One instance's replicas changed after the idle window (operator only: the
    /// floor is no controller).
    pub one_change: Option<OneChange>,
}

/// What one change costs at size: `spec.replicas` of one instance from 1 to 2.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OneChange {
    /// From the patch until the web Deployment's spec had the new replicas.
    pub seconds_to_applied: f64,
    /// The reconciler's requests in that time, by verb and resource.
    pub requests_until_applied: BTreeMap<String, u64>,
    /// Its requests in the following seconds (the status catching up with the
    /// pods), by verb and resource.
    pub requests_after: BTreeMap<String, u64>,
    pub seconds_after: u64,
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
    let namespaces = namespaces(reconciler, settings);
    let manifests: Vec<String> = namespaces
        .iter()
        .map(String::as_str)
        .chain([OPERATOR_NAMESPACE])
        .map(|ns| format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n"))
        .collect();
    cp.kubectl_apply_stdin(&manifests.join("---\n"))?;
    odoo_tests::operator::pg_clusters_secret(
        &client,
        OPERATOR_NAMESPACE,
        &odoo_tests::operator::clusters_yaml(pg),
    )
    .await?;
    // Init Jobs' pods run `odoo`, which kwok does not complete: the simulated
    // image's stand-in runs them, as in the tests. The floor makes none, but lists
    // the same so the API server's figures compare.
    let _pods = odoo_tests::local_pods::LocalPods::start_odoo_only_everywhere(
        odoo_tests::kube_config(cp).await?,
    )?;
    let (mut process, port) = start_reconciler(cp, reconciler, settings)?;
    let memory = measure::MemorySampler::start(process.id());

    let before = measure::api_server_requests(cp)?;
    let audit_start = measure::audit_offset(&cp.audit_log);
    let start = Instant::now();
    create_instances(&client, &namespaces, settings.instances).await?;
    let running = wait_until_running(&client, reconciler, settings, start, &mut process).await?;
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
    let audit_idle_end = measure::audit_offset(&cp.audit_log);
    let one_change = match reconciler {
        Reconciler::Operator => Some(one_change(cp, &client, &namespaces[0]).await?),
        Reconciler::Floor => None,
    };
    let metrics = match (reconciler, port) {
        (Reconciler::Operator, Some(port)) => measure::operator_metrics(port)?,
        _ => String::new(),
    };
    let mut usage = measure::process_usage(process.id())?;
    (usage.peak_anon_bytes, usage.peak_file_bytes) = memory.finish();
    stop(&mut process);

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
        requests_by_resource: measure::audited_by_resource(
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
            Some(audit_idle_end),
            CLIENT_USER,
        )?,
        usage,
        stores: measure::store_sizes(&metrics),
        reconciles: measure::reconciles(&metrics),
        one_change,
        namespaces: settings.namespaces,
    })
}

/// Stops the reconciler as Kubernetes would, with SIGTERM, so it can finish what it
/// writes on the way out (a heap profile, say); killed after a grace period.
fn stop(process: &mut Child) {
    const GRACE: Duration = Duration::from_secs(60);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &process.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < GRACE {
        if !matches!(process.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = process.kill();
    let _ = process.wait();
}

/// The namespaces of a run: `<reconciler>-<N>`, or `<reconciler>-<N>-<k>` when the
/// instances are spread.
fn namespaces(reconciler: Reconciler, settings: &Settings) -> Vec<String> {
    let base = format!("{reconciler}-{}", settings.instances);
    match settings.namespaces {
        0 | 1 => vec![base],
        k => (0..k).map(|i| format!("{base}-{i:03}")).collect(),
    }
}

/// How long to keep counting after the change was applied.
const AFTER_CHANGE: Duration = Duration::from_secs(10);

/// Patches the first instance's replicas to 2 and follows its web Deployment until
/// it has them; counts the reconciler's requests meanwhile and just after.
async fn one_change(
    cp: &ControlPlane,
    client: &Client,
    namespace: &str,
) -> anyhow::Result<OneChange> {
    let name = "shop-0000";
    let deployments = Api::<Deployment>::namespaced(client.clone(), namespace);
    let web = odoo_model::names::web_deployment(name);
    let mut events = watcher::watcher(
        deployments,
        watcher::Config::default().fields(&format!("metadata.name={web}")),
    )
    .boxed();
    // The watch has listed before the patch, so the change is seen, not raced.
    while !matches!(events.next().await, Some(Ok(Event::InitDone)) | None) {}
    let from = measure::audit_offset(&cp.audit_log);
    let start = Instant::now();
    Api::<OdooInstance>::namespaced(client.clone(), namespace)
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"replicas": 2}})),
        )
        .await
        .context("patching the replicas")?;
    let deadline = start + Duration::from_secs(120);
    loop {
        let next = tokio::time::timeout_at(deadline.into(), events.next())
            .await
            .context("the web Deployment did not get 2 replicas within 120 s")?;
        match next {
            Some(Ok(Event::Apply(d))) if d.spec.as_ref().and_then(|s| s.replicas) == Some(2) => {
                break;
            }
            Some(_) => continue,
            None => bail!("the Deployment watch ended"),
        }
    }
    let seconds_to_applied = start.elapsed().as_secs_f64();
    // The audit log is written a moment after a request completes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let applied = measure::audit_offset(&cp.audit_log);
    tokio::time::sleep(AFTER_CHANGE).await;
    Ok(OneChange {
        seconds_to_applied,
        requests_until_applied: measure::audited_by_resource(
            &cp.audit_log,
            from,
            Some(applied),
            CLIENT_USER,
        )?,
        requests_after: measure::audited_by_resource(&cp.audit_log, applied, None, CLIENT_USER)?,
        seconds_after: AFTER_CHANGE.as_secs(),
    })
}

/// Starts the operator (and waits until it is ready) or the floor client, both with
/// the operator's identity, as processes of their own so their memory and CPU time
/// are theirs alone. Returns the operator's metrics port.
fn start_reconciler(
    cp: &ControlPlane,
    reconciler: Reconciler,
    settings: &Settings,
) -> anyhow::Result<(Child, Option<u16>)> {
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
            ]
            .into_iter()
            .chain(
                settings
                    .concurrency
                    .map(|n| ["--concurrent-reconciles".into(), n.to_string()])
                    .into_iter()
                    .flatten(),
            )
            .collect(),
        ),
        Reconciler::Floor => (
            settings.bin_dir.join("odoo-bench"),
            vec![
                "floor".into(),
                "--kubeconfig".into(),
                kubeconfig,
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
        return Ok((child, Some(port)));
    }
    Ok((child, None))
}

/// What `kubectl odoo create shop-NNNN --image … --replicas 1` sends: the spec with
/// the model's defaults, the operator's defaults left for the reconciler.
/// Instance `i` goes to namespace `i mod K`; names are unique across namespaces.
async fn create_instances(client: &Client, namespaces: &[String], n: usize) -> anyhow::Result<()> {
    let creates = (0..n).map(|i| {
        let api: Api<OdooInstance> =
            Api::namespaced(client.clone(), &namespaces[i % namespaces.len()]);
        async move {
            let instance: OdooInstance = serde_json::from_value(serde_json::json!({
                "apiVersion": "odoo-operator.dev/v1alpha1",
                "kind": "OdooInstance",
                "metadata": { "name": format!("shop-{i:04}") },
                "spec": { "image": "simulated/odoo:18.0-20251001", "replicas": 1 },
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

/// Follows one watch until every instance is Running; prints progress every 10 s.
async fn wait_until_running(
    client: &Client,
    reconciler: Reconciler,
    settings: &Settings,
    start: Instant,
    process: &mut Child,
) -> anyhow::Result<usize> {
    let mut ready = BTreeSet::new();
    let deadline = start + settings.timeout;
    // Both reconcilers end at the same line: the instance's phase.
    let mut events = watcher::watcher(
        Api::<OdooInstance>::all(client.clone()),
        watcher::Config::default(),
    )
    .map(|e| e.map(|e| applied(e, is_running)))
    .boxed();
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
        Event::Apply(o) | Event::InitApply(o) => Some((
            format!("{}/{}", o.namespace().unwrap_or_default(), o.name_any()),
            running(&o),
        )),
        _ => None,
    }
}

fn is_running(instance: &OdooInstance) -> bool {
    instance.status.as_ref().and_then(|s| s.phase) == Some(InstancePhase::Running)
}

/// The benchmark's binaries' directory: next to the running executable.
pub fn bin_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
}
