//! The Kubernetes Jobs that job resources run (init, upgrade, backup, migration copy):
//! one builder, one way to run the agent in them and one reading of their outcome,
//! so every job resource behaves the same way.

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, Pod, SecretKeySelector, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::{Resource, ResourceExt};

use crate::build::{self, pod};
use crate::validate::ValidInstance;

/// A Job running the instance's Odoo container with `args`, owned by `owner` (the
/// job resource), so deleting the resource deletes the Job and its pods.
pub fn odoo_job<K>(
    owner: &K,
    name: String,
    v: &ValidInstance,
    component: &str,
    args: Vec<String>,
) -> Job
where
    K: Resource<DynamicType = ()>,
{
    let container = pod::container(v, args, v.resources.clone());
    let mut template = pod::template(v, component, container, "");
    if let Some(spec) = template.spec.as_mut() {
        spec.restart_policy = Some("Never".into());
    }
    let mut meta = build::meta::object_meta(v, name, component);
    meta.owner_references = Some(vec![OwnerReference {
        api_version: K::api_version(&()).into(),
        kind: K::kind(&()).into(),
        name: owner.name_any(),
        uid: owner.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    Job {
        metadata: meta,
        spec: Some(JobSpec {
            // A failed run leaves the database half-changed: retrying blindly would
            // hide the first error. The user retries with a new job resource.
            backoff_limit: Some(0),
            template,
            ..JobSpec::default()
        }),
        status: None,
    }
}

/// Where a Job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Running,
    Complete,
    Failed,
}

pub fn outcome(job: &Job) -> Outcome {
    let conditions = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let holds = |t: &str| {
        conditions
            .iter()
            .any(|c| c.type_ == t && c.status == "True")
    };
    if holds("Complete") {
        Outcome::Complete
    } else if holds("Failed") {
        Outcome::Failed
    } else {
        Outcome::Running
    }
}

/// Sets what every job resource's status says about a pass: the phase, the
/// generation seen, and when it started and finished.
pub fn stamp(
    common: &mut odoo_model::common::JobStatusCommon,
    phase: odoo_model::JobPhase,
    generation: Option<i64>,
) {
    let now =
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now());
    common.phase = Some(phase);
    common.observed_generation = generation;
    if phase == odoo_model::JobPhase::Running && common.start_time.is_none() {
        common.start_time = Some(now.clone());
    }
    if phase.is_finished() && common.completion_time.is_none() {
        common.completion_time = Some(now);
    }
}

/// Writes a job resource's status with a merge patch, only when it changed.
pub async fn patch_status<K, S>(
    client: &kube::Client,
    job: &K,
    current: &S,
    next: &S,
) -> Result<(), super::error::Error>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    S: serde::Serialize + PartialEq,
{
    if next == current {
        return Ok(());
    }
    let api: kube::Api<K> =
        kube::Api::namespaced(client.clone(), &job.namespace().unwrap_or_default());
    api.patch_status(
        &job.name_any(),
        &kube::api::PatchParams::default(),
        // The resourceVersion read makes the write conditional: a pass that started
        // from a stale copy must not overwrite an outcome recorded meanwhile.
        &kube::api::Patch::Merge(serde_json::json!({
            "metadata": { "resourceVersion": job.resource_version() },
            "status": next,
        })),
    )
    .await
    .map_err(super::error::Error::kube(format!(
        "writing the status of {} {}",
        K::kind(&()),
        job.name_any()
    )))?;
    Ok(())
}

/// The job of the same kind and instance that goes first, as `Kind/name`: one that
/// runs, or an older one still waiting (first come, first served).
pub async fn queued_behind<K>(
    client: &kube::Client,
    job: &K,
    instance: &str,
    instance_of: fn(&K) -> &str,
    phase_of: fn(&K) -> Option<odoo_model::JobPhase>,
) -> Result<Option<String>, super::error::Error>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    use odoo_model::JobPhase;
    let api: kube::Api<K> =
        kube::Api::namespaced(client.clone(), &job.namespace().unwrap_or_default());
    let kind = K::kind(&());
    let mine = job.creation_timestamp().map(|t| t.0);
    let list = api
        .list(&Default::default())
        .await
        .map_err(super::error::Error::kube(format!("listing {kind}s")))?;
    let other = list.items.iter().find(|j| {
        j.name_any() != job.name_any()
            && instance_of(j) == instance
            && match phase_of(j) {
                Some(JobPhase::Running) => true,
                None | Some(JobPhase::Pending) => j.creation_timestamp().map(|t| t.0) < mine,
                _ => false,
            }
    });
    Ok(other.map(|j| format!("{kind}/{}", j.name_any())))
}

