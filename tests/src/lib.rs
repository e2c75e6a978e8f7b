//! Test harness: a real control plane on loopback per test binary, a fresh client and
//! namespace per test. See the README's testing section.

pub mod agent;
pub mod control_plane;
pub mod helm;
pub mod hostile;
pub mod local_pods;
pub mod odoo_cli;
pub mod odoo_zip;
pub mod operator;
pub mod pki;
pub mod plugin;
pub mod postgres;
pub mod process;
pub mod s3;
pub mod tools;
pub mod webhook;

use std::path::PathBuf;

use anyhow::Context as _;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};

pub use control_plane::{ControlPlane, Options};

/// The workspace root (where `Cargo.toml` of the workspace is).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn start_shared(options: Options) -> &'static ControlPlane {
    // Forked by the spawner thread so the processes die with the test binary. The
    // value lives in a static and is never dropped; the kernel does the teardown.
    let cp = process::on_spawner_thread(move || {
        let cp = ControlPlane::start(options)?;
        cp.install_crds()?;
        anyhow::Ok(cp)
    });
    Box::leak(Box::new(
        cp.unwrap_or_else(|e| panic!("starting the control plane: {e:#}")),
    ))
}

/// The control plane of this test binary (etcd + kube-apiserver, CRDs installed),
/// started on first use.
pub fn api_server() -> &'static ControlPlane {
    static CP: OnceLock<&'static ControlPlane> = OnceLock::new();
    CP.get_or_init(|| start_shared(Options::default()))
}

/// The simulated cluster of this test binary (plus controller-manager, scheduler and
/// kwok), started on first use.
pub fn simulated_cluster() -> &'static ControlPlane {
    static CP: OnceLock<&'static ControlPlane> = OnceLock::new();
    CP.get_or_init(|| {
        start_shared(Options {
            simulated: true,
            ..Options::default()
        })
    })
}

/// A fresh client (clients are bound to the runtime that created them, and every test
/// has its own runtime).
pub async fn client(cp: &ControlPlane) -> anyhow::Result<Client> {
    Ok(Client::try_from(kube_config(cp).await?)?)
}

/// The configuration of a client of the control plane's administrator.
pub async fn kube_config(cp: &ControlPlane) -> anyhow::Result<kube::Config> {
    let kubeconfig = Kubeconfig::read_from(&cp.kubeconfig)?;
    Ok(kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?)
}

/// A namespace of its own for one test. [`TestNamespace::delete`] deletes it; one
/// still there when dropped (a test that failed before its end) is deleted then,
/// without waiting, so failing tests do not leave their objects to the operators
/// of the tests that follow.
pub struct TestNamespace {
    pub name: String,
    pub client: Client,
    /// kubectl against the control plane, for the synchronous deletion in Drop.
    kubectl: PathBuf,
    kubeconfig: PathBuf,
    deleted: bool,
    /// The harness running this namespace's Odoo Job pods (and, once asked, the
    /// agent's) on the simulated cluster, where nothing else runs them.
    pods: Option<local_pods::LocalPods>,
}

impl TestNamespace {
    /// Creates `<prefix>-<random>` and a client for it.
    pub async fn new(cp: &ControlPlane, prefix: &str) -> anyhow::Result<TestNamespace> {
        let suffix: u32 = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("{prefix}-{:x}", suffix ^ std::process::id());
        TestNamespace::named(cp, &name).await
    }

