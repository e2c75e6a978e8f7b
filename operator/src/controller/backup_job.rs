//! OdooBackupJob: a Job whose pod runs the backup agent (the operator binary,
//! copied in by an init container) in the instance's own image, for its pg_dump,
//! with the filestore mounted read-only. The agent streams the archive to S3 or a
//! volume and reports size, checksum and versions in its termination message,
//! which becomes the job's status.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::agent::BackupReport;
use odoo_model::backup_job::{BackupFormat, BackupVerify, OdooBackupJobStatus};
use odoo_model::{InstancePhase, JobPhase, OdooBackupJob, OdooInstance};
use serde_json::json;

use super::batch::{self, Outcome};
use super::error::Error;
use super::{Context, agent_pod, observe, proof};
use crate::build::DATA_DIR;
use crate::validate::ValidInstance;

/// Where a volume destination is mounted.
pub const BACKUP_DIR: &str = "/backup";

/// The archive's file extension.
pub fn extension(format: BackupFormat) -> &'static str {
    match format {
        BackupFormat::Zip => "zip",
        BackupFormat::Dump => "dump",
        BackupFormat::Sql => "sql",
    }
}

/// Fills a key template: `{namespace}`, `{instance}`, `{database}`, `{timestamp}`
/// (UTC, `20260101T120000Z`) and `{ext}`.
pub fn render_key(
    template: &str,
    namespace: &str,
    instance: &str,
    database: &str,
    at: k8s_openapi::jiff::Timestamp,
    ext: &str,
) -> String {
    template
        .replace("{namespace}", namespace)
        .replace("{instance}", instance)
        .replace("{database}", database)
        .replace("{timestamp}", &at.strftime("%Y%m%dT%H%M%SZ").to_string())
        .replace("{ext}", ext)
}

/// The agent's destination argument for a job: `s3://bucket/key` or a path on the
/// mounted volume.
pub fn destination(
    job: &OdooBackupJob,
    v: &ValidInstance,
    at: k8s_openapi::jiff::Timestamp,
) -> String {
    let ext = extension(job.spec.backup.format);
    let d = &job.spec.backup.destination;
    let render = |t: &str| render_key(t, &v.namespace, &v.name, &v.database.name, at, ext);
    match (&d.s3, &d.pvc) {
        (Some(s3), _) => format!("s3://{}/{}", s3.bucket.bucket, render(&s3.key)),
        (None, Some(pvc)) => format!("{BACKUP_DIR}/{}", render(&pvc.path)),
        (None, None) => String::new(),
    }
}

/// The Kubernetes Job of a backup: pure, from the job, the instance as validated
/// (its approved image in `v.image`), the archive's location and the agent image.
pub fn build_job(job: &OdooBackupJob, v: &ValidInstance, location: &str, agent_image: &str) -> Job {
    let spec = &job.spec.backup;
    let mut env = agent_pod::pg_env(v, &v.database.name);
    env.extend([
        agent_pod::env(odoo_model::agent::env::DESTINATION, location),
        agent_pod::env(odoo_model::agent::env::FORMAT, extension(spec.format)),
        agent_pod::env(
            odoo_model::agent::env::FILESTORE,
            format!("{DATA_DIR}/filestore/{}", v.database.name),
        ),
    ]);
    if let Some(version) = super::instance::odoo_version(&v.image) {
        env.push(agent_pod::env(
            odoo_model::agent::env::ODOO_VERSION,
            version,
        ));
    }
    if !spec.with_filestore || spec.format != BackupFormat::Zip {
        env.push(agent_pod::env(
            odoo_model::agent::env::WITHOUT_FILESTORE,
            "true",
        ));
    }
    if spec.verify == BackupVerify::Restore {
        env.push(agent_pod::env(odoo_model::agent::env::COUNT_ROWS, "true"));
    }
    let mut mounts = vec![agent_pod::mount("filestore", DATA_DIR, true)];
    let mut volumes = vec![];
    if let Some(s3) = &spec.destination.s3 {
        env.extend(agent_pod::s3_env(&s3.bucket));
    }
    if let Some(pvc) = &spec.destination.pvc {
        mounts.push(agent_pod::mount("destination", BACKUP_DIR, false));
        volumes.push(agent_pod::claim_volume("destination", &pvc.claim_name));
    }
    let run = agent_pod::AgentRun {
        name: format!("{}-job", job.name_any()),
        component: "backup",
        container: "backup",
        command: odoo_model::agent::Command::Backup,
        env,
        mounts,
        volumes,
        retries: 0,
    };
    agent_pod::build(job, v, run, agent_image)
}