pub fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..EnvVar::default()
    }
}

pub fn secret_env(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.into(),
                key: key.into(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

pub fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: Some(read_only),
        ..VolumeMount::default()
    }
}

/// libpq's connection variables for the instance's database as `v` resolves it,
/// named `<prefix>HOST`, `<prefix>PORT` …: `PG` for the tools' own, another prefix
/// for the second side of a copy. The password is a Secret reference, never inlined.
pub fn pg_env(prefix: &str, v: &ValidInstance) -> Vec<EnvVar> {
    let db = &v.database;
    vec![
        env(&format!("{prefix}HOST"), &db.host),
        env(&format!("{prefix}PORT"), db.port.to_string()),
        env(&format!("{prefix}USER"), &db.role),
        env(&format!("{prefix}DATABASE"), &db.name),
        env(&format!("{prefix}SSLMODE"), &db.ssl_mode),
        secret_env(&format!("{prefix}PASSWORD"), &v.db_secret, "password"),
    ]
}

/// Where the init container puts the agent binary in the job pod.
const AGENT_DIR: &str = "/agent";

/// What a Job's pod runs as the agent.
pub struct AgentRun<'a> {
    /// Name of the (first) container, which runs the agent.
    pub container: &'a str,
    /// `odoo-operator agent <subcommand>`.
    pub subcommand: &'a str,
    pub env: Vec<EnvVar>,
    pub mounts: Vec<VolumeMount>,
    pub volumes: Vec<Volume>,
    pub agent_image: &'a str,
}

/// Turns the Odoo container of `job` into an agent run: the binary comes from the
/// operator image through an init container, so nothing is installed at run time
/// and the Odoo image stays the only image with database tools. The result is
/// written as the termination message, where [`agent_report`] reads it.
pub fn run_agent(job: &mut Job, run: AgentRun<'_>) {
    let Some(pod) = job.spec.as_mut().and_then(|s| s.template.spec.as_mut()) else {
        return;
    };
    let mut env = run.env;
    env.push(env_var_termination_log());
    let mut mounts = vec![mount("agent", AGENT_DIR, true)];
    mounts.extend(run.mounts);
    let odoo = &mut pod.containers[0];
    odoo.name = run.container.into();
    odoo.command = Some(vec![
        format!("{AGENT_DIR}/odoo-operator"),
        "agent".into(),
        run.subcommand.into(),
    ]);
    odoo.args = None;
    odoo.env = Some(env);
    odoo.volume_mounts = Some(mounts);
    odoo.termination_message_policy = Some("FallbackToLogsOnError".into());
    pod.init_containers = Some(vec![Container {
        name: "agent-install".into(),
        image: Some(run.agent_image.into()),
        command: Some(vec![
            "odoo-operator".into(),
            "agent".into(),
            "install".into(),
            "--to".into(),
            AGENT_DIR.into(),
        ]),
        volume_mounts: Some(vec![mount("agent", AGENT_DIR, false)]),
        security_context: odoo.security_context.clone(),
        ..Container::default()
    }]);
    let volumes = pod.volumes.get_or_insert_with(Vec::new);
    volumes.push(Volume {
        name: "agent".into(),
        empty_dir: Some(Default::default()),
        ..Volume::default()
    });
    volumes.extend(run.volumes);
}

fn env_var_termination_log() -> EnvVar {
    env("ODOO_AGENT_TERMINATION_LOG", "/dev/termination-log")
}

/// The agent's result line from the terminated `container` of the Job's pod.
pub async fn agent_report<T: serde::de::DeserializeOwned>(
    client: &kube::Client,
    ns: &str,
    job_name: &str,
    container: &str,
) -> Result<Option<T>, super::error::Error> {
    let pods: kube::Api<Pod> = kube::Api::namespaced(client.clone(), ns);
    let list = pods
        .list(&kube::api::ListParams::default().labels(&format!("job-name={job_name}")))
        .await
        .map_err(super::error::Error::kube(format!(
            "listing the pods of Job {job_name}"
        )))?;
    Ok(list.items.iter().find_map(|p| {
        let statuses = p.status.as_ref()?.container_statuses.as_ref()?;
        let message = statuses
            .iter()
            .find(|c| c.name == container)?
            .state
            .as_ref()?
            .terminated
            .as_ref()?
            .message
            .clone()?;
        serde_json::from_str(&message).ok()
    }))
}
