//! OdooBackupJob: a Job whose pod runs the backup agent (the operator binary,
//! copied in by an init container) in the instance's own image, for its pg_dump,
//! with the filestore mounted read-only. The agent streams the archive to S3 or a
//! volume and reports size, checksum and versions in its termination message,
//! which becomes the job's status.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::agent::{BackupReport, BackupRequest};
use odoo_model::backup_job::{BackupFormat, BackupVerify};
use odoo_model::{
    InstancePhase, JobPhase, Location, OdooBackupJob, OdooBackupJobStatus, OdooInstance,
};

use super::job::{self, Started};
use super::proof;
use crate::build::DATA_DIR;
use crate::runtime::agent_pod;
use crate::runtime::agent_pod::BACKUP_DIR;
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

mod archive;
pub mod delete;
pub mod index;
mod outcome;
mod verify;

pub use archive::{destination, render_key};
use outcome::{fail, succeed, write};

/// The Kubernetes Job of a backup: pure, from the job, the instance as validated
/// (its approved image in `v.image`), the archive's location and the agent image.
pub fn build_job(
    job: &OdooBackupJob,
    v: &ValidInstance,
    location: &Location,
    agent_image: &str,
) -> Job {
    let spec = &job.spec.backup;
    let request = BackupRequest {
        database: agent_pod::connection(v, &v.database.name),
        s3: spec
            .destination
            .s3
            .as_ref()
            .map(|s3| agent_pod::s3_options(&s3.bucket)),
        destination: location.clone(),
        format: spec.format,
        filestore: Some(format!("{DATA_DIR}/filestore/{}", v.database.name).into()),
        without_filestore: !spec.with_filestore || spec.format != BackupFormat::Zip,
        count_rows: spec.verify == BackupVerify::Restore,
        odoo_version: odoo_model::OdooVersion::of_image(&v.image).map(Into::into),
    };
    let mut secrets = vec![agent_pod::pg_password(odoo_model::agent::env::PG, v)];
    let mut mounts = vec![agent_pod::mount("filestore", DATA_DIR, true)];
    let mut volumes = vec![];
    if let Some(s3) = &spec.destination.s3 {
        secrets.extend(agent_pod::s3_credentials(&s3.bucket));
    }
    if let Some(pvc) = &spec.destination.pvc {
        mounts.push(agent_pod::mount("destination", BACKUP_DIR, false));
        volumes.push(agent_pod::claim_volume("destination", &pvc.claim_name));
    }
    let run = agent_pod::AgentRun {
        name: format!("{}-job", job.name_any()),
        component: "backup",
        container: "backup",
        request: agent_pod::Requested::new(&request).with_secrets(secrets),
        mounts,
        volumes,
        retries: 0,
    };
    agent_pod::build(job, v, run, agent_image)
}

/// A pass over a backup job that has work to do.
async fn reconcile(
    ctx: &Context,
    job: Arc<OdooBackupJob>,
    instance: Option<OdooInstance>,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();
    let mut status = job.status.clone().unwrap_or_default();
    let phase = status.job.phase.unwrap_or(JobPhase::Pending);
    let Some(instance) = instance else {
        let name = &job.spec.instance_ref.name;
        status.job.message = Some(format!("OdooInstance {name} does not exist"));
        return write(ctx, &job, status, JobPhase::Failed).await;
    };
    if phase != JobPhase::Running {
        return start(ctx, &job, &instance, status).await;
    }
    if status.sha256.is_some() {
        // Stored and proven: only the verification `spec.verify` asks for remains.
        return verify::reconcile(ctx, &job, &instance, status).await;
    }
    let batch_name = format!("{}-job", job.name_any());
    let Some(live) = crate::runtime::batch::live_job(ctx, &ns, &batch_name).await? else {
        let v = job::valid_instance(ctx, &instance).await?;
        let location = match archive::recorded(&status) {
            Ok(location) => location,
            Err(why) => return fail(ctx, &job, &instance, status, Reason::BackupFailed, why).await,
        };
        crate::apply::apply(
            &ctx.client,
            &build_job(&job, &v, &location, &ctx.config.agent_image),
        )
        .await?;
        status.job.job_name = Some(batch_name.clone());
        write(ctx, &job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(30)));
    };
    let outcome = batch::outcome(&live);
    if outcome == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(30)));
    }
    match proven(ctx, &job, outcome, &status).await? {
        Ok((r, proof)) => stored(ctx, &job, &instance, status, r, proof).await,
        Err(why) => {
            let message =
                format!("backup failed: {why}; logs: kubectl logs job/{batch_name} -n {ns}");
            fail(ctx, &job, &instance, status, Reason::BackupFailed, message).await
        }
    }
}

