//! The Job of a job resource whose pod runs the agent: `odoo-agent`, copied in by an
//! init container from the operator image, inside the instance's own Odoo image
//! (for its pg_dump/psql, matched to the server). Backup and restore jobs build
//! theirs here, so both get the same copy step, the same security context and
//! the same way of passing credentials (by Secret reference, never inlined).

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, PersistentVolumeClaimVolumeSource, SecretKeySelector, Volume,
    VolumeMount,
};
use kube::Resource;
use odoo_model::agent::env::PgVars;
use odoo_model::agent::{self as contract, Command, PgConnection, S3Options};
use odoo_model::common::S3Bucket;

use super::batch;
use crate::validate::ValidInstance;

/// Where a volume destination (a backup's, a restore's source) is mounted.
pub const BACKUP_DIR: &str = "/backup";

/// Where the init container puts the agent binary in the job pod.
pub const AGENT_DIR: &str = "/agent";
/// The agent's binary, on PATH in the operator image.
pub const AGENT_BINARY: &str = "odoo-agent";

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

/// [`mount`] of one directory of the volume only (`sub_path`): the pod sees nothing
/// else of it.
pub fn mount_dir(name: &str, sub_path: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        sub_path: Some(sub_path.into()),
        ..mount(name, path, read_only)
    }
}

pub fn claim_volume(name: &str, claim: &str) -> Volume {
    Volume {
        name: name.into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim.into(),
            read_only: None,
        }),
        ..Volume::default()
    }
}

/// What a pod asks of the agent: its command and the request's variables, with
/// the Secret references the request leaves out. Made from a request only, so a
/// pod carries nothing the agent does not read back with the same type.
#[derive(Debug, Clone)]
pub struct Requested {
    command: Command,
    env: Vec<EnvVar>,
}

impl Requested {
    pub fn new<R: contract::Request>(request: &R) -> Self {
        Requested {
            command: R::COMMAND,
            env: request
                .to_env()
                .into_iter()
                .map(|(name, value)| env(name, value))
                .collect(),
        }
    }

    /// Secret-sourced variables beside the request's.
    pub fn with_secrets(mut self, secrets: impl IntoIterator<Item = EnvVar>) -> Self {
        self.env.extend(secrets);
        self
    }

    pub fn command(&self) -> Command {
        self.command
    }

    pub fn into_env(self) -> Vec<EnvVar> {
        self.env
    }
}

/// The connection to `database` on the instance's cluster as the instance's role.
pub fn connection(v: &ValidInstance, database: &str) -> PgConnection {
    let db = &v.database;
    PgConnection {
        host: db.host.clone(),
        port: db.port,
        user: db.role.clone(),
        database: database.to_owned(),
        sslmode: db.ssl_mode,
        sslrootcert: None,
    }
}

/// The password of the connection named `names`: the instance's role's, by Secret
/// reference, never inlined.
pub fn pg_password(names: PgVars, v: &ValidInstance) -> EnvVar {
    secret_env(names.password, &v.db_secret, "password")
}

/// How the agent reaches a bucket.
pub fn s3_options(b: &S3Bucket) -> S3Options {
    S3Options {
        region: b.region.clone(),
        force_path_style: b.force_path_style,
        insecure_skip_tls_verify: b.insecure_skip_tls_verify,
        ..S3Options::new(&b.endpoint)
    }
}

/// A bucket's credentials, by Secret reference.
pub fn s3_credentials(b: &S3Bucket) -> Vec<EnvVar> {
    vec![
        secret_env(
            contract::env::AWS_ACCESS_KEY_ID,
            &b.credentials.secret_name,
            &b.credentials.access_key_id_key,
        ),
        secret_env(
            contract::env::AWS_SECRET_ACCESS_KEY,
            &b.credentials.secret_name,
            &b.credentials.secret_access_key_key,
        ),
    ]
}

/// What a pod needs to reach the archives kept in a bucket or on a claim: the
/// bucket's credentials, or the claim mounted at [`BACKUP_DIR`].
#[derive(Default)]
pub struct Archives {
    pub env: Vec<EnvVar>,
    pub mounts: Vec<VolumeMount>,
    pub volumes: Vec<Volume>,
}