#[tracing::instrument(skip_all, fields(name = %job.name_any(), namespace = job.namespace().unwrap_or_default()))]
pub async fn reconcile(job: Arc<OdooBackupJob>, ctx: Arc<Context>) -> Result<Action, Error> {
    let _timer = ctx.metrics.reconcile_timer("backup_job");
    let ns = job.namespace().unwrap_or_default();
    let mut status = job.status.clone().unwrap_or_default();
    let phase = status.job.phase.unwrap_or(JobPhase::Pending);
    if phase.is_finished() {
        return Ok(Action::await_change());
    }
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    let name = &job.spec.instance_ref.name;
    let Some(instance) = instances
        .get_opt(name)
        .await
        .map_err(Error::kube("reading the instance"))?
    else {
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return write(&ctx, &job, status, JobPhase::Failed).await;
    };
    let instance_phase = instance.status.as_ref().and_then(|s| s.phase);
    let batch_name = format!("{}-job", job.name_any());

    if phase != JobPhase::Running {
        let waiting = match instance_phase {
            Some(
                InstancePhase::Running
                | InstancePhase::Degraded
                | InstancePhase::Stopped
                | InstancePhase::Starting,
            ) => busy_with(&ctx, &job, &instance).await?,
            other => Some(format!(
                "the instance to be initialized and settled (it is {})",
                other.map_or("new".into(), |p| p.to_string())
            )),
        };
        if let Some(what) = waiting {
            status.job.message = Some(format!("queued: waiting for {what}"));
            write(&ctx, &job, status, JobPhase::Pending).await?;
            return Ok(Action::requeue(Duration::from_secs(10)));
        }
        let v = valid_instance(&ctx, &instance).await?;
        // Fixed at start so a retried reconcile writes the same object.
        status.location = Some(destination(&job, &v, k8s_openapi::jiff::Timestamp::now()));
        status.odoo_version = super::instance::odoo_version(&v.image);
        status.job.message = Some(format!(
            "backing up {} to {}",
            v.database.name,
            status.location.clone().unwrap_or_default()
        ));
        write(&ctx, &job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(1)));
    }

    if status.sha256.is_some() {
        // Stored and proven: only the verification `spec.verify` asks for remains.
        return super::backup_verify::reconcile(&ctx, &job, &instance, status).await;
    }
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &ns);
    let Some(live) = jobs
        .get_opt(&batch_name)
        .await
        .map_err(Error::kube(format!("reading Job {batch_name}")))?
    else {
        let v = valid_instance(&ctx, &instance).await?;
        let location = status.location.clone().unwrap_or_default();
        crate::apply::apply(
            &ctx.client,
            &build_job(&job, &v, &location, &ctx.config.agent_image),
        )
        .await?;
        status.job.job_name = Some(batch_name.clone());
        write(&ctx, &job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(30)));
    };
    let outcome = batch::outcome(&live);
    if outcome == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(30)));
    }
    let left = agent_pod::report::<BackupReport>(&ctx, &ns, &batch_name, "backup").await?;
    let location = status.location.clone().unwrap_or_default();
    let proven = match agent_pod::taken(outcome == Outcome::Complete, left) {
        Err(why) => Err(why),
        Ok(r) => match proof::backup_report(&r, &location) {
            Err(why) => Err(why),
            Ok(proof) => match &job.spec.backup.destination.s3 {
                Some(s3) => proof::stored_object(&ctx, &ns, &s3.bucket, &r)
                    .await?
                    .map(|stored| (r, stored)),
                None => Ok((r, proof)),
            },
        },
    };
    match proven {
        Ok((r, proof)) => {
            status.location = Some(location);
            status.size_bytes = i64::try_from(r.archive.size_bytes).ok();
            status.sha256 = Some(r.archive.sha256);
            status.duration_seconds = Some(r.archive.duration_seconds.round() as i64);
            status.odoo_version = r.archive.odoo_version.or(status.odoo_version);
            status.pg_version = r.archive.pg_version;
            status.row_counts = r.row_counts;
            let method = job.spec.backup.verify;
            if method.is_none() {
                status.job.message = Some(proof);
                return succeed(&ctx, &job, &instance, status).await;
            }
            status.job.message = Some(format!("stored: {proof}; verifying it ({method})"));
            write(&ctx, &job, status, JobPhase::Running).await?;
            Ok(Action::requeue(Duration::from_secs(1)))
        }
        Err(why) => {
            let message =
                format!("backup failed: {why}; logs: kubectl logs job/{batch_name} -n {ns}");
            fail(&ctx, &job, &instance, status, "BackupFailed", message).await
        }
    }
}

