//! Where a backup's archive goes: its extension, its key and the agent's
//! destination argument. Pure.

use super::super::agent_pod::BACKUP_DIR;
use crate::validate::ValidInstance;
use odoo_model::OdooBackupJob;
use odoo_model::backup_job::BackupFormat;

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
