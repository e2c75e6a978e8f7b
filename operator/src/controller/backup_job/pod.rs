//! The backup's agent Job: pure. Its pod runs the agent in the instance's own
//! image, for its pg_dump, with the filestore mounted read-only.

use k8s_openapi::api::batch::v1::Job;
use odoo_model::OdooBackupJob;
use odoo_model::backup_job::{BackupFormat, BackupVerify};

use super::facts::backup_job_name;
use crate::build::DATA_DIR;
use crate::runtime::agent_pod;
use crate::runtime::agent_pod::BACKUP_DIR;
use crate::validate::ValidInstance;

/// The Kubernetes Job of a backup: pure, from the job, the instance as validated
/// (its approved image in `v.image`), the archive's location and the agent image.
pub fn build_job(job: &OdooBackupJob, v: &ValidInstance, location: &str, agent_image: &str) -> Job {
    let spec = &job.spec.backup;
    let mut env = agent_pod::pg_env(v, &v.database.name);
    env.extend([
        agent_pod::env(odoo_model::agent::env::DESTINATION, location),
        agent_pod::env(odoo_model::agent::env::FORMAT, spec.format.extension()),
        agent_pod::env(
            odoo_model::agent::env::FILESTORE,
            format!("{DATA_DIR}/filestore/{}", v.database.name),
        ),
    ]);
    if let Some(version) = odoo_model::OdooVersion::of_image(&v.image).map(|v| v.to_string()) {
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
        name: backup_job_name(job),
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