/// A job not yet running: queued behind what holds the instance, or started with
/// its archive's location fixed (so a retried pass writes the same object).
async fn start(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    mut status: OdooBackupJobStatus,
) -> Result<Action, Error> {
    let waiting = match instance.status.as_ref().and_then(|s| s.phase) {
        Some(
            InstancePhase::Running
            | InstancePhase::Degraded
            | InstancePhase::Stopped
            | InstancePhase::Starting,
        ) => batch::queued_behind(&ctx.client, job).await?,
        other => Some(format!(
            "the instance to be initialized and settled (it is {})",
            other.map_or("new".into(), |p| p.to_string())
        )),
    };
    if let Some(what) = waiting {
        status.job.message = Some(format!("queued: waiting for {what}"));
        write(ctx, job, status, JobPhase::Pending).await?;
        return Ok(Action::requeue(Duration::from_secs(10)));
    }
    let v = job::valid_instance(ctx, instance).await?;
    let location = destination(job, &v, k8s_openapi::jiff::Timestamp::now());
    status.location = location.as_ref().map(ToString::to_string);
    status.odoo_version = odoo_model::OdooVersion::of_image(&v.image).map(|v| v.to_string());
    status.job.message = Some(format!(
        "backing up {} to {}",
        v.database.name,
        status.location.clone().unwrap_or_default()
    ));
    write(ctx, job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(1)))
}

/// The agent's report, and the operator's own look at what it stored: the report
/// with the proof in words, or why there is none. `Err(Error)` when storage could
/// not be asked (retried).
async fn proven(
    ctx: &Context,
    job: &OdooBackupJob,
    outcome: Outcome,
    status: &OdooBackupJobStatus,
) -> Result<Result<(BackupReport, String), String>, Error> {
    let ns = job.namespace().unwrap_or_default();
    let batch_name = format!("{}-job", job.name_any());
    let left = agent_pod::report::<BackupReport>(ctx, &ns, &batch_name, "backup").await?;
    let report = match agent_pod::taken(outcome == Outcome::Complete, left) {
        Ok(report) => report,
        Err(why) => return Ok(Err(why)),
    };
    let location = status.location.clone().unwrap_or_default();
    let claimed = location
        .parse::<odoo_model::Location>()
        .map_err(|e| format!("the job's own location: {e}"))
        .and_then(|at| proof::backup_report(&report, &at));
    let proof = match claimed {
        Ok(proof) => proof,
        Err(why) => return Ok(Err(why)),
    };
    Ok(match &job.spec.backup.destination.s3 {
        Some(s3) => proof::stored_object(ctx, &ns, &s3.bucket, &report)
            .await?
            .map(|stored| (report, stored)),
        None => Ok((report, proof)),
    })
}

/// A proven archive: recorded in the status, then verified when the job asks.
async fn stored(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    mut status: OdooBackupJobStatus,
    r: BackupReport,
    proof: String,
) -> Result<Action, Error> {
    status.size_bytes = i64::try_from(r.archive.size_bytes).ok();
    status.sha256 = Some(r.archive.sha256);
    status.duration_seconds = Some(r.archive.duration_seconds.round() as i64);
    status.odoo_version = r.archive.odoo_version.or(status.odoo_version);
    status.pg_version = r.archive.pg_version;
    status.row_counts = r.row_counts;
    let method = job.spec.backup.verify;
    if method.is_none() {
        status.job.message = Some(proof);
        return succeed(ctx, job, instance, status).await;
    }
    status.job.message = Some(format!("stored: {proof}; verifying it ({method})"));
    write(ctx, job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(1)))
}

impl job::Reconcile for OdooBackupJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(reconcile(ctx, started.job, started.instance))
    }

    /// A backup deleted with the delete-archive request takes its archive along.
    fn clean_up(ctx: &Context, started: Started<Self>) -> job::CleaningUp<'_> {
        Box::pin(
            async move { delete::clean_up(ctx, &started.job, started.instance.as_ref()).await },
        )
    }
}

#[cfg(test)]
mod tests;
