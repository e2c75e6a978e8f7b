//! A stand-in kubelet for the pods of Jobs, so the agent's whole data path runs in
//! simulated-cluster tests and the demo: kwok runs no containers, so for pods of the
//! images [`LOCAL_IMAGES`] this harness runs the agent command on this machine — the real
//! operator binary, the environment resolved from the pod spec (Secrets read
//! through the API), volumes mapped to local directories — against the real
//! PostgreSQL and S3 servers the test started, then annotates the pod with the exit
//! code and termination message; kwok's stages (hack/kwok-stages.yaml) end the pod
//! as a kubelet would, and the Job controller does the rest.
//!
//! Odoo itself is not here: a Job pod whose command is not the agent (init and
//! upgrade runs of `odoo`) is completed without running, as plain kwok would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::api::core::v1::{Container, Pod, Secret, Volume};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::{Client, ResourceExt};
use serde_json::json;

use crate::workspace_binary;

/// Job pods of these images are run here. hack/kwok-stages.yaml and the exclusions
/// in hack/tools.sh name the same list (a unit test below keeps them in step).
pub const LOCAL_IMAGES: &[&str] = &[LOCAL_IMAGE, DEMO_IMAGE];
/// The image of the tests' instances whose jobs run here.
pub const LOCAL_IMAGE: &str = "odoo:16.0-runs-here";
/// The image of the demo's instance (`hack/demo.sh`): a current Odoo version.
pub const DEMO_IMAGE: &str = "odoo:18.0-runs-here";
const EXIT_ANNOTATION: &str = "odoo-operator.dev/test-exit-code";
const MESSAGE_ANNOTATION: &str = "odoo-operator.dev/test-termination-message";
/// Where Kubernetes puts the termination message file by default.
const TERMINATION_LOG: &str = "/dev/termination-log";

/// One pod run here.
#[derive(Debug, Clone)]
pub struct Run {
    pub pod: String,
    /// The agent subcommand (`restore`, `backup`…), or `odoo` when not run.
    pub command: String,
    pub exit_code: i32,
    /// The process's stderr and stdout.
    pub output: String,
}

