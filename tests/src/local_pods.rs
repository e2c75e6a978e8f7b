//! A stand-in kubelet for the agent's pods, so the agent's whole data path runs in
//! simulated-cluster tests and the demo. kwok runs no containers; for every pod
//! labelled [`AGENT_LABEL`] (a Job pod running `odoo-agent`), whatever its image,
//! this harness runs the real `odoo-agent` binary on this machine — the environment
//! resolved from the pod spec (Secrets read through the API), volumes mapped to
//! local directories — against the real PostgreSQL and S3 servers the test started,
//! then annotates the pod with the exit code and termination message; kwok's stages
//! (hack/kwok-stages.yaml) end the pod as a kubelet would, and the Job controller
//! does the rest. kwok's own pod-complete stage leaves these pods alone, so no agent
//! pod ever succeeds without the agent having run.
//!
//! Two images stand for what could go wrong in a real pod, to prove the operator
//! trusts the agent's report and its own checks, never an exit code:
//! - [`SWALLOWING_IMAGE`]: the image's entrypoint swallows the agent's command; the
//!   agent does not run, and the pod exits 0 with an empty termination message.
//! - [`WRONG_DIGEST_IMAGE`]: the agent runs, but its report names another SHA-256
//!   than the archive's.
//!
//! Job pods running `odoo` (init and upgrade) run the real Odoo for an `odoo:18.0`
//! image ([`odoo`]) and a stand-in that writes what Odoo's init or update leaves for
//! a simulated one ([`simulated_odoo`]): kwok completes none of them. Web and cron
//! pods of an `odoo:18.0` image run the real server; other images' are kwok's.
//!
//! Every test namespace of the simulated cluster runs one of these for its Odoo Job
//! pods ([`crate::TestNamespace::local_pods`]); a test that wants the agent's pods
//! run too asks for it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};
use k8s_openapi::api::core::v1::{Container, Pod, Secret, SecretVolumeSource, Volume};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::{Client, ResourceExt};
use odoo_model::labels::AGENT_LABEL;
use serde_json::json;

use crate::workspace_binary;

mod kubelet_status;
pub mod odoo;
pub mod simulated_odoo;

/// The image of the tests' instances; any image's agent pods run here. Its series
/// matches the fixture database's `base` module (17.0), which restores check.
pub const LOCAL_IMAGE: &str = "simulated/odoo:17.0";
/// An image whose entrypoint swallows the agent's command: the harness runs nothing
/// and ends the pod with exit code 0 and an empty termination message, as such a
/// container would. The operator must fail the job: nothing proves the work.
pub const SWALLOWING_IMAGE: &str = "simulated/odoo:17.0-swallows-agent";
/// An image whose agent reports a wrong archive digest: the harness runs the real
/// agent, then changes `detail.sha256` of its report to another valid digest
/// (exit code unchanged). The operator must fail the job: the stored object's
/// digest contradicts the report.
pub const WRONG_DIGEST_IMAGE: &str = "simulated/odoo:17.0-reports-wrong-sha256";
const EXIT_ANNOTATION: &str = "odoo-operator.dev/test-exit-code";
const MESSAGE_ANNOTATION: &str = "odoo-operator.dev/test-termination-message";
/// Where Kubernetes puts the termination message file by default.
const TERMINATION_LOG: &str = "/dev/termination-log";

/// One agent pod handled here.
#[derive(Debug, Clone)]
pub struct Run {
    pub pod: String,
    /// The agent's command (`backup`, `restore`…), or `swallowed` when the pod's
    /// image swallowed it ([`SWALLOWING_IMAGE`]) and nothing ran.
    pub command: String,
    pub exit_code: i32,
    /// The process's stderr and stdout.
    pub output: String,
}

/// Runs the pods of one namespace until the last clone is dropped.
#[derive(Clone)]
pub struct LocalPods {
    /// Pods' directories and claims' (`claims/<claim>`).
    root: PathBuf,
    /// Removes `root` on drop when it is the harness's own.
    _temp: Option<Arc<tempfile::TempDir>>,
    runs: Arc<Mutex<Vec<Run>>>,
    holds: Arc<Mutex<Holds>>,
    /// Whether the agent's pods run here too (else only Odoo's).
    agents: Arc<AtomicBool>,
    _tasks: Arc<Tasks>,
}

