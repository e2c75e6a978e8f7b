//! A real Kubernetes control plane on 127.0.0.1: etcd and kube-apiserver, and for the
//! simulated cluster also kube-controller-manager, kube-scheduler and kwok (fake nodes
//! whose pods run, become ready and, when owned by a Job, complete).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::pki::Pki;
use crate::process::{free_port, spawn_guarded, tail};
use crate::tools::Tools;

/// What to start.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also start kube-controller-manager, kube-scheduler and kwok with one fake node.
    pub simulated: bool,
    /// Keep state here instead of a fresh directory under the system temp dir.
    pub dir: Option<PathBuf>,
    /// Tuned for thousands of objects (the benchmark): the controller-manager and the
    /// scheduler may send more requests per second, and every request of the
    /// operator's identity is audited, reads included, so its traffic can be counted.
    pub scale: bool,
}

/// A running control plane. Dropping it stops every process; if the owning process
/// dies instead, the kernel stops them (see [`crate::process`]).
pub struct ControlPlane {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    /// Kubeconfig of the operator's own identity (user `odoo-operator`).
    pub operator_kubeconfig: PathBuf,
    /// The API server's audit log: one JSON line per write request.
    pub audit_log: PathBuf,
    pub server: String,
    pub pki: Pki,
    pub tools: Tools,
    /// Whether pods are scheduled and run (kwok and the local-pods harness).
    pub simulated: bool,
    children: Mutex<Vec<(String, Child)>>,
    remove_dir: bool,
}

impl std::fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlPlane")
            .field("server", &self.server)
            .field("dir", &self.dir)
            .finish()
    }
}

fn run_root() -> PathBuf {
    std::env::temp_dir().join("odoo-operator-control-planes")
}

