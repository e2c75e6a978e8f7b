//! A backup's record in its bucket's index (`odoo_model::bucket_index`): written
//! when the backup succeeds, deleted with its archive, so the bucket alone says
//! what it holds once the resources are gone.

use kube::ResourceExt;
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutPayload};
use odoo_model::bucket_index::{self, ArchiveRecord, RECORD_KIND};
use odoo_model::common::S3Bucket;
use odoo_model::{OdooBackupJob, OdooBackupJobStatus, OdooInstance};

use super::super::bucket;
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// Where a backup's record goes: its bucket and the record's key. `None` for a
/// volume destination (the index is for recovery from a bucket).
pub fn record_key(job: &OdooBackupJob) -> Option<(&S3Bucket, String)> {
    let s3 = job.spec.backup.destination.s3.as_ref()?;
    let created = job.metadata.creation_timestamp.as_ref()?.0;
    let root = bucket_index::index_root(&s3.key);
    let key = bucket_index::record_key(
        &root,
        &job.namespace().unwrap_or_default(),
        &job.spec.instance_ref.name,
        created,
        &job.name_any(),
    );
    Some((&s3.bucket, key))
}

/// The record of a stored backup: pure, from the job and its final status.
pub fn record(
    job: &OdooBackupJob,
    instance: &OdooInstance,
    status: &OdooBackupJobStatus,
    completed_at: k8s_openapi::jiff::Timestamp,
) -> Option<ArchiveRecord> {
    let s3 = job.spec.backup.destination.s3.as_ref()?;
    let location = status.location.as_ref()?;
    let (bucket, key) = location.as_s3()?;
    if bucket != s3.bucket.bucket {
        return None;
    }
    Some(ArchiveRecord {
        kind: RECORD_KIND.into(),
        namespace: job.namespace().unwrap_or_default(),
        instance: job.spec.instance_ref.name.clone(),
        backup: job.name_any(),
        database: instance
            .status
            .as_ref()
            .and_then(|s| s.database.clone())
            .unwrap_or_default(),
        key: key.into(),
        format: job.spec.backup.format,
        odoo_version: status.odoo_version.clone(),
        pg_version: status.pg_version.clone(),
        completed_at,
        size_bytes: status
            .size_bytes
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or_default(),
        sha256: status.sha256.clone()?,
        verified: status.verified.clone(),
    })
}

/// Writes the record of a backup that succeeded; a retry rewrites the same key.
pub async fn write(
    ctx: &Context,
    job: &OdooBackupJob,
    instance: &OdooInstance,
    status: &OdooBackupJobStatus,
) -> Result<(), Error> {
    let (Some((s3, key)), Some(record)) = (
        record_key(job),
        record(job, instance, status, k8s_openapi::jiff::Timestamp::now()),
    ) else {
        return Ok(());
    };
    let store = bucket::store(ctx, &job.namespace().unwrap_or_default(), s3, &s3.bucket).await?;
    let body = serde_json::to_vec_pretty(&record).expect("a record serializes");
    let path = Path::parse(&key).map_err(|e| Error::Storage(format!("record key {key}: {e}")))?;
    store
        .put(&path, PutPayload::from(body))
        .await
        .map_err(|e| Error::Storage(format!("writing the bucket index record {key}: {e}")))?;
    Ok(())
}

/// Deletes a backup's record once its archive is gone; a record already gone is
/// fine.
pub async fn forget(ctx: &Context, job: &OdooBackupJob) -> Result<Option<String>, Error> {
    let Some((s3, key)) = record_key(job) else {
        return Ok(None);
    };
    let store = bucket::store(ctx, &job.namespace().unwrap_or_default(), s3, &s3.bucket).await?;
    let path = Path::parse(&key).map_err(|e| Error::Storage(format!("record key {key}: {e}")))?;
    match store.delete(&path).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(Some(key)),
        Err(e) => Err(Error::Storage(format!(
            "deleting the bucket index record {key}: {e}"
        ))),
    }
}