    /// Creates namespace `name` (again, after a test deleted it) and a client for it.
    pub async fn named(cp: &ControlPlane, name: &str) -> anyhow::Result<TestNamespace> {
        let client = client(cp).await?;
        let name = name.to_owned();
        let ns = Namespace {
            metadata: kube::api::ObjectMeta {
                name: Some(name.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await?;
        let pods = if cp.simulated {
            Some(local_pods::LocalPods::start_odoo_only(
                kube_config(cp).await?,
                &name,
            )?)
        } else {
            None
        };
        Ok(TestNamespace {
            name,
            client,
            kubectl: cp.tools.kubectl.clone(),
            kubeconfig: cp.kubeconfig.clone(),
            deleted: false,
            pods,
        })
    }

    /// The harness of this namespace's pods, running the agent's pods too from now
    /// on (the real `odoo-agent` against the real PostgreSQL and S3 servers).
    pub fn local_pods(&self) -> anyhow::Result<local_pods::LocalPods> {
        let pods = self
            .pods
            .clone()
            .context("only the simulated cluster runs pods")?;
        pods.run_agents();
        Ok(pods)
    }

    /// A typed API in this namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.name)
    }

    /// The namespace's events with `reason`.
    pub async fn events(&self, reason: &str) -> Vec<k8s_openapi::api::core::v1::Event> {
        self.api::<k8s_openapi::api::core::v1::Event>()
            .list(&Default::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.reason.as_deref() == Some(reason))
            .collect()
    }

    /// The namespace's events with `reason` once there is one, for up to a minute
    /// (empty if none came): the operator writes events from a queue, so one may
    /// come just after the status a test waited for.
    pub async fn events_eventually(&self, reason: &str) -> Vec<k8s_openapi::api::core::v1::Event> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let found = self.events(reason).await;
            if !found.is_empty() || tokio::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    /// The phases instance `name` entered, oldest first, as the operator recorded
    /// them: one `Phase<X>` event per transition. A record, not a sample, so a
    /// phase that lasted a moment is there too.
    pub async fn transitions(&self, name: &str) -> Vec<String> {
        let mut events: Vec<_> = self
            .api::<k8s_openapi::api::core::v1::Event>()
            .list(&kube::api::ListParams::default().fields(&format!(
                "involvedObject.kind=OdooInstance,involvedObject.name={name}"
            )))
            .await
            .map(|l| l.items)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.reason.as_deref().is_some_and(|r| r.starts_with("Phase")))
            .collect();
        events.sort_by_key(|e| {
            e.event_time
                .as_ref()
                .map(|t| t.0)
                .or(e.first_timestamp.as_ref().map(|t| t.0))
                .or(e.metadata.creation_timestamp.as_ref().map(|t| t.0))
        });
        events
            .into_iter()
            .filter_map(|e| e.reason?.strip_prefix("Phase").map(str::to_owned))
            .collect()
    }

    /// Waits until instance `name` is recorded as having entered `phase`; returns
    /// every transition recorded by then. Panics after `deadline`.
    pub async fn wait_for_transition(
        &self,
        name: &str,
        phase: odoo_model::InstancePhase,
        deadline: std::time::Duration,
    ) -> Vec<String> {
        let start = std::time::Instant::now();
        loop {
            let seen = self.transitions(name).await;
            if seen.contains(&phase.to_string()) {
                return seen;
            }
            assert!(
                start.elapsed() < deadline,
                "{name} was never recorded entering {phase}: {seen:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    }

    /// The messages of the namespace's Warning events with `reason`.
    pub async fn warnings(&self, reason: &str) -> Vec<String> {
        self.events(reason)
            .await
            .into_iter()
            .filter(|e| e.type_.as_deref() == Some("Warning"))
            .filter_map(|e| e.message)
            .collect()
    }

    /// Deletes the namespace (best effort; a bare API server without the controller
    /// manager leaves it Terminating, which is harmless).
    pub async fn delete(mut self) {
        let _ = Api::<Namespace>::all(self.client.clone())
            .delete(&self.name, &DeleteParams::default())
            .await;
        self.deleted = true;
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        // Drop cannot await, and the test's runtime may be ending: kubectl, as a
        // child process, does not depend on it.
        let _ = std::process::Command::new(&self.kubectl)
            .env("KUBECONFIG", &self.kubeconfig)
            .args([
                "delete",
                "namespace",
                &self.name,
                "--wait=false",
                "--ignore-not-found",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// Path of a workspace binary, built on demand (`cargo test` of this crate does not
/// build other packages' binaries). The whole workspace is built, as the test command
/// does beforehand, so features unify the same way and the build is a no-op there.
pub fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    // Once per test binary: every test namespace asks for the agent.
    static BUILT: OnceLock<bool> = OnceLock::new();
    let built = *BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        std::process::Command::new(cargo)
            .args(["build", "--quiet", "--workspace", "--bins"])
            .current_dir(workspace_root())
            .status()
            .expect("running cargo build")
            .success()
    });
    assert!(built, "cargo build -p {package} failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join(bin)
}

/// Status code of a plain-HTTP GET on 127.0.0.1, or None when nothing answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// Polls `ready` every 200 ms until it holds or `timeout` passes.
pub fn eventually(timeout: std::time::Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        if ready() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    false
}
