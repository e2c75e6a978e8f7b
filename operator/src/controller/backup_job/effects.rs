//! What a backup's steps ask for, done: each effect's outcome goes into the facts,
//! and the next step decides on it.

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::OdooBackupJob;
use odoo_model::agent::{BackupReport, RestoreReport, RowCounts, VerifyReport};
use odoo_model::backup_job::{BackupVerify, OdooBackupJobStatus};

use super::super::job::{self, cluster_of, db_error};
use super::super::proof;
use super::facts::{Effect, Facts, Said, backup_job_name};
use super::{archive, index, pod, verify};
use crate::controller::step::Apply;
use crate::pg::restore as pg_restore;
use crate::runtime::agent_pod::{self, Agent};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

impl Apply<OdooBackupJob> for Effect {
    async fn apply(self, ctx: &Context, job: &OdooBackupJob, f: &mut Facts) -> Result<(), Error> {
        let ns = job.namespace().unwrap_or_default();
        let instance = f.seen.needed()?;
        match self {
            Effect::ReadQueue => {
                f.queued = Some(crate::runtime::batch::queued_behind(&ctx.client, job).await?)
            }
            Effect::Resolve => f.valid = Some(Box::new(job::valid_instance(ctx, instance).await?)),
            Effect::ReadBackup => {
                let name = backup_job_name(job);
                f.backup = Some(agent_pod::run_of::<BackupReport>(ctx, &ns, &name, "backup").await?)
            }
            Effect::StartBackup(location) => {
                let built = pod::build_job(
                    job,
                    job::resolved(&f.valid)?,
                    &location,
                    &ctx.config.agent_image,
                );
                crate::apply::apply(&ctx.client, &built).await?;
                f.started = true;
            }
            Effect::CheckStored => f.stored = Some(stored(ctx, job, f).await?),
            Effect::WriteIndex(status) => {
                crate::crash::point("backup-before-index-record");
                let written = index::write(ctx, job, instance, &status).await;
                f.indexed = Some(written.map_err(|e| e.to_string()));
            }
            other => other.verify(ctx, job, f).await?,
        }
        Ok(())
    }
}

impl Effect {
    /// The effects of the verification.
    async fn verify(self, ctx: &Context, job: &OdooBackupJob, f: &mut Facts) -> Result<(), Error> {
        let v = job::resolved(&f.valid)?;
        let scratch = scratch(job, v);
        match self {
            Effect::ReadVerify => {
                f.verify.run = Some(read_verify(ctx, job, scratch.is_some()).await?)
            }
            Effect::CreateScratch => {
                // Proven stored, so recorded: a status that names no archive was
                // edited, and no scratch database is made for a Job never started.
                archive::recorded(&status(job)).map_err(Error::InvalidSpec)?;
                let cluster = cluster_of(ctx, v).await?;
                pg_restore::create_restore_database(
                    &cluster,
                    &v.owner(),
                    &scratch.unwrap_or_default(),
                )
                .await
                .map_err(|e| db_error(&v.database.cluster, e))?;
                f.verify.scratch_made = true;
            }
            Effect::StartVerify => {
                let (image, status) = (&ctx.config.agent_image, status(job));
                // Proven stored, so recorded: a status that names no archive was edited.
                let archive = archive::recorded(&status).map_err(Error::InvalidSpec)?;
                let built = verify::build_job(job, v, &status, &archive, scratch.as_deref(), image);
                crate::apply::apply(&ctx.client, &built).await?;
                f.verify.started = true;
            }
            Effect::ReadRecorded => {
                let name = job.name_any();
                let stored = Api::<OdooBackupJob>::namespaced(ctx.client.clone(), &v.namespace)
                    .get_opt(&name)
                    .await
                    .map_err(Error::kube(format!("reading odoobackupjob/{name}")))?;
                f.verify.recorded = Some(stored.map(|s| Box::new(s.status.unwrap_or_default())));
            }
            Effect::CountScratch => f.verify.loaded = Some(count(ctx, job, f).await?),
            Effect::DropScratch => {
                let cluster = cluster_of(ctx, v).await?;
                pg_restore::drop_database(
                    &cluster,
                    &scratch.unwrap_or_default(),
                    &v.owner(),
                    false,
                )
                .await
                .map_err(|e| db_error(&v.database.cluster, e))?;
                f.verify.dropped = true;
            }
            _ => {}
        }
        Ok(())
    }
}

fn status(job: &OdooBackupJob) -> OdooBackupJobStatus {
    job.status.clone().unwrap_or_default()
}

/// The scratch database a `Restore` verification loads into.
fn scratch(job: &OdooBackupJob, v: &ValidInstance) -> Option<String> {
    (job.spec.backup.verify == BackupVerify::Restore)
        .then(|| verify::scratch_database(&v.database.name, &job.uid().unwrap_or_default()))
}

/// The operator's own look at the reported archive in its bucket; a volume's
/// rests on the agent's read-back.
async fn stored(ctx: &Context, job: &OdooBackupJob, f: &Facts) -> Result<proof::Checked, Error> {
    let (Some(s3), Some(Agent::Ended(Ok(report)))) =
        (&job.spec.backup.destination.s3, f.backup.as_ref())
    else {
        return Ok(Err("no reported archive in a bucket to look at".into()));
    };
    let ns = job.namespace().unwrap_or_default();
    proof::stored_object(ctx, &ns, &s3.bucket, report).await
}

/// The verification's Job, and what its agent reported once it ended.
async fn read_verify(
    ctx: &Context,
    job: &OdooBackupJob,
    restore: bool,
) -> Result<Agent<Result<Said, String>>, Error> {
    let (ns, name) = (job.namespace().unwrap_or_default(), verify::job_name(job));
    let run = if restore {
        let run = agent_pod::run_of::<RestoreReport>(ctx, &ns, &name, "verify").await?;
        map_ended(run, Said::Restore)
    } else {
        let run = agent_pod::run_of::<VerifyReport>(ctx, &ns, &name, "verify").await?;
        map_ended(run, Said::Archive)
    };
    Ok(run)
}

fn map_ended<R>(run: Agent<Result<R, String>>, said: fn(R) -> Said) -> Agent<Result<Said, String>> {
    match run {
        Agent::Missing => Agent::Missing,
        Agent::Running => Agent::Running,
        Agent::Ended(taken) => Agent::Ended(taken.map(said)),
    }
}

/// The scratch database as the operator counts it itself, once checked against
/// the agent's report: its rows, or why it does not agree.
async fn count(
    ctx: &Context,
    job: &OdooBackupJob,
    f: &Facts,
) -> Result<Result<RowCounts, String>, Error> {
    let v = job::resolved(&f.valid)?;
    let Some(Agent::Ended(Ok(Said::Restore(report)))) = &f.verify.run else {
        return Ok(Err(
            "no restore report to check the scratch database with".into()
        ));
    };
    let scratch = scratch(job, v).unwrap_or_default();
    let sha256 = job.status.as_ref().and_then(|s| s.sha256.as_deref());
    let (checked, own) = proof::loaded_database(ctx, v, &scratch, report, sha256).await?;
    Ok(checked.map(|_| RowCounts::of(own.tables.iter().map(|(t, n)| (t, *n)))))
}