/// Ends the job Succeeded and records it as the instance's last backup.
pub(super) async fn succeed(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    status: OdooBackupJobStatus,
) -> Result<Action, Error> {
    let message = status.job.message.clone().unwrap_or_default();
    write(ctx, job, status, JobPhase::Succeeded).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooBackupJob",
        &job.name_any(),
        JobPhase::Succeeded,
        &message,
    );
    let patch = json!({ "status": { "lastBackup": {
        "name": job.name_any(),
        "completionTime": Time(k8s_openapi::jiff::Timestamp::now()),
    }}});
    let instances: Api<OdooInstance> =
        Api::namespaced(ctx.client.clone(), &job.namespace().unwrap_or_default());
    instances
        .patch_status(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
        .map_err(Error::kube("recording the last backup"))?;
    Ok(Action::await_change())
}

/// Ends the job Failed with a Warning event `reason` on it and its instance.
pub(super) async fn fail(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    mut status: OdooBackupJobStatus,
    reason: &str,
    message: String,
) -> Result<Action, Error> {
    ctx.event(job, true, reason, message.clone()).await;
    ctx.event(instance, true, reason, message.clone()).await;
    status.job.message = Some(message.clone());
    let done = write(ctx, job, status, JobPhase::Failed).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooBackupJob",
        &job.name_any(),
        JobPhase::Failed,
        &message,
    );
    Ok(done)
}

/// Another backup of the instance that goes first, if any.
async fn busy_with(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
) -> Result<Option<String>, Error> {
    batch::queued_behind(
        &ctx.client,
        job,
        &instance.name_any(),
        |j| &j.spec.instance_ref.name,
        |j| j.status.as_ref().and_then(|s| s.job.phase),
    )
    .await
}