/// The harness's loop and the tasks keeping web and cron pods' Odoo running,
/// stopped (their processes killed) when the last clone goes.
struct Tasks {
    stop: Arc<AtomicBool>,
    servers: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Their processes go with them (kill on drop).
        for server in self.servers.lock().expect("servers").drain(..) {
            server.abort();
        }
    }
}

/// Agent commands whose pods wait (as a slow pod would) until released, and the
/// pods waiting: how a test stops the world at a step and looks, or kills the
/// operator there.
#[derive(Default)]
struct Holds {
    commands: BTreeSet<String>,
    waiting: BTreeSet<String>,
    /// Agent command → the steps its runs fail at (`ODOO_AGENT_FAIL_AT`).
    faults: std::collections::BTreeMap<String, String>,
}

impl LocalPods {
    /// Runs the Odoo Job pods of `namespace` only, leaving the agent's pods pending
    /// until [`LocalPods::run_agents`].
    /// Volumes go to a temporary directory; the agent is the workspace's binary
    /// (built first).
    pub fn start_odoo_only(config: kube::Config, namespace: &str) -> anyhow::Result<LocalPods> {
        let temp = tempfile::Builder::new().prefix("local-pods").tempdir()?;
        let agent = workspace_binary("odoo-agent", "odoo-agent");
        let mut pods = LocalPods::start_in(config, namespace, agent, temp.path().into())?;
        pods.agents.store(false, Ordering::SeqCst);
        pods._temp = Some(Arc::new(temp));
        Ok(pods)
    }

    /// The agent's pods run here from now on.
    pub fn run_agents(&self) {
        self.agents.store(true, Ordering::SeqCst);
    }

    /// Runs every pod of `namespace` it runs, agents' too, with the `odoo-agent`
    /// binary and the volumes' directory given, for a caller that is not a test (no
    /// cargo build; volumes it can show).
    ///
    /// The harness has a thread, a runtime and an API client of its own: a test
    /// that blocks its own runtime (a plugin run, a synchronous wait) must not stop
    /// the pods it waits for.
    pub fn start_in(
        config: kube::Config,
        namespace: &str,
        agent: PathBuf,
        root: PathBuf,
    ) -> anyhow::Result<LocalPods> {
        LocalPods::spawn(config, Some(namespace.to_owned()), agent, root)
    }

    /// Runs the Odoo Job pods of every namespace (not the agent's), volumes in a
    /// temporary directory: for a program that makes namespaces by the hundred
    /// (the scale benchmark), where one harness per namespace would list pods
    /// hundreds of times a second.
    pub fn start_odoo_only_everywhere(config: kube::Config) -> anyhow::Result<LocalPods> {
        let temp = tempfile::Builder::new().prefix("local-pods").tempdir()?;
        // Agent pods are not run, so no agent binary is needed.
        let mut pods = LocalPods::spawn(config, None, PathBuf::new(), temp.path().into())?;
        pods.agents.store(false, Ordering::SeqCst);
        pods._temp = Some(Arc::new(temp));
        Ok(pods)
    }