/// The archives in `bucket` or on `claim` (volume `name`), the claim read-only
/// unless the run `writes` there (a backup, an archive's deletion).
pub fn archives(
    name: &str,
    bucket: Option<&S3Bucket>,
    claim: Option<&str>,
    writes: bool,
) -> Archives {
    let mut a = Archives::default();
    if let Some(bucket) = bucket {
        a.env = s3_credentials(bucket);
    }
    if let Some(claim) = claim {
        a.mounts.push(mount(name, BACKUP_DIR, !writes));
        a.volumes.push(claim_volume(name, claim));
    }
    a
}

/// What differs between agent jobs.
pub struct AgentRun {
    /// The Job's name.
    name: String,
    /// The `app.kubernetes.io/component` of the Job and its pod.
    component: &'static str,
    /// The agent container's name, where the controller reads the report from.
    container: &'static str,
    /// The agent's command and its environment.
    request: Requested,
    /// Mounts besides the agent's own directory and /tmp.
    mounts: Vec<VolumeMount>,
    /// Volumes besides the instance's filestore and the agent's directory.
    volumes: Vec<Volume>,
    /// Tries of the pod: 0 unless the step is safe to repeat.
    retries: i32,
}

impl AgentRun {
    /// A run of `request` as Job `name`, whose report is read from `container`:
    /// nothing mounted besides the agent's own, and not retried.
    pub fn new(
        name: String,
        component: &'static str,
        container: &'static str,
        request: Requested,
    ) -> Self {
        Self {
            name,
            component,
            container,
            request,
            mounts: vec![],
            volumes: vec![],
            retries: 0,
        }
    }

    /// The same run with `mount` of the instance's filestore (or another volume
    /// the pod has).
    pub fn mounting(mut self, mount: VolumeMount) -> Self {
        self.mounts.push(mount);
        self
    }

    /// The same run, its pod tried `retries` more times: for steps safe to repeat.
    pub fn retried(mut self, retries: i32) -> Self {
        self.retries = retries;
        self
    }

    /// The same run, its pod reaching `archives`.
    pub fn reaching(mut self, archives: Archives) -> Self {
        self.request.env.extend(archives.env);
        self.mounts.extend(archives.mounts);
        self.volumes.extend(archives.volumes);
        self
    }
}

/// The Job: pure, from its owner, the instance as validated (the agent runs in the
/// image its database is at, `v.images.database`, whose `pg_dump` matches it) and
/// the operator image the agent comes from.
pub fn build<K>(owner: &K, v: &ValidInstance, run: AgentRun, agent_image: &str) -> Job
where
    K: Resource<DynamicType = ()>,
{
    let mut job = batch::odoo_job(
        owner,
        run.name,
        v,
        &v.images.database,
        run.component,
        vec![],
    );
    if let Some(spec) = job.spec.as_mut() {
        spec.backoff_limit = Some(run.retries);
    }
    // The pod says what it runs: `kubectl get pods -l odoo-operator.dev/agent`
    // finds every agent pod, and the simulated cluster runs exactly these for real.
    pod_labels(&mut job).insert(
        odoo_model::labels::AGENT_LABEL.into(),
        run.request.command().as_str().into(),
    );
    let Some(pod) = job.spec.as_mut().and_then(|s| s.template.spec.as_mut()) else {
        return job;
    };
    let agent = &mut pod.containers[0];
    agent.name = run.container.into();
    agent.command = Some(vec![
        format!("{AGENT_DIR}/{AGENT_BINARY}"),
        run.request.command().as_str().into(),
    ]);
    agent.args = None;
    let mut env = run.request.into_env();
    env.push(self::env(
        contract::env::TERMINATION_LOG,
        "/dev/termination-log",
    ));
    agent.env = Some(env);
    let mut mounts = vec![mount("agent", AGENT_DIR, true), mount("tmp", "/tmp", false)];
    mounts.extend(run.mounts);
    agent.volume_mounts = Some(mounts);
    agent.termination_message_policy = Some("FallbackToLogsOnError".into());
    // Nothing is installed at run time, and the Odoo image stays the only image
    // with database tools.
    pod.init_containers = Some(vec![Container {
        name: "agent-install".into(),
        image: Some(agent_image.into()),
        command: Some(vec![
            AGENT_BINARY.into(),
            "install".into(),
            "--to".into(),
            AGENT_DIR.into(),
        ]),
        volume_mounts: Some(vec![mount("agent", AGENT_DIR, false)]),
        security_context: agent.security_context.clone(),
        ..Container::default()
    }]);
    let volumes = pod.volumes.get_or_insert_with(Vec::new);
    volumes.push(Volume {
        name: "agent".into(),
        empty_dir: Some(Default::default()),
        ..Volume::default()
    });
    volumes.extend(run.volumes);
    job
}

