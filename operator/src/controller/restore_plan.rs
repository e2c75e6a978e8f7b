//! The pure half of a restore: where the archive is, the names of the temporary and
//! kept databases, and its agent Jobs (load, then switch the filestore). Odoo's own
//! runs on the loaded database are in [`super::restore_job::runs`].

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::agent::{RestoreRequest, env};
use odoo_model::common::S3Bucket;
use odoo_model::{JobPhase, Location, OdooBackupJob, OdooRestoreJob};

use super::{db_names, filestore_jobs};
use crate::build::DATA_DIR;
use crate::runtime::agent_pod::BACKUP_DIR;
use crate::runtime::agent_pod::{self, AgentRun};
use crate::validate::ValidInstance;

/// The archive to restore, resolved from the job's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// An S3 object, or a path under [`BACKUP_DIR`] on `claim`.
    pub location: Location,
    pub sha256: Option<String>,
    pub bucket: Option<S3Bucket>,
    pub claim: Option<String>,
    /// Which backup a `latestBackupOf` source took, and why.
    pub chosen: Option<String>,
}

/// Why a source cannot be used (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Refused for good; the message says why.
    Refused(String),
    /// The backup it names is still running.
    Wait(String),
}

/// A backup job's archive, if it has one to restore.
pub fn from_backup(b: &OdooBackupJob) -> Result<Source, Unusable> {
    let name = b.name_any();
    let status = b.status.clone().unwrap_or_default();
    match status.job.phase {
        Some(JobPhase::Succeeded) => {}
        Some(JobPhase::Failed) => {
            return Err(Unusable::Refused(format!(
                "OdooBackupJob {name} failed; it has no archive to restore"
            )));
        }
        _ => return Err(Unusable::Wait(format!("OdooBackupJob {name} to finish"))),
    }
    let Some(location) = status.location else {
        return Err(Unusable::Refused(format!(
            "OdooBackupJob {name} records no archive location"
        )));
    };
    let d = &b.spec.backup.destination;
    Ok(Source {
        location,
        sha256: status.sha256,
        bucket: d.s3.as_ref().map(|s| s.bucket.clone()),
        claim: d.pvc.as_ref().map(|p| p.claim_name.clone()),
        chosen: None,
    })
}

/// A source given directly (S3 object or volume path), without a backup resource,
/// with the digest the job names (`spec.sha256`), which the load is checked against.
pub fn direct(job: &OdooRestoreJob) -> Option<Source> {
    let s = &job.spec.source;
    if let Some(o) = &s.s3 {
        return Some(Source {
            location: Location::s3(&o.bucket.bucket, &o.key),
            sha256: job.spec.sha256.clone(),
            bucket: Some(o.bucket.clone()),
            claim: None,
            chosen: None,
        });
    }
    s.pvc.as_ref().map(|p| Source {
        location: Location::File(format!("{BACKUP_DIR}/{}", p.path).into()),
        sha256: job.spec.sha256.clone(),
        bucket: None,
        claim: Some(p.claim_name.clone()),
        chosen: None,
    })
}

/// The database (and filestore directory) the archive is loaded into: unique per
/// restore job, so a retried reconcile finds its own and two restores never share.
pub fn temporary_name(database: &str, job_uid: &str) -> String {
    db_names::per_job(database, "restoring", job_uid)
}

/// The name the replaced database (and its files) are kept under: dated, so a
/// person sees at once which restore replaced it.
pub fn kept_name(database: &str, at: k8s_openapi::jiff::Timestamp) -> String {
    db_names::dated(database, "pre_restore", at)
}

/// The Job that verifies and loads the archive into the temporary database and
/// filestore directory, while the instance keeps serving the live ones.
pub fn load_job(
    job: &OdooRestoreJob,
    v: &ValidInstance,
    source: &Source,
    temporary: &str,
    agent_image: &str,
) -> Job {
    let target = format!("{DATA_DIR}/filestore/{temporary}");
    let request = RestoreRequest {
        database: agent_pod::connection(v, temporary),
        s3: source.bucket.as_ref().map(agent_pod::s3_options),
        source: source.location.clone(),
        expected_sha256: job.spec.sha256.clone().or(source.sha256.clone()),
        format: None,
        filestore: Some(target.clone().into()),
        skip_filestore: false,
    };
    let secret = agent_pod::pg_password(env::PG, v);
    // The archive is a tenant's: the pod that reads it sees only the directory it
    // writes, never the live files or the kept ones.
    let filestore = format!("filestore/{temporary}");
    let request = agent_pod::Requested::new(&request).with_secrets([secret]);
    let run = AgentRun::new(
        format!("{}-load", job.name_any()),
        "restore",
        "restore",
        request,
    )
    .mounting(agent_pod::mount_dir(
        "filestore",
        &filestore,
        &target,
        false,
    ));
    let archives = agent_pod::archives(
        "source",
        source.bucket.as_ref(),
        source.claim.as_deref(),
        false,
    );
    agent_pod::build(job, v, run.reaching(archives), agent_image)
}

/// Removes the files a load left under the temporary name (a deleted restore's
/// cleanup): the filestore copy's discard, which touches nothing else.
pub fn discard_files_job(
    job: &OdooRestoreJob,
    v: &ValidInstance,
    temporary: &str,
    agent_image: &str,
) -> Job {
    let name = format!("{}-cleanup", job.name_any());
    let request = filestore_jobs::copy_request(v, temporary, true);
    filestore_jobs::filestore_job(job, name, "restore", v, &request, agent_image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_names_its_temporary_and_kept_databases() {
        assert_eq!(temporary_name("shop", "uid-1"), "shop_restoring_4a49acf8");
        let at: k8s_openapi::jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
        assert_eq!(kept_name("shop", at), "shop_pre_restore_20260102030405");
    }

    #[test]
    fn the_load_pod_sees_only_the_directory_it_writes() {
        let v = crate::build::sample();
        let job: OdooRestoreJob = serde_json::from_value(serde_json::json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
            "metadata": { "name": "r", "namespace": "team-a", "uid": "uid-r" },
            "spec": { "instanceRef": { "name": "shop" },
                "source": { "pvc": { "claimName": "uploads", "path": "k.zip" } } },
        }))
        .expect("a restore job");
        let source = Source {
            location: Location::s3("b", "k.zip"),
            sha256: None,
            bucket: None,
            claim: None,
            chosen: None,
        };
        let built = load_job(&job, &v, &source, "team_a_shop_restoring_1", "agent:1");
        let pod = built
            .spec
            .and_then(|s| s.template.spec)
            .expect("a pod template");
        let filestore: Vec<_> = pod
            .containers
            .iter()
            .chain(pod.init_containers.iter().flatten())
            .flat_map(|c| c.volume_mounts.iter().flatten())
            .filter(|m| m.name == "filestore")
            .collect();
        assert!(!filestore.is_empty());
        for m in filestore {
            assert_eq!(
                m.sub_path.as_deref(),
                Some("filestore/team_a_shop_restoring_1"),
                "{m:?}"
            );
            assert_eq!(
                m.mount_path,
                format!("{DATA_DIR}/filestore/team_a_shop_restoring_1")
            );
        }
    }
}