    fn spawn(
        config: kube::Config,
        namespace: Option<String>,
        agent: PathBuf,
        root: PathBuf,
    ) -> anyhow::Result<LocalPods> {
        let runs = Arc::new(Mutex::new(Vec::new()));
        let holds = Arc::new(Mutex::new(Holds::default()));
        let servers = Arc::new(Mutex::new(Vec::new()));
        let agents = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let pg_bin = crate::postgres::bin_dir()?;
        let thread = format!("local-pods-{}", namespace.as_deref().unwrap_or("all"));
        let (agents2, servers2, holds2, runs2, root2, stop2) = (
            agents.clone(),
            servers.clone(),
            holds.clone(),
            runs.clone(),
            root.clone(),
            stop.clone(),
        );
        std::thread::Builder::new().name(thread).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return eprintln!("local pods: no runtime: {e}"),
            };
            runtime.block_on(async move {
                let client = match Client::try_from(config) {
                    Ok(c) => c,
                    Err(e) => return eprintln!("local pods: no client: {e}"),
                };
                let (pods, secrets) = match &namespace {
                    Some(ns) => (
                        Api::namespaced(client.clone(), ns),
                        Api::namespaced(client.clone(), ns),
                    ),
                    None => (Api::all(client.clone()), Api::all(client.clone())),
                };
                // Everywhere, only Running Job pods are listed, once a second:
                // thousands of web pods would make a full list every 300 ms a
                // load of its own.
                let (list, period) = match &namespace {
                    Some(_) => (ListParams::default(), Duration::from_millis(300)),
                    None => (
                        ListParams::default()
                            .labels("batch.kubernetes.io/job-name")
                            .fields("status.phase=Running"),
                        Duration::from_secs(1),
                    ),
                };
                let kubelet = Kubelet {
                    list,
                    period,
                    client,
                    agents: agents2,
                    servers: servers2,
                    holds: holds2,
                    pods,
                    secrets,
                    root: root2,
                    agent,
                    pg_bin,
                    runs: runs2,
                };
                kubelet.serve(&stop2).await;
            });
            // Dropping the runtime drops the servers' tasks: their processes
            // are killed (kill on drop).
        })?;
        Ok(LocalPods {
            root,
            _temp: None,
            runs,
            holds,
            agents,
            _tasks: Arc::new(Tasks { stop, servers }),
        })
    }

    /// The local directory standing for PersistentVolumeClaim `claim`.
    pub fn claim_dir(&self, claim: &str) -> PathBuf {
        let dir = self.root.join("claims").join(claim);
        std::fs::create_dir_all(&dir).expect("creating a claim directory");
        dir
    }

    /// The pods handled so far.
    pub fn runs(&self) -> Vec<Run> {
        self.runs.lock().expect("runs").clone()
    }

    /// Pods of agent `command` (`restore`, `switch-filestore`…) wait, Running,
    /// until [`LocalPods::release`].
    pub fn hold(&self, command: &str) {
        self.holds
            .lock()
            .expect("holds")
            .commands
            .insert(command.into());
    }

    pub fn release(&self, command: &str) {
        self.holds.lock().expect("holds").commands.remove(command);
    }

    /// Pods of agent `command` run from now on fail at the steps `points` names
    /// (comma-separated; see `odoo_model::agent::env::FAIL_AT`), as a volume that
    /// fails there would make them; `None` lets them run whole again.
    pub fn fail_at(&self, command: &str, points: Option<&str>) {
        let mut holds = self.holds.lock().expect("holds");
        match points {
            Some(p) => holds.faults.insert(command.into(), p.into()),
            None => holds.faults.remove(command),
        };
    }

    /// The pods waiting because their command is held.
    pub fn held_pods(&self) -> Vec<String> {
        self.holds
            .lock()
            .expect("holds")
            .waiting
            .iter()
            .cloned()
            .collect()
    }
}

#[derive(Clone)]
struct Kubelet {
    /// Which pods each pass lists, and how often.
    list: ListParams,
    period: Duration,
    client: Client,
    agents: Arc<AtomicBool>,
    servers: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    holds: Arc<Mutex<Holds>>,
    pods: Api<Pod>,
    secrets: Api<Secret>,
    root: PathBuf,
    agent: PathBuf,
    pg_bin: PathBuf,
    runs: Arc<Mutex<Vec<Run>>>,
}

impl Kubelet {
    async fn serve(self, stop: &AtomicBool) {
        let mut done = BTreeSet::new();
        let mut started = BTreeSet::new();
        while !stop.load(Ordering::SeqCst) {
            if let Ok(list) = self.pods.list(&self.list).await {
                for pod in list.items {
                    let this = self.scoped(&pod.namespace().unwrap_or_default());
                    let name = pod.name_any();
                    let key = format!("{}/{name}", pod.namespace().unwrap_or_default());
                    if kubelet_status::to_start(&pod) && started.insert(key.clone()) {
                        // A Job pod runs once the next pass sees it Running.
                        match kubelet_status::start(&this, &pod).await {
                            Ok(server) => self.servers.lock().expect("servers").extend(server),
                            Err(e) => {
                                let dir = self.pod_dir(&name);
                                let _ = std::fs::create_dir_all(&dir);
                                let _ = std::fs::write(dir.join("harness.log"), format!("{e:#}"));
                            }
                        }
                        continue;
                    }
                    if done.contains(&key) || !self.ours(&pod) {
                        continue;
                    }
                    let command = pod
                        .labels()
                        .get(AGENT_LABEL)
                        .cloned()
                        .unwrap_or_else(|| odoo::COMMAND.into());
                    {
                        let mut holds = self.holds.lock().expect("holds");
                        if holds.commands.contains(&command) {
                            holds.waiting.insert(name);
                            continue;
                        }
                        holds.waiting.remove(&name);
                    }
                    done.insert(key);
                    // Pods run side by side, as on a node.
                    tokio::spawn(async move { this.run_to_end(&pod).await });
                }
            }
            tokio::time::sleep(self.period).await;
        }
    }

