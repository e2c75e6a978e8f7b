//! S3 access for `backup download` and `restore --from-file`: the bucket settings a
//! job resource names, with credentials read from the Secret it references through
//! the API (the user's own permissions decide whether they may read it). Archives
//! are streamed both ways and hashed on the way, never held in memory.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart};
use odoo_model::common::S3Bucket;
use sha2::{Digest, Sha256};

use crate::error::CliError;

/// Upload part size: S3's 10,000 parts of 16 MiB cap an upload at about 156 GiB.
const PART_SIZE: usize = 16 << 20;
/// Parts in flight during an upload.
const PARTS_IN_FLIGHT: usize = 4;

/// A client for `bucket`, configured like the backup agent's (path style, TLS
/// verification unless the resource skips it), with credentials from its Secret.
pub async fn store(
    client: &kube::Client,
    namespace: &str,
    bucket: &S3Bucket,
) -> Result<Arc<dyn ObjectStore>, CliError> {
    let creds = &bucket.credentials;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let secret = secrets
        .get_opt(&creds.secret_name)
        .await
        .map_err(CliError::api(format!(
            "reading the credentials Secret {}",
            creds.secret_name
        )))?
        .ok_or_else(|| {
            CliError::Precondition(format!(
                "the credentials Secret {} does not exist in namespace {namespace}",
                creds.secret_name
            ))
        })?;
    let value = |key: &str| -> Result<String, CliError> {
        secret
            .data
            .as_ref()
            .and_then(|d| d.get(key))
            .map(|v| String::from_utf8_lossy(&v.0).trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                CliError::Precondition(format!(
                    "the credentials Secret {} has no key {key}",
                    creds.secret_name
                ))
            })
    };
    // object_store's HTTP client has no TLS provider of its own in this workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let connection = odoo_model::s3::Connection::of(
        bucket,
        &bucket.bucket,
        value(&creds.access_key_id_key)?,
        value(&creds.secret_access_key_key)?,
    );
    // Downloads and uploads last as long as the archive takes.
    let store = connection
        .build(
            odoo_model::s3::Timeouts::Streams,
            10,
            Duration::from_secs(180),
        )
        .map_err(|e| CliError::Failed(format!("configuring S3 for {}: {e}", bucket.endpoint)))?;
    Ok(Arc::new(store))
}

fn object_path(key: &str) -> Result<ObjectPath, CliError> {
    ObjectPath::parse(key).map_err(|e| CliError::Usage(format!("invalid S3 key {key:?}: {e}")))
}

/// Hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Streams `key` into `out`, moving a byte bar on a terminal; returns the bytes
/// written and their SHA-256 (hex).
pub async fn download(
    store: &Arc<dyn ObjectStore>,
    location: &str,
    key: &str,
    out: &mut impl Write,
) -> Result<(u64, String), CliError> {
    let get_err = |e: object_store::Error| match e {
        object_store::Error::NotFound { .. } => {
            CliError::Precondition(format!("{location} does not exist in the bucket"))
        }
        e => CliError::Failed(format!("reading {location}: {e}")),
    };
    let object = store.get(&object_path(key)?).await.map_err(get_err)?;
    let bar = crate::progress::bytes(&format!("downloading {location}"), Some(object.meta.size));
    let mut stream = object.into_stream();
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(get_err)?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        out.write_all(&chunk).map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::BrokenPipe,
            _ => CliError::Output(e),
        })?;
        bar.inc(chunk.len() as u64);
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok((size, hex(&hasher.finalize())))
}

/// Uploads a local file to `key` with multipart upload, reading it in parts and
/// moving a byte bar on a terminal; returns its size and SHA-256 (hex). A failed
/// upload is aborted, leaving no parts behind.
pub async fn upload(
    store: &Arc<dyn ObjectStore>,
    location: &str,
    key: &str,
    file: &std::path::Path,
) -> Result<(u64, String), CliError> {
    use tokio::io::AsyncReadExt as _;
    let put_err = |e: object_store::Error| CliError::Failed(format!("uploading {location}: {e}"));
    let mut input = tokio::fs::File::open(file)
        .await
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    let upload = store
        .put_multipart(&object_path(key)?)
        .await
        .map_err(put_err)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let total = input.metadata().await.ok().map(|m| m.len());
    let bar = crate::progress::bytes(&format!("uploading to {location}"), total);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match input.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(CliError::Failed(format!("reading {}: {e}", file.display())));
            }
        };
        if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
            let _ = writer.abort().await;
            return Err(put_err(e));
        }
        hasher.update(&buf[..n]);
        writer.write(&buf[..n]);
        size += n as u64;
        bar.inc(n as u64);
    }
    writer.finish().await.map_err(put_err)?;
    bar.finish_and_clear();
    Ok((size, hex(&hasher.finalize())))
}

/// `s3://bucket/key` split into its parts.
pub fn parse_url(url: &str) -> Option<(String, String)> {
    let location: odoo_model::Location = url.parse().ok()?;
    let (bucket, key) = location.as_s3()?;
    Some((bucket.to_owned(), key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_split_into_bucket_and_key() {
        assert_eq!(
            parse_url("s3://backups/team/shop/1.zip"),
            Some(("backups".into(), "team/shop/1.zip".into()))
        );
        assert_eq!(parse_url("s3://backups/"), None);
        assert_eq!(parse_url("https://x/y"), None);
    }
}