/// Removes state directories left by killed test runs.
fn sweep_stale_dirs() {
    for dir in crate::process::orphaned_run_dirs(&run_root()) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

impl ControlPlane {
    /// Starts the processes and waits until the API server is ready. Blocking; call
    /// it on the spawner thread ([`crate::process::on_spawner_thread`]).
    pub fn start(options: Options) -> anyhow::Result<ControlPlane> {
        let tools = Tools::locate();
        let (dir, remove_dir) = match options.dir {
            Some(dir) => (dir, false),
            None => {
                sweep_stale_dirs();
                static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                (run_root().join(format!("{}-{n}", std::process::id())), true)
            }
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let pki = Pki::generate(&dir)?;
        let etcd_port = free_port();
        let api_port = free_port();
        let server = format!("https://127.0.0.1:{api_port}");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            kubeconfig_yaml(&server, &pki.ca_cert, &pki.admin_cert, &pki.admin_key),
        )?;
        let operator_kubeconfig = dir.join("operator.kubeconfig");
        std::fs::write(
            &operator_kubeconfig,
            kubeconfig_yaml(&server, &pki.ca_cert, &pki.operator_cert, &pki.operator_key),
        )?;
        let audit_log = dir.join("audit.log");
        let policy = if options.scale {
            AUDIT_POLICY_SCALE
        } else {
            AUDIT_POLICY
        };
        std::fs::write(dir.join("audit-policy.yaml"), policy)?;
        let mut cp = ControlPlane {
            dir: dir.clone(),
            kubeconfig,
            operator_kubeconfig,
            audit_log,
            server,
            pki,
            tools,
            simulated: options.simulated,
            children: Mutex::new(Vec::new()),
            remove_dir,
        };
        cp.start_etcd(etcd_port)?;
        cp.start_apiserver(api_port, etcd_port)?;
        if options.simulated {
            cp.start_simulation(options.scale)?;
        }
        Ok(cp)
    }

    fn spawn(&mut self, name: &str, program: &Path, args: Vec<String>) -> anyhow::Result<()> {
        let log = self.log(name);
        let child =
            spawn_guarded(program, &args, &log).with_context(|| format!("starting {name}"))?;
        self.children
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_owned(), child));
        Ok(())
    }

    /// Path of a process's log file.
    pub fn log(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.log"))
    }

    fn start_etcd(&mut self, port: u16) -> anyhow::Result<()> {
        let peer = free_port();
        let data = self.dir.join("etcd-data");
        let client_url = format!("http://127.0.0.1:{port}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let args = vec![
            "--name=etcd".into(),
            format!("--data-dir={}", data.display()),
            format!("--listen-client-urls={client_url}"),
            format!("--advertise-client-urls={client_url}"),
            format!("--listen-peer-urls={peer_url}"),
            format!("--initial-advertise-peer-urls={peer_url}"),
            format!("--initial-cluster=etcd={peer_url}"),
            // Test data is throw-away; fsync would make every write wait on the disk.
            "--unsafe-no-fsync".into(),
            "--log-level=warn".into(),
        ];
        let etcd = self.tools.etcd.clone();
        self.spawn("etcd", &etcd, args)?;
        self.wait_until("etcd", Duration::from_secs(30), || etcd_healthy(port))
    }

    fn start_apiserver(&mut self, port: u16, etcd_port: u16) -> anyhow::Result<()> {
        let p = &self.pki;
        let args = vec![
            format!("--etcd-servers=http://127.0.0.1:{etcd_port}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            format!("--secure-port={port}"),
            format!("--cert-dir={}", self.dir.display()),
            format!("--tls-cert-file={}", p.serving_cert.display()),
            format!("--tls-private-key-file={}", p.serving_key.display()),
            format!("--client-ca-file={}", p.ca_cert.display()),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
            format!("--service-account-key-file={}", p.sa_pub.display()),
            format!("--service-account-signing-key-file={}", p.sa_key.display()),
            "--service-cluster-ip-range=10.96.0.0/16".into(),
            "--authorization-mode=RBAC".into(),
            "--allow-privileged=true".into(),
            "--profiling=false".into(),
            // One client at a time on a laptop; fairness queues only add latency.
            "--enable-priority-and-fairness=false".into(),
            "--v=1".into(),
            format!(
                "--audit-policy-file={}",
                self.dir.join("audit-policy.yaml").display()
            ),
            format!("--audit-log-path={}", self.audit_log.display()),
            "--audit-log-format=json".into(),
        ];
        let bin = self.tools.kube_apiserver.clone();
        self.spawn("kube-apiserver", &bin, args)?;
        self.wait_until("kube-apiserver", Duration::from_secs(90), || {
            self.kubectl_output(&["get", "--raw=/readyz"])
                .is_ok_and(|out| out.trim() == "ok")
        })
    }

    fn start_simulation(&mut self, scale: bool) -> anyhow::Result<()> {
        let kubeconfig = format!("--kubeconfig={}", self.kubeconfig.display());
        // The defaults (20 requests per second, 5 concurrent syncs per controller)
        // would make the controller-manager, not the operator, what a benchmark of
        // a thousand instances measures.
        let scale_flags: Vec<String> = if scale {
            ["--kube-api-qps=500", "--kube-api-burst=1000"]
                .map(String::from)
                .to_vec()
        } else {
            Vec::new()
        };
        let mut kcm = vec![
            kubeconfig.clone(),
            "--leader-elect=false".into(),
            "--bind-address=127.0.0.1".into(),
            format!("--secure-port={}", free_port()),
            format!(
                "--service-account-private-key-file={}",
                self.pki.sa_key.display()
            ),
            format!("--root-ca-file={}", self.pki.ca_cert.display()),
            format!("--cluster-signing-cert-file={}", self.pki.ca_cert.display()),
            format!("--cluster-signing-key-file={}", self.pki.ca_key.display()),
            "--use-service-account-credentials=false".into(),
            // kwok's volume stages provision, bind and release the kwok-volume
            // claims. The persistent-volume binder racing them saw a claim bound
            // before its PersistentVolume reached its cache and flagged it
            // ClaimLost (a false alarm in `kubectl odoo status`); with one binder
            // there is no race.
            "--controllers=*,-persistentvolume-binder-controller".into(),
            "--v=1".into(),
        ];
        kcm.extend(scale_flags.iter().cloned());
        if scale {
            kcm.extend(
                [
                    "--concurrent-deployment-syncs=20",
                    "--concurrent-replicaset-syncs=20",
                    "--concurrent-job-syncs=20",
                ]
                .map(String::from),
            );
        }
        let bin = self.tools.kube_controller_manager.clone();
        self.spawn("kube-controller-manager", &bin, kcm)?;
        let mut scheduler = vec![
            kubeconfig.clone(),
            "--leader-elect=false".into(),
            "--bind-address=127.0.0.1".into(),
            format!("--secure-port={}", free_port()),
            "--v=1".into(),
        ];
        scheduler.extend(scale_flags);
        let bin = self.tools.kube_scheduler.clone();
        self.spawn("kube-scheduler", &bin, scheduler)?;
        let kwok = vec![
            kubeconfig,
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake".into(),
            format!("--server-address=127.0.0.1:{}", free_port()),
            format!("--config={}", self.tools.kwok_config.display()),
        ];
        let bin = self.tools.kwok.clone();
        self.spawn("kwok", &bin, kwok)?;
        self.kubectl_apply_stdin(FAKE_NODE)?;
        self.kubectl_apply_stdin(STORAGE_CLASS)?;
        self.wait_until("fake node Ready", Duration::from_secs(60), || {
            self.kubectl_output(&[
                "get",
                "node",
                "kwok-node-0",
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
            ])
            .is_ok_and(|s| s.trim() == "True")
        })?;
        self.wait_until("default ServiceAccount", Duration::from_secs(60), || {
            self.kubectl_output(&[
                "get",
                "serviceaccount",
                "default",
                "-n",
                "default",
                "-o",
                "name",
            ])
            .is_ok()
        })
    }

    fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> anyhow::Result<()> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if ready() {
                return Ok(());
            }
            self.check_alive()?;
            std::thread::sleep(Duration::from_millis(200));
        }
        bail!(
            "{what} not ready after {timeout:?}; logs in {}",
            self.dir.display()
        )
    }

    /// Fails with the log tail of the first process that exited.
    pub fn check_alive(&self) -> anyhow::Result<()> {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        for (name, child) in children.iter_mut() {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{name} exited with {status}:\n{}",
                    tail(&self.log(name), 30)
                );
            }
        }
        Ok(())
    }

    /// A kubectl command against this control plane.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new(&self.tools.kubectl);
        // A discovery cache of its own: a cache under $HOME from an earlier
        // server on the same port would hide freshly installed CRDs.
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.dir.join("kube-cache"))
            .env_remove("KUBECTL_PLUGINS_PATH");
        cmd
    }

    /// Runs kubectl and returns stdout, or an error carrying stderr.
    pub fn kubectl_output(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.kubectl().args(args).output()?;
        if !out.status.success() {
            bail!(
                "kubectl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// `kubectl apply --server-side -f -` with the given YAML.
    pub fn kubectl_apply_stdin(&self, yaml: &str) -> anyhow::Result<String> {
        let mut child = self
            .kubectl()
            .args(["apply", "--server-side", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .context("kubectl stdin")?
            .write_all(yaml.as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "kubectl apply: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// Installs the chart's generated CRDs and waits until they are Established,
    /// and the chart's admission policy for held backups.
    pub fn install_crds(&self) -> anyhow::Result<()> {
        let file = crate::workspace_root().join(odoo_model::crds::CRD_FILE);
        let file = file.to_string_lossy();
        // Forced: the generated CRDs are authoritative over any earlier edit.
        self.kubectl_output(&["apply", "--server-side", "--force-conflicts", "-f", &file])?;
        self.kubectl_output(&[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "-f",
            &file,
        ])?;
        // The chart's admission policy for held backups, as the chart renders it.
        let policy = crate::helm::Helm::offline()?.run(&[
            "template",
            "test-cluster",
            &crate::helm::chart_dir().to_string_lossy(),
            "--show-only",
            HELD_BACKUPS_POLICY,
        ])?;
        self.kubectl_apply_stdin(&policy)?;
        // Established does not mean published: the OpenAPI document that
        // `kubectl explain` reads is rebuilt asynchronously afterwards.
        let path = format!(
            "/openapi/v3/apis/{}/{}",
            odoo_model::API_GROUP,
            odoo_model::API_VERSION
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match self.kubectl_output(&["get", "--raw", &path]) {
                Ok(doc) if doc.contains("OdooInstanceSpec") || doc.contains("\"OdooInstance\"") => {
                    return Ok(());
                }
                _ if std::time::Instant::now() > deadline => {
                    bail!("the OpenAPI document {path} never listed OdooInstance");
                }
                _ => std::thread::sleep(std::time::Duration::from_millis(250)),
            }
        }
    }

    /// Write requests the user `username` sent, from the audit log, as
    /// `verb resource/name` strings in order.
    pub fn audited_writes(&self, username: &str) -> Vec<String> {
        let text = std::fs::read_to_string(&self.audit_log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["user"]["username"] == username && e["stage"] == "ResponseComplete")
            .map(|e| {
                let o = &e["objectRef"];
                let sub = o["subresource"]
                    .as_str()
                    .map(|s| format!("/{s}"))
                    .unwrap_or_default();
                format!(
                    "{} {}/{}{sub}",
                    e["verb"].as_str().unwrap_or_default(),
                    o["resource"].as_str().unwrap_or_default(),
                    o["name"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    /// Stops every process and removes the state directory (unless it was given).
    pub fn stop(&self) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        // Reverse order: clients before the API server, the API server before etcd.
        for (_, child) in children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        children.clear();
        if self.remove_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.stop();
    }
}

fn etcd_healthy(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body.contains("\"health\":\"true\"")
}

/// A kubeconfig for a client certificate.
pub fn kubeconfig_yaml(server: &str, ca: &Path, cert: &Path, key: &Path) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: odoo-local
  cluster:
    server: {server}
    certificate-authority: {ca}
users:
- name: odoo-local-user
  user:
    client-certificate: {cert}
    client-key: {key}
contexts:
- name: odoo-local
  context:
    cluster: odoo-local
    user: odoo-local-user
    namespace: default
current-context: odoo-local
",
        ca = ca.display(),
        cert = cert.display(),
        key = key.display(),
    )
}

/// Audit every write request (metadata only), nothing else: tests count the
/// operator's writes from this log.
const AUDIT_POLICY: &str = r#"apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
"#;

/// The benchmark's: every request of the clients under test, none of the others'.
const AUDIT_POLICY_SCALE: &str = r#"apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  users: ["odoo-operator"]
- level: None
"#;

const STORAGE_CLASS: &str = r#"apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: kwok-volume
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kwok.x-k8s.io/volume
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
"#;

const FAKE_NODE: &str = r#"apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
spec: {}
status:
  allocatable:
    cpu: "64"
    memory: 256Gi
    pods: "20000"
  capacity:
    cpu: "64"
    memory: 256Gi
    pods: "20000"
"#;

/// The chart's ValidatingAdmissionPolicy that refuses deleting a held backup.
pub const HELD_BACKUPS_POLICY: &str = "templates/held-backups-policy.yaml";