    /// This kubelet with its pod and Secret APIs in namespace `ns`.
    fn scoped(&self, ns: &str) -> Kubelet {
        let mut k = self.clone();
        k.pods = Api::namespaced(self.client.clone(), ns);
        k.secrets = Api::namespaced(self.client.clone(), ns);
        k
    }

    /// Runs a Job pod and annotates it with how it ended, for kwok to end it so.
    async fn run_to_end(&self, pod: &Pod) {
        let name = pod.name_any();
        let (run, message) = match self.run(pod).await {
            Ok(ended) => ended,
            Err(e) => (
                Run {
                    pod: name.clone(),
                    command: "?".into(),
                    exit_code: 125,
                    output: format!("the harness could not run the pod: {e:#}"),
                },
                String::new(),
            ),
        };
        let patch = json!({ "metadata": { "annotations": {
            EXIT_ANNOTATION: run.exit_code.to_string(),
            MESSAGE_ANNOTATION: message,
        }}});
        let _ = self
            .pods
            .patch(&name, &PatchParams::default(), &Patch::Merge(patch))
            .await;
        self.runs.lock().expect("runs").push(run);
    }

    /// A Running pod of a Job, an agent's whatever its image (when agents run
    /// here) or Odoo's, not yet given an exit code.
    fn ours(&self, pod: &Pod) -> bool {
        let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
        let of_job = pod.owner_references().iter().any(|o| o.kind == "Job");
        let agent = pod.labels().contains_key(AGENT_LABEL);
        ((agent && self.agents.load(Ordering::SeqCst)) || (!agent && odoo::runs_odoo(pod)))
            && running
            && of_job
            && !pod.annotations().contains_key(EXIT_ANNOTATION)
            && pod.metadata.deletion_timestamp.is_none()
    }

    fn pod_dir(&self, pod: &str) -> PathBuf {
        self.root.join("pods").join(pod)
    }

