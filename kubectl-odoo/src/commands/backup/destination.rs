//! Where a backup goes: the destination flags, and how a destination is reused
//! (`--like`, or the instance's newest backup or schedule).

use kube::ResourceExt;
use kube::api::{Api, ListParams};
use odoo_model::backup_job::{BackupDestination, PvcDestination, S3Destination};
use odoo_model::{OdooBackupJob, OdooBackupSchedule};

use crate::commands::backup::flags::S3Flags;
use crate::error::CliError;

/// Where a backup goes: S3 flags, a volume, or the destination of another backup or
/// schedule; the instance's own newest destination when none is given.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DestinationArgs {
    #[command(flatten)]
    pub s3: S3Flags,
    /// Object key (or volume path) template; {namespace}, {instance}, {database},
    /// {timestamp} and {ext} are replaced.
    #[arg(long, value_name = "TEMPLATE")]
    pub key: Option<String>,
    /// Write to this PersistentVolumeClaim instead of S3.
    #[arg(long, value_name = "CLAIM", conflicts_with_all = ["s3_endpoint", "bucket", "credentials_secret"])]
    pub pvc: Option<String>,
    /// Path template inside the volume (with --pvc).
    #[arg(long, value_name = "PATH", requires = "pvc")]
    pub path: Option<String>,
    /// Reuse the destination of this OdooBackupJob or OdooBackupSchedule.
    #[arg(long, value_name = "BACKUPJOB_OR_SCHEDULE", conflicts_with_all = ["s3_endpoint", "bucket", "credentials_secret", "pvc"])]
    pub like: Option<String>,
}

const DEFAULT_TEMPLATE: &str = "{namespace}/{instance}/{timestamp}.{ext}";

impl DestinationArgs {
    /// The destination from the flags alone; None when they name none (`--like` and
    /// reuse need the API).
    pub fn from_flags(&self) -> Result<Option<BackupDestination>, CliError> {
        let template = self.key.clone().unwrap_or_else(|| DEFAULT_TEMPLATE.into());
        if let Some(claim) = &self.pvc {
            return Ok(Some(BackupDestination {
                pvc: Some(PvcDestination {
                    claim_name: claim.clone(),
                    path: self.path.clone().unwrap_or(template),
                }),
                s3: None,
            }));
        }
        if self.s3.given() {
            return Ok(Some(BackupDestination {
                s3: Some(S3Destination {
                    bucket: self.s3.bucket(None)?,
                    key: template,
                }),
                pvc: None,
            }));
        }
        Ok(None)
    }

    /// The destination: flags, `--like`, or the instance's newest one.
    pub async fn resolve(
        &self,
        client: &kube::Client,
        namespace: &str,
        instance: &str,
    ) -> Result<BackupDestination, CliError> {
        if let Some(dest) = self.from_flags()? {
            return Ok(dest);
        }
        let mut dest = match &self.like {
            Some(like) => like_destination(client, namespace, like).await?,
            None => newest_destination(client, namespace, instance)
                .await?
                .map(|(_, d)| d)
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "odoo/{instance} has no backup or schedule to take a destination from; give --s3-endpoint, --bucket and --credentials-secret, --pvc CLAIM, or --like BACKUP"
                    ))
                })?,
        };
        if let Some(key) = &self.key {
            if let Some(s3) = dest.s3.as_mut() {
                s3.key = key.clone();
            }
            if let Some(pvc) = dest.pvc.as_mut() {
                pvc.path = key.clone();
            }
        }
        Ok(dest)
    }
}

/// The destination of the OdooBackupJob or OdooBackupSchedule named `like`.
async fn like_destination(
    client: &kube::Client,
    namespace: &str,
    like: &str,
) -> Result<BackupDestination, CliError> {
    let jobs: Api<OdooBackupJob> = Api::namespaced(client.clone(), namespace);
    if let Some(job) = crate::read::read(&jobs, like).await? {
        return Ok(job.spec.backup.destination);
    }
    let schedules: Api<OdooBackupSchedule> = Api::namespaced(client.clone(), namespace);
    crate::read::read(&schedules, like)
        .await?
        .map(|s| s.spec.template.destination)
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "--like {like}: no odoobackupjob or odoobackupschedule of that name in namespace {namespace}"
            ))
        })
}

/// The backups of `instance` (all of the namespace when None), newest first.
pub async fn backups_of(
    client: &kube::Client,
    namespace: Option<&str>,
    instance: Option<&str>,
) -> Result<Vec<OdooBackupJob>, CliError> {
    let api: Api<OdooBackupJob> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mut items: Vec<OdooBackupJob> = api
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing backups"))?
        .items
        .into_iter()
        .filter(|j| instance.is_none_or(|i| j.spec.instance_ref.name == i))
        .collect();
    items.sort_by(|a, b| {
        (b.creation_timestamp().map(|t| t.0), b.name_any())
            .cmp(&(a.creation_timestamp().map(|t| t.0), a.name_any()))
    });
    Ok(items)
}

/// The destination of the instance's newest backup, else of one of its schedules,
/// with what it came from (`odoobackupjob/NAME`).
pub async fn newest_destination(
    client: &kube::Client,
    namespace: &str,
    instance: &str,
) -> Result<Option<(String, BackupDestination)>, CliError> {
    if let Some(job) = backups_of(client, Some(namespace), Some(instance))
        .await?
        .into_iter()
        .next()
    {
        return Ok(Some((
            format!("odoobackupjob/{}", job.name_any()),
            job.spec.backup.destination,
        )));
    }
    let schedules: Api<OdooBackupSchedule> = Api::namespaced(client.clone(), namespace);
    let found = schedules
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing backup schedules"))?
        .items
        .into_iter()
        .find(|s| s.spec.instance_ref.name == instance);
    Ok(found.map(|s| {
        (
            format!("odoobackupschedule/{}", s.name_any()),
            s.spec.template.destination,
        )
    }))
}

/// `s3://bucket/key-template` or `pvc://claim/path` for display.
pub fn describe_destination(d: &BackupDestination) -> String {
    match (&d.s3, &d.pvc) {
        (Some(s3), _) => format!(
            "{} ({})",
            odoo_model::Location::s3(&s3.bucket.bucket, &s3.key),
            s3.bucket.endpoint
        ),
        (_, Some(pvc)) => format!("pvc://{}/{}", pvc.claim_name, pvc.path),
        _ => "-".into(),
    }
}
