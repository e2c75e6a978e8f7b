//! The verification `spec.verify` asks of a stored backup, after the backup itself
//! was proven: `Archive` has the agent read the stored object end to end (every
//! CRC, the SHA-256, the manifest); `Restore` has it load the archive into a
//! scratch database on the instance's cluster, which the operator then counts
//! itself and compares with the rows of the dump's own snapshot, and drops. The
//! job is Succeeded only when the verification passed.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::agent::{
    RestoreReport, RestoreRequest, RowCounts, VerifyReport, VerifyRequest, env,
};
use odoo_model::backup_job::{BackupVerification, BackupVerify, OdooBackupJobStatus, VerifyResult};
use odoo_model::{JobPhase, Location, OdooBackupJob, OdooInstance};

use super::super::job::valid_instance;
use super::super::job::{cluster_of, db_error};
use super::super::proof::{self, Checked};
use super::outcome::{fail, succeed, write};
use crate::pg::restore as pg_restore;
use crate::runtime::agent_pod;
use crate::runtime::agent_pod::BACKUP_DIR;
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// The verification's Job.
fn job_name(job: &OdooBackupJob) -> String {
    format!("{}-verify", job.name_any())
}

/// The scratch database a `Restore` verification loads into: unique per job.
pub fn scratch_database(database: &str, job_uid: &str) -> String {
    let hash = crate::hex(&<sha2::Sha256 as sha2::Digest>::digest(job_uid.as_bytes()));
    let mut end = database.len().min(63 - 16);
    while !database.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_verify_{}", &database[..end], &hash[..8])
}

/// The verification Job: pure, from the backup as stored (`status`, its archive
/// at `archive`).
pub fn build_job(
    job: &OdooBackupJob,
    v: &ValidInstance,
    status: &OdooBackupJobStatus,
    archive: &Location,
    scratch: Option<&str>,
    agent_image: &str,
) -> Job {
    let d = &job.spec.backup.destination;
    let s3 = d.s3.as_ref().map(|s3| agent_pod::s3_options(&s3.bucket));
    let expected_sha256 = status.sha256.clone().unwrap_or_default();
    let format = Some(job.spec.backup.format);
    let mut secrets = vec![];
    let request = match scratch {
        Some(database) => {
            secrets.push(agent_pod::pg_password(env::PG, v));
            agent_pod::Requested::new(&RestoreRequest {
                database: agent_pod::connection(v, database),
                s3,
                source: archive.clone(),
                expected_sha256: Some(expected_sha256),
                format,
                filestore: None,
                skip_filestore: true,
            })
        }
        None => agent_pod::Requested::new(&VerifyRequest {
            s3,
            source: archive.clone(),
            expected_sha256,
            format,
        }),
    };
    let mut mounts = vec![];
    let mut volumes = vec![];
    if let Some(s3) = &d.s3 {
        secrets.extend(agent_pod::s3_credentials(&s3.bucket));
    }
    if let Some(pvc) = &d.pvc {
        mounts.push(agent_pod::mount("destination", BACKUP_DIR, true));
        volumes.push(agent_pod::claim_volume("destination", &pvc.claim_name));
    }
    let run = agent_pod::AgentRun {
        name: job_name(job),
        component: "backup",
        container: "verify",
        request: request.with_secrets(secrets),
        mounts,
        volumes,
        retries: 0,
    };
    agent_pod::build(job, v, run, agent_image)
}

/// Runs the verification and ends the job by its result.
pub async fn reconcile(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    status: OdooBackupJobStatus,
) -> Result<Action, Error> {
    // Passed and recorded: only the end remains, whatever became of the Job.
    if status
        .verified
        .as_ref()
        .is_some_and(|v| v.result == VerifyResult::Passed)
    {
        return succeed(ctx, job, instance, status).await;
    }
    let ns = job.namespace().unwrap_or_default();
    let name = job_name(job);
    let v = valid_instance(ctx, instance).await?;
    let scratch = (job.spec.backup.verify == BackupVerify::Restore)
        .then(|| scratch_database(&v.database.name, &job.uid().unwrap_or_default()));
    let Some(live) = crate::runtime::batch::live_job(ctx, &ns, &name).await? else {
        return start(ctx, job, &v, status, scratch.as_deref()).await;
    };
    let outcome = batch::outcome(&live);
    if outcome == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(10)));
    }
    if let Some(ended) = already_recorded(ctx, job, instance).await? {
        return Ok(ended);
    }
    let complete = outcome == Outcome::Complete;
    let checked = check(ctx, &v, &name, scratch.as_deref(), complete, &status).await?;
    record(ctx, job, instance, status, checked).await
}

