//! What a restore reads: a backup, an instance's latest, an object (or the latest
//! the bucket's index records), or a local file uploaded first.

use std::path::PathBuf;

use kube::api::Api;
use odoo_model::Location;
use odoo_model::restore_job::{RestoreSource, S3Object};
use odoo_model::{InstanceRef, OdooBackupJob, OdooInstance};

use crate::commands::backup::destination::newest_destination;
use crate::commands::backup::flags::S3Flags;
use crate::commands::restore::args::RestoreArgs;
use crate::commands::write::DryRun;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::{Printer, size};

/// The key an uploaded archive gets.
pub fn upload_key(namespace: &str, instance: &str, file: &std::path::Path, now: &str) -> String {
    let file_name = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup.zip".into());
    format!("uploads/{namespace}/{instance}/{now}-{file_name}")
}

/// What the restore reads, before anything is uploaded.
pub enum Source {
    /// The source, what it is in words, and the SHA-256 the restore must find.
    Ready(RestoreSource, String, Option<String>),
    Upload {
        bucket: odoo_model::common::S3Bucket,
        key: String,
        file: PathBuf,
    },
}

/// What the flags name as the source; an upload is only planned here.
pub async fn resolve_source(
    ctx: &Ctx,
    args: &RestoreArgs,
    target: &str,
    now: k8s_openapi::jiff::Timestamp,
    printer: &Printer,
) -> Result<Source, CliError> {
    match (&args.from_backup, &args.latest_of, &args.from_s3) {
        (Some(backup), _, _) => of_backup(ctx, backup).await,
        (_, Some(instance), Some(url)) => {
            let (object, what, sha) = crate::commands::backup::from_bucket::latest(
                ctx,
                url,
                instance,
                &args.s3,
                args.sha256.as_deref(),
                printer,
            )
            .await?;
            let source = RestoreSource {
                s3: Some(object),
                ..Default::default()
            };
            Ok(Source::Ready(source, what, Some(sha)))
        }
        (_, Some(instance), None) => latest_of(ctx, instance).await,
        (_, None, Some(url)) => of_object(url, &args.s3),
        (None, None, None) => upload(ctx, args, target, now).await,
    }
}

/// `--from-backup`: a succeeded backup of the namespace.
async fn of_backup(ctx: &Ctx, backup: &str) -> Result<Source, CliError> {
    let ns = &ctx.namespace;
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let job = crate::read::get(&api, backup, ns).await?;
    let status = job.status.clone().unwrap_or_default();
    if status.job.phase != Some(odoo_model::JobPhase::Succeeded) {
        return Err(CliError::Precondition(format!(
            "odoobackupjob/{backup} has not succeeded (phase {}); it cannot be restored",
            crate::commands::backup::list::phase(&job)
        )));
    }
    let what = format!(
        "odoobackupjob/{backup} ({}, {}, sha256 {})",
        status
            .location
            .map_or_else(|| "-".into(), |l| l.to_string()),
        status
            .size_bytes
            .map(size)
            .unwrap_or_else(|| "size unknown".into()),
        status.sha256.unwrap_or_else(|| "-".into())
    );
    let source = RestoreSource {
        backup_job: Some(backup.to_owned()),
        ..Default::default()
    };
    Ok(Source::Ready(source, what, None))
}

/// `--latest-of INSTANCE`: the backup the operator will take, said here.
async fn latest_of(ctx: &Ctx, instance: &str) -> Result<Source, CliError> {
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    crate::read::get(&instances, instance, ns).await?;
    // The operator takes the same one (the model crate's rule): say which.
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let backups = api
        .list(&Default::default())
        .await
        .map_err(CliError::api("listing odoobackupjobs"))?
        .items;
    let Some(latest) = odoo_model::backup_job::latest_backup_of(&backups, instance) else {
        return Err(CliError::Precondition(format!(
            "odoo/{instance} has no succeeded backup to restore"
        )));
    };
    let source = RestoreSource {
        latest_backup_of: Some(InstanceRef {
            name: instance.to_owned(),
        }),
        ..Default::default()
    };
    Ok(Source::Ready(
        source,
        latest.describe(&format!("odoo/{instance}")),
        None,
    ))
}

/// `--from-s3 s3://BUCKET/KEY`: one object.
fn of_object(url: &str, flags: &S3Flags) -> Result<Source, CliError> {
    let (bucket, key) = crate::s3::parse_url(url).ok_or_else(|| {
        CliError::Usage(format!("--from-s3 {url:?}: write it as s3://BUCKET/KEY"))
    })?;
    let bucket = flags.bucket(Some(&bucket))?;
    let what = format!("{url} ({})", bucket.endpoint);
    let source = RestoreSource {
        s3: Some(S3Object { bucket, key }),
        ..Default::default()
    };
    Ok(Source::Ready(source, what, None))
}

/// `--from-file`: where the file will be uploaded.
async fn upload(
    ctx: &Ctx,
    args: &RestoreArgs,
    target: &str,
    now: k8s_openapi::jiff::Timestamp,
) -> Result<Source, CliError> {
    let ns = &ctx.namespace;
    let file = args.from_file.clone().unwrap_or_default();
    if !file.is_file() {
        return Err(CliError::Usage(format!(
            "--from-file {}: no such file",
            file.display()
        )));
    }
    let bucket = if args.s3.given() {
        args.s3.bucket(None)?
    } else {
        newest_destination(&ctx.client, ns, &args.name)
            .await?
            .and_then(|(_, d)| d.s3)
            .map(|s3| s3.bucket)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "odoo/{} has no S3 backup destination to upload to; give --s3-endpoint, --bucket and --credentials-secret",
                    args.name
                ))
            })?
    };
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    Ok(Source::Upload {
        key: upload_key(ns, target, &file, &stamp),
        bucket,
        file,
    })
}

/// The job's source: an upload is made now (not on a dry run), and its digest
/// is what the restore must find.
pub async fn uploaded(
    ctx: &Ctx,
    printer: &Printer,
    source: Source,
    dry_run: DryRun,
) -> Result<(RestoreSource, Option<String>), CliError> {
    let (bucket, key, file) = match source {
        Source::Ready(s, _, sha) => return Ok((s, sha)),
        Source::Upload { bucket, key, file } => (bucket, key, file),
    };
    let mut sha = None;
    if dry_run == DryRun::None {
        let location = Location::s3(&bucket.bucket, &key).to_string();
        let store = crate::s3::store(&ctx.client, &ctx.namespace, &bucket).await?;
        printer.note(&format!("Uploading {} to {location} …", file.display()));
        let (bytes, digest) = crate::s3::upload(&store, &location, &key, &file).await?;
        printer.note(&format!(
            "Uploaded {} (sha256 {digest}).",
            size(bytes as i64)
        ));
        sha = Some(digest);
    }
    let source = RestoreSource {
        s3: Some(S3Object { bucket, key }),
        ..Default::default()
    };
    Ok((source, sha))
}
