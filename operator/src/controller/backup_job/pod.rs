//! The backup's agent Job: pure. Its pod runs the agent in the instance's own
//! image, for its pg_dump, with the filestore mounted read-only.

use k8s_openapi::api::batch::v1::Job;
use odoo_model::agent::BackupRequest;
use odoo_model::backup_job::{BackupFormat, BackupVerify};
use odoo_model::{Location, OdooBackupJob};

use super::facts::backup_job_name;
use crate::build::DATA_DIR;
use crate::runtime::agent_pod;
use crate::runtime::agent_pod::BACKUP_DIR;
use crate::validate::ValidInstance;

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
        name: backup_job_name(job),
        component: "backup",
        container: "backup",
        request: agent_pod::Requested::new(&request).with_secrets(secrets),
        mounts,
        volumes,
        retries: 0,
    };
    agent_pod::build(job, v, run, agent_image)
}
