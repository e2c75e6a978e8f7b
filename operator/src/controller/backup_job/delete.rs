//! A backup let go with its archive: retention or `kubectl odoo backup delete` put
//! the cleanup finalizer and the delete-archive request on it, then deleted it.
//! The operator runs `odoo-agent delete-archive` from its own image (no instance
//! needed: the instance may be gone), checks an S3 archive gone itself, says what
//! was freed in an event, and only then lets the resource go. A failed deletion
//! is retried, never forgotten.
//!
//! It never deletes a held backup's archive, nor one a restore in progress reads
//! (it waits for the restore). A backup deleted without the request, or whose
//! namespace is being deleted, leaves its archive in storage.

use odoo_model::Reason;
use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, PodSecurityContext, PodSpec, PodTemplateSpec, SecurityContext, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::agent::{Command, DeleteReport, DeleteRequest, env};
use odoo_model::backup_job::OdooBackupJobStatus;
use odoo_model::backup_use::backups_in_use;
use odoo_model::instance::Environment;
use odoo_model::labels::{AGENT_LABEL, ENVIRONMENT_LABEL, instance_labels};
use odoo_model::{Location, OdooBackupJob, OdooInstance, OdooRestoreJob};

use super::super::bucket;
use crate::build::pod::ODOO_UID;
use crate::runtime::agent_pod::{self, Agent};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// Where `odoo-agent` is in the operator's image.
const AGENT_IN_OPERATOR_IMAGE: &str = "/usr/local/bin/odoo-agent";
const CONTAINER: &str = "delete";

/// A deletion waiting for a restore that reads the archive looks again this often:
/// the restore finishing does not wake the backup.
const RESTORE_READING: Duration = Duration::from_secs(30);
/// A deletion whose Job runs looks again this often (its Job's changes wake it
/// sooner): the resource is held until the archive is gone.
const DELETING: Duration = Duration::from_secs(5);
/// A failed deletion is tried again, with a new Job, after this long.
const RETRY: Duration = Duration::from_secs(60);

/// The deletion's Job.
pub fn job_name(job: &OdooBackupJob) -> String {
    format!("{}-delete", job.name_any())
}