    fn termination_message(&self, pod: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.pod_dir(pod).join("termination-log")).ok()?;
        Some(text.chars().take(4096).collect())
    }

    /// Runs the pod's agent, or plays what its image does instead: the run, and the
    /// termination message its container leaves.
    async fn run(&self, pod: &Pod) -> anyhow::Result<(Run, String)> {
        let name = pod.name_any();
        let spec = pod.spec.clone().context("pod without spec")?;
        let container = spec.containers.first().context("pod without containers")?;
        let image = container.image.as_deref().unwrap_or_default();
        if !pod.labels().contains_key(AGENT_LABEL) {
            return if odoo::runs_real(pod) {
                odoo::run(self, pod).await
            } else {
                simulated_odoo::run(self, pod).await
            };
        }
        if image == SWALLOWING_IMAGE {
            // The entrypoint ran instead of the agent, found nothing to do and exited
            // 0; the termination log stays empty (a kubelet falls back to the logs
            // only on error).
            let run = Run {
                pod: name,
                command: "swallowed".into(),
                exit_code: 0,
                output: String::new(),
            };
            return Ok((run, String::new()));
        }
        let command = container.command.clone().unwrap_or_default();
        if !command.first().is_some_and(|c| c.ends_with("/odoo-agent")) {
            bail!("pod {name} is labelled {AGENT_LABEL} but runs {command:?}, not odoo-agent");
        }
        let dir = self.pod_dir(&name);
        std::fs::create_dir_all(&dir)?;
        let mounts = self.mounts(pod).await?;
        let local = |value: &str| -> String {
            if value == TERMINATION_LOG {
                return dir.join("termination-log").display().to_string();
            }
            local_path(&mounts, value)
        };
        let mut env = BTreeMap::new();
        for e in container.env.clone().unwrap_or_default() {
            let value = match (
                &e.value,
                e.value_from
                    .as_ref()
                    .and_then(|f| f.secret_key_ref.as_ref()),
            ) {
                (Some(v), _) => local(v),
                (None, Some(r)) => self.secret_value(&r.name, &r.key).await?,
                (None, None) => continue,
            };
            env.insert(e.name, value);
        }
        let args: Vec<String> = command[1..]
            .iter()
            .chain(container.args.iter().flatten())
            .map(|a| local(a))
            .collect();
        let agent_command = pod.labels().get(AGENT_LABEL).cloned().unwrap_or_default();
        if let Some(points) = self.holds.lock().expect("holds").faults.get(&agent_command) {
            env.insert(odoo_model::agent::env::FAIL_AT.into(), points.clone());
        }
        // Like every process the tests start: killed by the kernel when the thread
        // that forked it goes away, and when the harness drops the run.
        let output = tokio::process::Command::new("setpriv")
            .args(["--pdeathsig", "KILL", "--"])
            .arg(&self.agent)
            .args(&args)
            .kill_on_drop(true)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", self.pg_bin.display()))
            .env("HOME", &dir)
            .envs(&env)
            .output()
            .await
            .with_context(|| format!("running {}", self.agent.display()))?;
        let run = Run {
            pod: name,
            command: args.first().cloned().unwrap_or_default(),
            exit_code: output.status.code().unwrap_or(128),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            ),
        };
        let mut message = self
            .termination_message(&run.pod)
            .or_else(|| last_json_line(&run.output))
            .unwrap_or_default();
        // The container saw its mount paths, not this machine's directories: a
        // path in its report is as the pod would have written it.
        for (path, local) in &mounts {
            message = message.replace(&local.display().to_string(), path);
        }
        let message = if image == WRONG_DIGEST_IMAGE {
            wrong_digest(&message)
        } else {
            message
        };
        Ok((run, message))
    }

    /// Mount paths of the pod's (first) container and their local directories,
    /// longest first. A Secret volume's directory holds its keys, as a kubelet
    /// projects them.
    async fn mounts(&self, pod: &Pod) -> anyhow::Result<Vec<(String, PathBuf)>> {
        let name = pod.name_any();
        let spec = pod.spec.as_ref().context("pod without spec")?;
        let container: &Container = spec.containers.first().context("pod without containers")?;
        let volumes: &[Volume] = spec.volumes.as_deref().unwrap_or_default();
        let mut out = Vec::new();
        for m in container.volume_mounts.clone().unwrap_or_default() {
            let volume = volumes.iter().find(|v| v.name == m.name);
            let mut local = match volume.and_then(|v| v.persistent_volume_claim.as_ref()) {
                Some(claim) => self.root.join("claims").join(&claim.claim_name),
                None => self.pod_dir(&name).join("volumes").join(&m.name),
            };
            // As a kubelet does: only that directory of the volume, made if missing.
            if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                anyhow::ensure!(
                    !sub.split('/').any(|p| p == ".."),
                    "subPath {sub:?} leaves the volume"
                );
                local = local.join(sub);
            }
            std::fs::create_dir_all(&local)?;
            if let Some(secret) = volume.and_then(|v| v.secret.as_ref()) {
                self.project(secret, &local).await?;
            }
            out.push((m.mount_path, local));
        }
        out.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        Ok(out)
    }

    /// Writes a Secret volume's keys (its `items`, or every key) into `dir`.
    async fn project(
        &self,
        volume: &SecretVolumeSource,
        dir: &std::path::Path,
    ) -> anyhow::Result<()> {
        let name = volume.secret_name.clone().unwrap_or_default();
        let secret = self
            .secrets
            .get(&name)
            .await
            .with_context(|| format!("Secret {name}"))?;
        let data = secret.data.unwrap_or_default();
        let items: Vec<(String, String)> = match &volume.items {
            Some(items) => items
                .iter()
                .map(|i| (i.key.clone(), i.path.clone()))
                .collect(),
            None => data.keys().map(|k| (k.clone(), k.clone())).collect(),
        };
        for (key, path) in items {
            anyhow::ensure!(
                !path.split('/').any(|p| p == ".."),
                "item path {path:?} leaves the volume"
            );
            let bytes = data
                .get(&key)
                .with_context(|| format!("Secret {name} has no key {key}"))?;
            std::fs::write(dir.join(path), &bytes.0)?;
        }
        Ok(())
    }

    async fn secret_value(&self, name: &str, key: &str) -> anyhow::Result<String> {
        let secret = self
            .secrets
            .get(name)
            .await
            .with_context(|| format!("Secret {name}"))?;
        let bytes = secret
            .data
            .and_then(|d| d.get(key).cloned())
            .with_context(|| format!("Secret {name} has no key {key}"))?;
        Ok(String::from_utf8(bytes.0)?)
    }
}

/// `value` with a container path under one of `mounts` (longest first) replaced by
/// its local directory.
fn local_path(mounts: &[(String, PathBuf)], value: &str) -> String {
    for (path, local) in mounts {
        if let Some(rest) = value.strip_prefix(path.as_str())
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{}{rest}", local.display());
        }
    }
    value.to_owned()
}