/// The instance resolved, running the image its database is at.
pub async fn valid_instance(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<ValidInstance, Error> {
    let clusters = observe::pg_clusters(ctx).await?;
    Ok(crate::validate::resolve(instance, &clusters)?.at_database_image(instance))
}

pub(super) async fn write(
    ctx: &Context,
    job: &OdooBackupJob,
    mut next: OdooBackupJobStatus,
    phase: JobPhase,
) -> Result<Action, Error> {
    ctx.backoff.succeeded(&backoff_key(job));
    let current = job.status.clone().unwrap_or_default();
    super::batch::stamp(&mut next.job, phase, job.meta().generation);
    super::batch::patch_status(&ctx.client, job, &current, &next).await?;
    Ok(if phase.is_finished() {
        Action::await_change()
    } else {
        Action::requeue(Duration::from_secs(30))
    })
}

fn backoff_key(job: &OdooBackupJob) -> String {
    format!(
        "backup/{}/{}",
        job.namespace().unwrap_or_default(),
        job.name_any()
    )
}

pub fn error_policy(job: Arc<OdooBackupJob>, error: &Error, ctx: Arc<Context>) -> Action {
    ctx.metrics.reconcile_error("backup_job", error.category());
    tracing::warn!(name = %job.name_any(), namespace = ?job.namespace(), error = %error, "backup job reconcile failed");
    Action::requeue(ctx.backoff.retry_after(&backoff_key(&job), error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use odoo_model::backup_job::{
        BackupDestination, BackupTemplate, OdooBackupJobSpec, S3Destination,
    };
    use odoo_model::common::{S3Bucket, S3Credentials};

    fn s3_job() -> OdooBackupJob {
        let mut job = OdooBackupJob::new(
            "nightly",
            OdooBackupJobSpec {
                instance_ref: odoo_model::InstanceRef {
                    name: "shop".into(),
                },
                backup: BackupTemplate {
                    format: BackupFormat::Zip,
                    with_filestore: true,
                    verify: Default::default(),
                    destination: BackupDestination {
                        s3: Some(S3Destination {
                            bucket: S3Bucket {
                                endpoint: "https://s3.example.com".into(),
                                bucket: "backups".into(),
                                region: "eu-1".into(),
                                credentials: S3Credentials {
                                    secret_name: "s3".into(),
                                    access_key_id_key: "id".into(),
                                    secret_access_key_key: "secret".into(),
                                },
                                force_path_style: true,
                                insecure_skip_tls_verify: false,
                            },
                            key: "{instance}/{timestamp}.{ext}".into(),
                        }),
                        pvc: None,
                    },
                },
            },
        );
        job.metadata.namespace = Some("prod".into());
        job
    }

    #[test]
    fn the_pod_runs_the_copied_agent_with_credentials_by_reference() {
        let v = crate::build::sample();
        let job = build_job(
            &s3_job(),
            &v,
            "s3://backups/shop/x.zip",
            "odoo-operator:9.9",
        );
        let pod = job.spec.clone().and_then(|s| s.template.spec).expect("pod");
        let init = &pod.init_containers.as_ref().expect("init")[0];
        assert_eq!(init.image.as_deref(), Some("odoo-operator:9.9"));
        let c = &pod.containers[0];
        assert_eq!(
            c.image.as_deref(),
            Some(v.image.as_str()),
            "the instance's image, for its pg_dump"
        );
        assert_eq!(
            c.command.clone().expect("command"),
            ["/agent/odoo-agent", "backup"]
        );
        let labels = job
            .spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        assert_eq!(
            labels
                .get(odoo_model::labels::AGENT_LABEL)
                .map(String::as_str),
            Some("backup"),
            "agent pods say so, for the simulated cluster and for kubectl get -l"
        );
        let env = c.env.clone().unwrap_or_default();
        let get = |n: &str| env.iter().find(|e| e.name == n).cloned().expect(n);
        assert_eq!(
            get("ODOO_AGENT_DESTINATION").value.as_deref(),
            Some("s3://backups/shop/x.zip")
        );
        let secret = get("AWS_SECRET_ACCESS_KEY")
            .value_from
            .and_then(|f| f.secret_key_ref)
            .expect("ref");
        assert_eq!(
            (secret.name.as_str(), secret.key.as_str()),
            ("s3", "secret")
        );
        assert!(
            get("PGPASSWORD").value.is_none(),
            "the password is never inlined"
        );
        let filestore = c
            .volume_mounts
            .as_ref()
            .expect("mounts")
            .iter()
            .find(|m| m.name == "filestore")
            .expect("filestore");
        assert_eq!(filestore.read_only, Some(true));
    }

    #[test]
    fn destinations_are_rendered_at_start() {
        let v = crate::build::sample();
        let at: k8s_openapi::jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
        assert_eq!(
            destination(&s3_job(), &v, at),
            format!("s3://backups/{}/20260102T030405Z.zip", v.name)
        );
    }

    #[test]
    fn key_templates_fill_every_placeholder() {
        let at: k8s_openapi::jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
        assert_eq!(
            render_key(
                "{namespace}/{instance}/{database}-{timestamp}.{ext}",
                "prod",
                "shop",
                "prod_shop",
                at,
                "zip"
            ),
            "prod/shop/prod_shop-20260102T030405Z.zip"
        );
    }
}