/// No verification Job yet: the scratch database (for Restore), then the Job.
async fn start(
    ctx: &Context,
    job: &OdooBackupJob,
    v: &ValidInstance,
    status: OdooBackupJobStatus,
    scratch: Option<&str>,
) -> Result<Action, Error> {
    // Proven stored, so recorded: a status that names no archive was edited.
    let archive = super::archive::recorded(&status).map_err(Error::InvalidSpec)?;
    if let Some(scratch) = scratch {
        let cluster = cluster_of(ctx, v).await?;
        pg_restore::create_restore_database(&cluster, &v.owner(), scratch)
            .await
            .map_err(|e| db_error(&v.database.cluster, e))?;
    }
    let built = build_job(job, v, &status, &archive, scratch, &ctx.config.agent_image);
    crate::apply::apply(&ctx.client, &built).await?;
    write(ctx, job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(10)))
}

/// The end of a verification is counted, announced and written once. A reconcile
/// on an object the cache has not caught up with yet would verify and count it a
/// second time: one read of the stored object, once per backup. `Some` when the
/// stored object already records the end (or a pass, whose end is retried here:
/// the scratch database is gone by now).
async fn already_recorded(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
) -> Result<Option<Action>, Error> {
    let ns = job.namespace().unwrap_or_default();
    let stored = Api::<OdooBackupJob>::namespaced(ctx.client.clone(), &ns)
        .get_opt(&job.name_any())
        .await
        .map_err(Error::kube(format!(
            "reading odoobackupjob/{}",
            job.name_any()
        )))?;
    let Some(stored) = stored else {
        return Ok(Some(Action::await_change()));
    };
    let recorded = stored.status.clone().unwrap_or_default();
    if recorded.job.phase.is_some_and(JobPhase::is_finished) {
        return Ok(Some(Action::await_change()));
    }
    match &recorded.verified {
        Some(v) if v.result == VerifyResult::Passed => {
            Ok(Some(succeed(ctx, &stored, instance, recorded).await?))
        }
        Some(_) => Ok(Some(Action::await_change())),
        None => Ok(None),
    }
}

/// The operator's check of what the verification Job reported: the archive read
/// back, or the scratch database compared with the backup (then dropped).
async fn check(
    ctx: &Context,
    v: &ValidInstance,
    name: &str,
    scratch: Option<&str>,
    complete: bool,
    status: &OdooBackupJobStatus,
) -> Result<Result<String, String>, Error> {
    let ns = &v.namespace;
    let Some(scratch) = scratch else {
        let left = agent_pod::report::<VerifyReport>(ctx, ns, name, "verify").await?;
        return Ok(agent_pod::taken(complete, left).and_then(|r| archive_read_back(&r, status)));
    };
    let left = agent_pod::report::<RestoreReport>(ctx, ns, name, "verify").await?;
    let checked = match agent_pod::taken(complete, left) {
        Err(why) => Err(why),
        Ok(r) => scratch_agrees(ctx, v, scratch, &r, status).await?,
    };
    let cluster = cluster_of(ctx, v).await?;
    pg_restore::drop_database(&cluster, scratch, &v.owner(), false)
        .await
        .map_err(|e| db_error(&v.database.cluster, e))?;
    Ok(checked)
}