fn last_json_line(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(str::to_owned)
}

/// The agent's line with `detail.sha256` changed to another valid digest (its first
/// hex digit changed), everything else kept; a line without one, as it was.
fn wrong_digest(message: &str) -> String {
    let Ok(mut line) = serde_json::from_str::<serde_json::Value>(message.trim()) else {
        return message.to_owned();
    };
    let Some(sha256) = line.pointer_mut("/detail/sha256") else {
        return message.to_owned();
    };
    let wrong = match sha256.as_str() {
        Some(hex) if hex.starts_with('0') => format!("1{}", &hex[1..]),
        Some(hex) if hex.starts_with(|c: char| c.is_ascii_hexdigit()) => {
            format!("0{}", &hex[1..])
        }
        _ => return message.to_owned(),
    };
    *sha256 = serde_json::Value::String(wrong);
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::{AGENT_LABEL, EXIT_ANNOTATION, wrong_digest};
    use serde_json::json;

    /// The stage of hack/kwok-stages.yaml named `name`.
    fn stage<'a>(stages: &'a str, name: &str) -> &'a str {
        stages
            .split("\n---\n")
            .find(|s| s.contains(&format!("\n  name: {name}\n")))
            .unwrap_or_else(|| panic!("no stage {name} in hack/kwok-stages.yaml"))
    }

    /// kwok must leave the agent's pods to the harness and end them by its
    /// annotations: a stage that missed the label would complete (or fail) an agent
    /// pod without the agent having run, or leave it running forever.
    #[test]
    fn kwok_stages_and_exclusions_name_the_agent_label() {
        let stages = include_str!("../../hack/kwok-stages.yaml");
        let tools = include_str!("../../hack/tools.sh");
        let key = format!(".metadata.labels[\"{AGENT_LABEL}\"]");
        // The harness's annotation alone selects the pods it ran (an agent's or the
        // real Odoo's); no other stage may end them.
        let annotation = format!("- key: '.metadata.annotations[\"{EXIT_ANNOTATION}\"]'\n");
        for name in ["pod-local-succeeded", "pod-local-failed"] {
            let stage = stage(stages, name);
            assert!(
                stage.contains(&annotation) && !stage.contains(&key),
                "{name} must select the pods the harness ran, by its annotation alone"
            );
        }
        assert!(
            tools.contains(&format!("agent_label_key='{key}'")),
            "hack/tools.sh must name the agent label"
        );
        let complete = tools
            .split("pod/fast/pod-complete.yaml)")
            .nth(1)
            .and_then(|rest| rest.split(";;").next())
            .expect("hack/tools.sh: the pod-complete case");
        assert!(
            complete.contains("exclude_agent_pods <") && complete.contains("| exclude_odoo_pods"),
            "kwok's pod-complete must leave the agent's and Odoo's Job pods to the harness"
        );
        assert!(
            tools.contains(r#"odoo_command_key='.spec.containers.[0].command == ["odoo"]'"#),
            "hack/tools.sh must select the pods odoo::runs_odoo selects"
        );
    }

    #[test]
    fn a_wrong_digest_is_another_valid_digest_and_nothing_else_changes() {
        let sha256 = "ab".repeat(32);
        let report = json!({
            "command": "backup", "outcome": "done",
            "detail": { "sha256": sha256, "bytes": 1234 },
        });
        let lied: serde_json::Value =
            serde_json::from_str(&wrong_digest(&report.to_string())).expect("JSON");
        let wrong = lied["detail"]["sha256"].as_str().expect("a digest");
        assert_ne!(wrong, sha256);
        assert_eq!(wrong.len(), 64);
        assert!(wrong.chars().all(|c| c.is_ascii_hexdigit()));
        let mut restored = lied.clone();
        restored["detail"]["sha256"] = json!(sha256);
        assert_eq!(restored, report);
        let zeros = json!({ "detail": { "sha256": "0".repeat(64) } }).to_string();
        assert_ne!(wrong_digest(&zeros), zeros);

        let failed = json!({
            "command": "backup", "outcome": "failed",
            "detail": { "error": "no space left", "target_touched": false },
        })
        .to_string();
        assert_eq!(wrong_digest(&failed), failed);
        assert_eq!(wrong_digest("odoo: nothing to do"), "odoo: nothing to do");
    }
}