/// Runs the Job pods of one namespace until dropped.
pub struct LocalPods {
    /// Pods' directories and claims' (`claims/<claim>`).
    root: PathBuf,
    /// Removes `root` on drop when it is the harness's own.
    _temp: Option<tempfile::TempDir>,
    runs: Arc<Mutex<Vec<Run>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LocalPods {
    /// Runs the pods of `namespace` with the workspace's operator binary (built
    /// first), volumes in a temporary directory.
    pub fn start(client: Client, namespace: &str) -> anyhow::Result<LocalPods> {
        let temp = tempfile::Builder::new().prefix("local-pods").tempdir()?;
        let agent = workspace_binary("odoo-operator", "odoo-operator");
        let mut pods = LocalPods::start_in(client, namespace, agent, temp.path().into())?;
        pods._temp = Some(temp);
        Ok(pods)
    }

    /// [`LocalPods::start`] with the agent binary and the volumes' directory given,
    /// for a caller that is not a test (no cargo build; volumes it can show).
    pub fn start_in(
        client: Client,
        namespace: &str,
        agent: PathBuf,
        root: PathBuf,
    ) -> anyhow::Result<LocalPods> {
        let runs = Arc::new(Mutex::new(Vec::new()));
        let kubelet = Kubelet {
            pods: Api::namespaced(client.clone(), namespace),
            secrets: Api::namespaced(client, namespace),
            root: root.clone(),
            agent,
            pg_bin: crate::postgres::bin_dir()?,
            runs: runs.clone(),
        };
        let task = tokio::spawn(kubelet.serve());
        Ok(LocalPods {
            root,
            _temp: None,
            runs,
            task,
        })
    }

    /// The local directory standing for PersistentVolumeClaim `claim`.
    pub fn claim_dir(&self, claim: &str) -> PathBuf {
        let dir = self.root.join("claims").join(claim);
        std::fs::create_dir_all(&dir).expect("creating a claim directory");
        dir
    }

    /// The pods run so far.
    pub fn runs(&self) -> Vec<Run> {
        self.runs.lock().expect("runs").clone()
    }
}

impl Drop for LocalPods {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Kubelet {
    pods: Api<Pod>,
    secrets: Api<Secret>,
    root: PathBuf,
    agent: PathBuf,
    pg_bin: PathBuf,
    runs: Arc<Mutex<Vec<Run>>>,
}

impl Kubelet {
    async fn serve(self) {
        let mut done = BTreeSet::new();
        loop {
            if let Ok(list) = self.pods.list(&ListParams::default()).await {
                for pod in list.items {
                    let name = pod.name_any();
                    if done.contains(&name) || !self.ours(&pod) {
                        continue;
                    }
                    done.insert(name.clone());
                    let run = match self.run(&pod).await {
                        Ok(run) => run,
                        Err(e) => Run {
                            pod: name.clone(),
                            command: "?".into(),
                            exit_code: 125,
                            output: format!("the harness could not run the pod: {e:#}"),
                        },
                    };
                    let message = last_json_line(&run.output).unwrap_or_default();
                    let message = self.termination_message(&name).unwrap_or(message);
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
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// A Running pod of a Job, of the local image, not yet given an exit code.
    fn ours(&self, pod: &Pod) -> bool {
        let spec = pod.spec.as_ref();
        let image = spec.and_then(|s| s.containers.first()?.image.clone());
        let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
        let of_job = pod.owner_references().iter().any(|o| o.kind == "Job");
        image.is_some_and(|i| LOCAL_IMAGES.contains(&i.as_str()))
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

    async fn run(&self, pod: &Pod) -> anyhow::Result<Run> {
        let name = pod.name_any();
        let spec = pod.spec.clone().context("pod without spec")?;
        let container = spec.containers.first().context("pod without containers")?;
        let command = container.command.clone().unwrap_or_default();
        let is_agent = command
            .first()
            .is_some_and(|c| c.ends_with("/odoo-operator"));
        if !is_agent {
            return Ok(Run {
                pod: name,
                command: "odoo".into(),
                exit_code: 0,
                output: String::new(),
            });
        }
        let dir = self.pod_dir(&name);
        std::fs::create_dir_all(&dir)?;
        let mounts = self.mounts(
            &name,
            container,
            spec.volumes.as_deref().unwrap_or_default(),
        )?;
        let local = |value: &str| -> String {
            if value == TERMINATION_LOG {
                return dir.join("termination-log").display().to_string();
            }
            for (path, local) in &mounts {
                if let Some(rest) = value.strip_prefix(path.as_str())
                    && (rest.is_empty() || rest.starts_with('/'))
                {
                    return format!("{}{rest}", local.display());
                }
            }
            value.to_owned()
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
        let output = tokio::process::Command::new(&self.agent)
            .args(&args)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", self.pg_bin.display()))
            .env("HOME", &dir)
            .envs(&env)
            .output()
            .await
            .with_context(|| format!("running {}", self.agent.display()))?;
        Ok(Run {
            pod: name,
            command: args.get(1).cloned().unwrap_or_default(),
            exit_code: output.status.code().unwrap_or(128),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            ),
        })
    }

    /// Mount paths of the container and their local directories, longest first.
    fn mounts(
        &self,
        pod: &str,
        container: &Container,
        volumes: &[Volume],
    ) -> anyhow::Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        for m in container.volume_mounts.clone().unwrap_or_default() {
            let volume = volumes.iter().find(|v| v.name == m.name);
            let local = match volume.and_then(|v| v.persistent_volume_claim.as_ref()) {
                Some(claim) => self.root.join("claims").join(&claim.claim_name),
                None => self.pod_dir(pod).join("volumes").join(&m.name),
            };
            std::fs::create_dir_all(&local)?;
            out.push((m.mount_path, local));
        }
        out.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        Ok(out)
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

fn last_json_line(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::LOCAL_IMAGES;

    /// kwok must leave these pods to the harness and end them by its annotations:
    /// an image missing from the stages would be completed by kwok without running.
    #[test]
    fn kwok_stages_and_exclusions_name_every_local_image() {
        let stages = include_str!("../../hack/kwok-stages.yaml");
        let tools = include_str!("../../hack/tools.sh");
        for image in LOCAL_IMAGES {
            let listed = format!("- '{image}'");
            assert_eq!(
                stages.matches(&listed).count(),
                2,
                "{image}: pod-local-succeeded and pod-local-failed"
            );
            assert!(tools.contains(&format!("'{image}'")), "{image}: exclude()");
        }
    }
}