fn pod_labels(job: &mut Job) -> &mut std::collections::BTreeMap<String, String> {
    let template = &mut job.spec.get_or_insert_with(Default::default).template;
    template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(Default::default)
}

pub use super::agent_report::{Agent, Left, Switched, left_by, run_in, run_of, switched};
pub use super::batch::termination_message;

#[cfg(test)]
mod tests {
    use super::*;

    /// An archive on a claim is mounted at the archive directory, writable only
    /// for a run that writes there: a restore or a verification reads a tenant's
    /// archive and cannot change what else the claim holds. A bucket is reached
    /// with its credentials by reference, never inlined, and mounts nothing.
    #[test]
    fn archives_are_mounted_writable_only_for_runs_that_write_them() {
        let reading = archives("source", None, Some("uploads"), false);
        assert_eq!(reading.mounts.len(), 1);
        assert_eq!(reading.mounts[0].mount_path, BACKUP_DIR);
        assert_eq!(reading.mounts[0].read_only, Some(true));
        let claim = reading.volumes[0].persistent_volume_claim.as_ref();
        assert_eq!(claim.map(|c| c.claim_name.as_str()), Some("uploads"));
        assert!(reading.env.is_empty(), "a claim needs no credentials");
        let writing = archives("destination", None, Some("backups"), true);
        assert_ne!(writing.mounts[0].read_only, Some(true));

        let bucket: S3Bucket = serde_json::from_value(serde_json::json!({
            "endpoint": "https://s3", "bucket": "b",
            "credentials": { "secretName": "s3" }
        }))
        .expect("a bucket");
        let in_bucket = archives("source", Some(&bucket), None, false);
        assert!(in_bucket.mounts.is_empty() && in_bucket.volumes.is_empty());
        let names: Vec<_> = in_bucket.env.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
        assert!(in_bucket.env.iter().all(|e| e.value.is_none()));
    }

    /// Policies select an environment's pods by this label: every job pod made
    /// for the instance carries it, an Odoo run's and an agent's alike.
    #[test]
    fn job_pods_carry_the_instances_environment() {
        use odoo_model::instance::Environment;
        let owner = crate::build::sample_instance();
        let v = ValidInstance {
            environment: Environment::Staging,
            ..crate::build::sample()
        };
        let request = Requested::new(&odoo_model::agent::FilestoreCopyRequest {
            root: "/var/lib/odoo/filestore".into(),
            live: "shop".into(),
            copy: "shop-copy".into(),
            discard: false,
        });
        let run = AgentRun::new("shop-backup".into(), "backup", "backup", request);
        let agent = build(&owner, &v, run, "operator:1");
        let odoo = batch::odoo_job(
            &owner,
            "shop-init".into(),
            &v,
            &v.images.database,
            "init",
            vec![],
        );
        for job in [agent, odoo] {
            let labels = job
                .spec
                .and_then(|s| s.template.metadata)
                .and_then(|m| m.labels)
                .expect("pod labels");
            assert_eq!(
                labels
                    .get(odoo_model::labels::ENVIRONMENT_LABEL)
                    .map(String::as_str),
                Some("staging")
            );
        }
    }
}
