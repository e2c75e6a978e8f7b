//! The backup's agent Job: pure. Its pod runs the agent in the instance's own
//! image, for its pg_dump, with the filestore mounted read-only.

use k8s_openapi::api::batch::v1::Job;
use odoo_model::agent::BackupRequest;
use odoo_model::backup_job::{BackupDestination, BackupFormat, BackupVerify};
use odoo_model::{Location, OdooBackupJob};

use super::facts::backup_job_name;
use crate::build::DATA_DIR;
use crate::runtime::agent_pod;
use crate::validate::ValidInstance;

/// The backup destination as a pod reaches it; only a backup and an archive's
/// deletion write there.
pub fn destination(d: &BackupDestination, writes: bool) -> agent_pod::Archives {
    let bucket = d.s3.as_ref().map(|s3| &s3.bucket);
    let claim = d.pvc.as_ref().map(|pvc| pvc.claim_name.as_str());
    agent_pod::archives("destination", bucket, claim, writes)
}

/// The Kubernetes Job of a backup: pure, from the job, the instance as validated
/// (the image its database is at, `v.images.database`), the archive's location and the agent image.
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
        odoo_version: odoo_model::OdooVersion::of_image(&v.images.database).map(Into::into),
    };
    let secret = agent_pod::pg_password(odoo_model::agent::env::PG, v);
    let request = agent_pod::Requested::new(&request).with_secrets([secret]);
    let run = agent_pod::AgentRun::new(backup_job_name(job), "backup", "backup", request)
        .mounting(agent_pod::mount("filestore", DATA_DIR, true));
    agent_pod::build(
        job,
        v,
        run.reaching(destination(&spec.destination, true)),
        agent_image,
    )
}
