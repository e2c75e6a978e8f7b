//! Where a backup's archive goes: its key and its location. Pure.

use crate::runtime::agent_pod::BACKUP_DIR;
use crate::validate::ValidInstance;
use odoo_model::{Location, OdooBackupJob, OdooBackupJobStatus};

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

/// Where a job's archive goes: an S3 object, or a file on the mounted volume.
pub fn destination(
    job: &OdooBackupJob,
    v: &ValidInstance,
    at: k8s_openapi::jiff::Timestamp,
) -> Option<Location> {
    let ext = job.spec.backup.format.extension();
    let d = &job.spec.backup.destination;
    let render = |t: &str| render_key(t, &v.namespace, &v.name, &v.database.name, at, ext);
    match (&d.s3, &d.pvc) {
        (Some(s3), _) => Some(Location::s3(&s3.bucket.bucket, render(&s3.key))),
        (None, Some(pvc)) => Some(Location::File(
            std::path::Path::new(BACKUP_DIR).join(render(&pvc.path)),
        )),
        (None, None) => None,
    }
}

/// The location the job recorded when it started, which its agents are given, or
/// why it names no archive.
pub fn recorded(status: &OdooBackupJobStatus) -> Result<Location, String> {
    status
        .location
        .clone()
        .ok_or_else(|| "the job records no archive location".to_owned())
}