/// The agent's container: the operator image's own copy of the agent, no rights.
fn container(envs: Vec<EnvVar>, mounts: Vec<VolumeMount>, agent_image: &str) -> Container {
    Container {
        name: CONTAINER.into(),
        image: Some(agent_image.into()),
        command: Some(vec![
            AGENT_IN_OPERATOR_IMAGE.into(),
            Command::DeleteArchive.as_str().into(),
        ]),
        env: Some(envs),
        volume_mounts: Some(mounts),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(k8s_openapi::api::core::v1::Capabilities {
                drop: Some(vec!["ALL".into()]),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Container::default()
    }
}

/// The deletion Job's labels and its pod's: the pod's name the agent command and
/// the instance's environment, when known.
fn labels(
    job: &OdooBackupJob,
    environment: Option<Environment>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut labels = instance_labels(&job.spec.instance_ref.name, "backup");
    let mut pod_labels = labels.clone();
    pod_labels.insert(AGENT_LABEL.into(), Command::DeleteArchive.as_str().into());
    if let Some(environment) = environment {
        pod_labels.insert(ENVIRONMENT_LABEL.into(), environment.label_value().into());
    }
    labels.remove(AGENT_LABEL);
    (labels, pod_labels)
}

/// The deletion's Job: pure, from the backup as stored and the environment of its
/// instance (its pod is labelled like the instance's others; an instance already
/// gone leaves it unlabelled). Deleting is safe to repeat (a second run finds the
/// archive gone), so the pod is retried.
pub fn build_job(
    job: &OdooBackupJob,
    status: &OdooBackupJobStatus,
    archive: &Location,
    environment: Option<Environment>,
    agent_image: &str,
) -> Job {
    let d = &job.spec.backup.destination;
    let request = DeleteRequest {
        s3: d.s3.as_ref().map(|s3| agent_pod::s3_options(&s3.bucket)),
        archive: archive.clone(),
        expected_sha256: status.sha256.clone().unwrap_or_default(),
    };
    let mut envs = agent_pod::Requested::new(&request).into_env();
    envs.push(agent_pod::env(env::TERMINATION_LOG, "/dev/termination-log"));
    let mut mounts = vec![agent_pod::mount("tmp", "/tmp", false)];
    let mut volumes = vec![k8s_openapi::api::core::v1::Volume {
        name: "tmp".into(),
        empty_dir: Some(Default::default()),
        ..Default::default()
    }];
    let archives = super::pod::destination(d, true);
    envs.extend(archives.env);
    mounts.extend(archives.mounts);
    volumes.extend(archives.volumes);
    let (labels, pod_labels) = labels(job, environment);
    let container = container(envs, mounts, agent_image);
    Job {
        metadata: ObjectMeta {
            name: Some(job_name(job)),
            namespace: job.namespace(),
            labels: Some(labels),
            owner_references: Some(vec![OwnerReference {
                api_version: OdooBackupJob::api_version(&()).into(),
                kind: OdooBackupJob::kind(&()).into(),
                name: job.name_any(),
                uid: job.uid().unwrap_or_default(),
                controller: Some(true),
                // The owner is being deleted already: nothing to block.
                block_owner_deletion: Some(false),
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(2),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    // The archive's files belong to the backup pod's user.
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(ODOO_UID),
                        run_as_group: Some(ODOO_UID),
                        fs_group: Some(ODOO_UID),
                        ..Default::default()
                    }),
                    volumes: Some(volumes),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        status: None,
    }
}

/// The cleanup of a backup being deleted: `None` once the resource may go.
pub async fn clean_up(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: Option<&OdooInstance>,
) -> Result<Option<Action>, Error> {
    let status = job.status.clone().unwrap_or_default();
    let (Some(location), Some(_)) = (&status.location, &status.sha256) else {
        // Nothing stored under this backup's name.
        return Ok(None);
    };
    if !job.archive_deletion_requested() {
        return Ok(None);
    }
    let announce = |warning: bool, reason: Reason, message: String| async move {
        ctx.event(job, warning, reason, message.clone()).await;
        if let Some(instance) = instance {
            ctx.event(instance, warning, reason, message).await;
        }
    };
    if job.spec.hold {
        let message = format!(
            "{} is held (spec.hold): its archive {location} stays in storage",
            job.name_any()
        );
        announce(false, Reason::ArchiveKept, message).await;
        return Ok(None);
    }
    let ns = job.namespace().unwrap_or_default();
    if let Some(restore) = read_by(ctx, &ns, job).await? {
        let message = format!(
            "the archive {location} of {} is deleted once OdooRestoreJob {restore}, which reads it, is finished",
            job.name_any()
        );
        announce(false, Reason::ArchiveDeletionWaiting, message).await;
        return Ok(Some(Action::requeue(RESTORE_READING)));
    }
    let name = job_name(job);
    let taken = match agent_pod::run_of::<DeleteReport>(ctx, &ns, &name, CONTAINER).await? {
        Agent::Missing => {
            let environment = instance.map(|i| i.spec.environment);
            return start(ctx, job, &status, location, environment, announce).await;
        }
        Agent::Running => return Ok(Some(Action::requeue(DELETING))),
        Agent::Ended(taken) => taken,
    };
    match checked(ctx, job, taken, location).await? {
        Ok(report) => {
            let mut message = deleted_message(job, &report);
            // The archive is gone: a record that cannot be deleted (credentials
            // limited to the archives' prefix) is said, not waited on; `backup orphans`
            // lists it as a record without its archive.
            match super::index::forget(ctx, job).await {
                Ok(Some(record)) => message.push_str(&format!(
                    "; its bucket index record {record} is deleted too"
                )),
                Ok(None) => {}
                Err(e) => message.push_str(&format!("; its bucket index record is left: {e}")),
            }
            announce(false, Reason::ArchiveDeleted, message).await;
            Ok(None)
        }
        Err(why) => {
            let message = format!(
                "deleting the archive {location} of {} failed: {why}; retrying in a minute (the backup stays until it is gone; logs: kubectl logs job/{name} -n {ns})",
                job.name_any()
            );
            announce(true, Reason::ArchiveDeleteFailed, message).await;
            // The next try is a new Job.
            let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &ns);
            match jobs.delete(&name, &DeleteParams::background()).await {
                Ok(_) => {}
                Err(e) if odoo_model::api_error::is_not_found(&e) => {}
                Err(e) => return Err(Error::kube(format!("deleting Job {name}"))(e)),
            }
            Ok(Some(Action::requeue(RETRY)))
        }
    }
}

/// The agent's report of a finished deletion, with the operator's own look in the
/// bucket for an S3 archive (a volume's rests on the agent's read).
async fn checked(
    ctx: &Context,
    job: &OdooBackupJob,
    taken: Result<DeleteReport, String>,
    location: &odoo_model::Location,
) -> Result<Result<DeleteReport, String>, Error> {
    let ns = job.namespace().unwrap_or_default();
    let report = match taken {
        Ok(report) => report,
        Err(why) => return Ok(Err(why)),
    };
    Ok(match &job.spec.backup.destination.s3 {
        Some(s3) => bucket::gone(ctx, &ns, &s3.bucket, location)
            .await?
            .map(|_| report),
        None => Ok(report),
    })
}

/// Starts the deletion's Job. A namespace being deleted takes no new pods: the
/// archive then stays, and the namespace is not held up.
async fn start<F, Fut>(
    ctx: &Context,
    job: &OdooBackupJob,
    status: &OdooBackupJobStatus,
    location: &odoo_model::Location,
    environment: Option<Environment>,
    announce: F,
) -> Result<Option<Action>, Error>
where
    F: FnOnce(bool, Reason, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let ns = job.namespace().unwrap_or_default();
    let built = build_job(job, status, location, environment, &ctx.config.agent_image);
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &ns);
    match jobs.create(&PostParams::default(), &built).await {
        Ok(_) => Ok(Some(Action::requeue(DELETING))),
        Err(e) if odoo_model::api_error::is_conflict(&e) => Ok(Some(Action::requeue(DELETING))),
        Err(kube::Error::Api(e)) if e.code == 403 && e.message.contains("terminat") => {
            let message = format!(
                "the namespace is being deleted: the archive {location} of {} stays in storage",
                job.name_any()
            );
            announce(true, Reason::ArchiveKept, message).await;
            Ok(None)
        }
        Err(e) => Err(Error::kube(format!("creating Job {}", job_name(job)))(e)),
    }
}

/// `A and B`.
fn joined(locations: &[odoo_model::Location]) -> String {
    let texts: Vec<String> = locations.iter().map(ToString::to_string).collect();
    texts.join(" and ")
}

/// What an `ArchiveDeleted` event says.
pub fn deleted_message(job: &OdooBackupJob, report: &DeleteReport) -> String {
    if !report.existed {
        let digest = match report.removed.as_slice() {
            [] => String::new(),
            removed => format!("; deleted {}", joined(removed)),
        };
        return format!(
            "the archive {} of {} was already gone{digest}: {} bytes freed",
            report.location,
            job.name_any(),
            report.bytes_freed
        );
    }
    format!(
        "deleted {} of {}: {} bytes freed",
        joined(&report.removed),
        job.name_any(),
        report.bytes_freed
    )
}

/// The unfinished restore that reads this backup, if any.
async fn read_by(ctx: &Context, ns: &str, job: &OdooBackupJob) -> Result<Option<String>, Error> {
    let restores = Api::<OdooRestoreJob>::namespaced(ctx.client.clone(), ns)
        .list(&ListParams::default())
        .await
        .map_err(Error::kube("listing the namespace's OdooRestoreJobs"))?
        .items;
    if restores.is_empty() {
        return Ok(None);
    }
    let backups = Api::<OdooBackupJob>::namespaced(ctx.client.clone(), ns)
        .list(&ListParams::default())
        .await
        .map_err(Error::kube("listing the namespace's OdooBackupJobs"))?
        .items;
    let name = job.name_any();
    Ok(backups_in_use(&restores, &backups)
        .into_iter()
        .find(|u| u.backup == name)
        .map(|u| u.restore))
}