/// Records the verification: a pass is written first (the next pass ends the
/// job), a failure fails the job. Counted once the outcome is stored: a failed
/// write is retried, not recounted.
async fn record(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    mut status: OdooBackupJobStatus,
    checked: Result<String, String>,
) -> Result<Action, Error> {
    let method = job.spec.backup.verify;
    let method_name: &'static str = match method {
        BackupVerify::Restore => "Restore",
        _ => "Archive",
    };
    let passed = checked.is_ok();
    let (result, message) = match &checked {
        Ok(m) => (VerifyResult::Passed, m.clone()),
        Err(m) => (VerifyResult::Failed, m.clone()),
    };
    status.verified = Some(BackupVerification {
        method,
        at: Some(Time(k8s_openapi::jiff::Timestamp::now())),
        result,
        message: message.clone(),
    });
    let ended = match checked {
        Ok(m) => {
            status.job.message = Some(format!(
                "{} bytes, sha256 {}, verified ({method}): {m}",
                status.size_bytes.unwrap_or(0),
                status.sha256.clone().unwrap_or_default()
            ));
            write(ctx, job, status, JobPhase::Running).await?;
            ctx.event(job, false, Reason::BackupVerified, m.clone())
                .await;
            Ok(Action::requeue(Duration::from_secs(1)))
        }
        Err(why) => {
            let (name, ns) = (job_name(job), job.namespace().unwrap_or_default());
            let message = format!(
                "the stored backup failed its verification ({method}): {why}; logs: kubectl logs job/{name} -n {ns}"
            );
            fail(
                ctx,
                job,
                instance,
                status,
                Reason::BackupVerifyFailed,
                message,
            )
            .await
        }
    }?;
    ctx.metrics.backup_verification(method_name, passed);
    Ok(ended)
}

/// An `Archive` verification: the agent read the object the backup stored.
fn archive_read_back(r: &VerifyReport, status: &OdooBackupJobStatus) -> Checked {
    let sha = status.sha256.as_deref().unwrap_or_default();
    if !r.archive.sha256.eq_ignore_ascii_case(sha) {
        return Err(format!(
            "the stored object's SHA-256 is {}, the backup recorded {sha}",
            r.archive.sha256
        ));
    }
    if Some(r.archive.size_bytes) != status.size_bytes.and_then(|n| u64::try_from(n).ok()) {
        return Err(format!(
            "the stored object has {} bytes, the backup recorded {:?}",
            r.archive.size_bytes, status.size_bytes
        ));
    }
    Ok(format!(
        "read back end to end: {} bytes, {} entries with their CRC-32, sha256 matches",
        r.archive.size_bytes, r.entries
    ))
}

/// A `Restore` verification: the scratch database as the operator counts it agrees
/// with the agent's report and with the rows of the dump's own snapshot.
async fn scratch_agrees(
    ctx: &Context,
    v: &ValidInstance,
    scratch: &str,
    r: &RestoreReport,
    status: &OdooBackupJobStatus,
) -> Result<Checked, Error> {
    let (checked, own) =
        proof::loaded_database(ctx, v, scratch, r, status.sha256.as_deref()).await?;
    if let Err(why) = checked {
        return Ok(Err(why));
    }
    let loaded = RowCounts::of(own.tables.iter().map(|(t, n)| (t, *n)));
    Ok(match &status.row_counts {
        None => Err("the backup has no row counts of its snapshot to compare with".into()),
        Some(snapshot) if *snapshot == loaded => Ok(format!(
            "restored into a scratch database: {} tables and {} rows, equal to the dump's snapshot table by table",
            loaded.tables, loaded.rows
        )),
        Some(snapshot) => Err(format!(
            "the restored database has {} tables and {} rows, the dump's snapshot had {} tables and {} rows (per-table digests {} and {})",
            loaded.tables,
            loaded.rows,
            snapshot.tables,
            snapshot.rows,
            loaded.digest,
            snapshot.digest
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_names_fit_postgres_and_differ_per_job() {
        let long = "a".repeat(63);
        let s = scratch_database(&long, "uid-1");
        assert!(s.len() <= 63, "{s}");
        assert!(s.contains("_verify_"));
        assert_ne!(s, scratch_database(&long, "uid-2"));
    }

    #[test]
    fn an_archive_read_back_must_match_what_was_recorded() {
        let status = OdooBackupJobStatus {
            sha256: Some("a".repeat(64)),
            size_bytes: Some(10),
            ..Default::default()
        };
        let mut r = VerifyReport {
            archive: crate::controller::proof::tests::archive("s3://b/k", 10, &"a".repeat(64)),
            entries: 3,
        };
        assert!(archive_read_back(&r, &status).is_ok());
        r.archive.sha256 = "b".repeat(64);
        assert!(archive_read_back(&r, &status).is_err());
        r.archive.sha256 = "a".repeat(64);
        r.archive.size_bytes = 11;
        assert!(archive_read_back(&r, &status).is_err());
    }
}
