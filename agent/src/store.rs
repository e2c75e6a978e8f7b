//! Where archives go and come from: S3-compatible object storage (multipart upload,
//! streamed GET) or a file on a mounted volume. The archive is produced and consumed
//! by blocking code (pg_dump pipes, the zip writer and reader) on its own thread;
//! bounded channels connect it to the async S3 client, so memory stays at a few
//! upload parts whatever the archive's size.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::{GetOptions, ObjectStore, ObjectStoreExt as _};
use odoo_model::agent::S3Options;
use tokio::sync::oneshot;

use super::bridge;

/// How the S3 client reaches a bucket: the request's options, or their defaults
/// when the request names no endpoint (then only a volume can be reached).
/// Credentials are never part of it: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
/// and, if set, `AWS_SESSION_TOKEN` come from the environment only.
#[derive(Debug, Clone)]
pub struct S3Args {
    pub endpoint: Option<String>,
    pub region: String,
    pub force_path_style: bool,
    pub insecure_skip_tls_verify: bool,
    /// Upload part size in MiB. S3 allows 10,000 parts, so this caps the archive at
    /// 10,000 × this size (16 MiB: about 156 GiB). Memory use is about five parts.
    pub part_size_mib: u64,
}

impl S3Args {
    pub const DEFAULT_PART_SIZE_MIB: u64 = 16;
}

impl From<Option<&S3Options>> for S3Args {
    fn from(options: Option<&S3Options>) -> Self {
        let defaults = S3Options::new("");
        let o = options.unwrap_or(&defaults);
        S3Args {
            endpoint: options.map(|o| o.endpoint.clone()),
            region: o.region.clone(),
            force_path_style: o.force_path_style,
            insecure_skip_tls_verify: o.insecure_skip_tls_verify,
            part_size_mib: o.part_size_mib.unwrap_or(Self::DEFAULT_PART_SIZE_MIB),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an s3:// location needs --s3-endpoint (ODOO_AGENT_S3_ENDPOINT)")]
    MissingEndpoint,
    #[error("{0} is not set; S3 credentials come from the environment only")]
    MissingCredential(&'static str),
    #[error("configuring the S3 client for {endpoint}: {source}")]
    Configure {
        endpoint: String,
        #[source]
        source: object_store::Error,
    },
    #[error("invalid S3 key {key:?}: {source}")]
    Key {
        key: String,
        #[source]
        source: object_store::path::Error,
    },
    #[error("starting the multipart upload to {location}: {source}")]
    CreateUpload {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error("uploading part {part} to {location}: {source}")]
    UploadPart {
        location: String,
        part: u64,
        #[source]
        source: object_store::Error,
    },
    #[error("completing the multipart upload to {location}: {source}")]
    CompleteUpload {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error(
        "the archive needs more than {} parts of {part_size_mib} MiB; raise --s3-part-size-mib",
        super::bridge::MAX_PARTS
    )]
    TooManyParts { part_size_mib: u64 },
    #[error("the archive writer stopped before finishing")]
    WriterGone,
    #[error("the upload was cancelled")]
    Cancelled,
    #[error("reading {location}: {source}")]
    Get {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0} already exists; a backup never overwrites")]
    Exists(PathBuf),
    #[error(
        "{0} already exists; a backup never overwrites (an older backup may record it: choose another key)"
    )]
    ObjectExists(String),
    #[error("looking for an existing {location}: {source}")]
    Head {
        location: String,
        #[source]
        source: object_store::Error,
    },
}

/// An archive's location, as given on the command line and reported back: the
/// model crate's, which the operator writes and reads too.
pub use odoo_model::Location;

/// Stores the archive's digest beside an S3 object, as `sha256sum` writes it
/// (`<key>.sha256`, the contract's name): the operator compares it with the report,
/// and `sha256sum -c` checks a download with it.
pub async fn put_digest(
    bucket: &str,
    key: &str,
    s3: &S3Args,
    sha256: &str,
) -> Result<(), StoreError> {
    let store = s3.store(bucket, false)?;
    let digest_key = odoo_model::agent::digest_key(key);
    let path = object_path(&digest_key)?;
    store
        .put(
            &path,
            odoo_model::agent::digest_line(sha256, key)
                .into_bytes()
                .into(),
        )
        .await
        .map_err(|source| StoreError::CreateUpload {
            location: Location::s3(bucket, &digest_key).to_string(),
            source,
        })?;
    Ok(())
}

/// Size and SHA-256 of a file, read from the start: a stored archive read back.
pub fn read_back(path: &Path) -> Result<odoo_model::agent::ReadBack, StoreError> {
    use sha2::{Digest, Sha256};
    let err = |source| StoreError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(odoo_model::agent::ReadBack {
        size_bytes: size,
        sha256: odoo_model::agent::hex(&hasher.finalize()),
    })
}

impl S3Args {
    /// A client for `bucket`; `long_reads` for streamed GETs rather than uploads.
    pub(crate) fn store(
        &self,
        bucket: &str,
        long_reads: bool,
    ) -> Result<Arc<dyn ObjectStore>, StoreError> {
        let endpoint = self.endpoint.clone().ok_or(StoreError::MissingEndpoint)?;
        let env = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or(StoreError::MissingCredential(name))
        };
        let connection = odoo_model::s3::Connection {
            endpoint: &endpoint,
            bucket,
            region: &self.region,
            force_path_style: self.force_path_style,
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            access_key_id: env("AWS_ACCESS_KEY_ID")?,
            secret_access_key: env("AWS_SECRET_ACCESS_KEY")?,
            session_token: env("AWS_SESSION_TOKEN").ok(),
        };
        // A restore's GET lasts as long as the restore, and psql may not read for
        // minutes while it builds an index (object_store resumes a broken stream
        // with a range request on the same ETag); an upload part at a few hundred
        // KB/s must not time out. Few quick retries: a dead endpoint fails the job
        // in seconds, and the job as a whole is what gets retried.
        let timeouts = if long_reads {
            odoo_model::s3::Timeouts::Streams
        } else {
            odoo_model::s3::Timeouts::Requests(Duration::from_secs(300))
        };
        let store = connection
            .build(timeouts, 5, Duration::from_secs(120))
            .map_err(|source| StoreError::Configure { endpoint, source })?;
        Ok(Arc::new(store))
    }
}

pub(crate) fn object_path(key: &str) -> Result<object_store::path::Path, StoreError> {
    object_store::path::Path::parse(key).map_err(|source| StoreError::Key {
        key: key.to_owned(),
        source,
    })
}

/// The blocking side of a destination: the archive is written here, then closed.
pub trait ArchiveSink: Write + Send {
    /// Writes out what is buffered and marks the archive complete.
    fn close(self: Box<Self>) -> io::Result<()>;
}

/// The async side of a destination: makes the archive visible, or removes every
/// trace of it.
pub enum Destination {
    S3 {
        location: String,
        task: tokio::task::JoinHandle<Result<(), StoreError>>,
        cancel: oneshot::Sender<()>,
    },
    File {
        partial: PathBuf,
        path: PathBuf,
    },
}

/// Opens a destination: starts the multipart upload, or creates `<path>.partial`.
pub async fn open_destination(
    location: &Location,
    s3: &S3Args,
) -> Result<(Box<dyn ArchiveSink>, Destination), StoreError> {
    match location {
        Location::S3 { bucket, key } => {
            let store = s3.store(bucket, false)?;
            let path = object_path(key)?;
            // As on a volume, an archive is never replaced. S3 offers no condition
            // on completing a multipart upload here, so two writers of one key at
            // the same moment are not caught; a key used before always is.
            match store.head(&path).await {
                Ok(_) => return Err(StoreError::ObjectExists(location.to_string())),
                Err(object_store::Error::NotFound { .. }) => {}
                // Credentials that may write but not read (a write-only backup key)
                // cannot look; wrong ones fail the upload below with the server's
                // own reason.
                Err(
                    e @ (object_store::Error::PermissionDenied { .. }
                    | object_store::Error::Unauthenticated { .. }),
                ) => {
                    tracing::warn!(error = %e, "cannot look for an existing object; uploading without that check");
                }
                Err(source) => {
                    return Err(StoreError::Head {
                        location: location.to_string(),
                        source,
                    });
                }
            }
            let upload =
                store
                    .put_multipart(&path)
                    .await
                    .map_err(|source| StoreError::CreateUpload {
                        location: location.to_string(),
                        source,
                    })?;
            let (sink, task, cancel) =
                bridge::spawn_upload(upload, location.to_string(), s3.part_size_mib);
            Ok((
                Box::new(sink),
                Destination::S3 {
                    location: location.to_string(),
                    task,
                    cancel,
                },
            ))
        }
        Location::File(path) => {
            if path.exists() {
                return Err(StoreError::Exists(path.clone()));
            }
            let file_err = |source| StoreError::File {
                path: path.clone(),
                source,
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(file_err)?;
            }
            let mut partial = path.clone().into_os_string();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            let file = std::fs::File::create(&partial).map_err(file_err)?;
            Ok((
                Box::new(bridge::FileSink::new(file)),
                Destination::File {
                    partial,
                    path: path.clone(),
                },
            ))
        }
    }
}

impl Destination {
    /// After the sink was closed: completes the upload, or renames the file into
    /// place (and syncs the directory, so the rename survives a node crash).
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Destination::S3 { task, .. } => task.await.unwrap_or(Err(StoreError::WriterGone)),
            Destination::File { partial, path } => {
                let file_err = |source| StoreError::File {
                    path: path.clone(),
                    source,
                };
                if path.exists() {
                    return Err(StoreError::Exists(path));
                }
                std::fs::rename(&partial, &path).map_err(file_err)?;
                if let Some(parent) = path.parent() {
                    std::fs::File::open(parent)
                        .and_then(|d| d.sync_all())
                        .map_err(file_err)?;
                }
                Ok(())
            }
        }
    }

    /// Aborts the upload (S3 drops its parts) or removes the partial file. Returns
    /// the upload's own failure if it had failed first: that is the root cause of
    /// whatever the writer saw.
    pub async fn abort(self) -> Option<StoreError> {
        match self {
            Destination::S3 { task, cancel, .. } => {
                let _ = cancel.send(());
                match task.await {
                    Ok(Err(StoreError::Cancelled)) | Ok(Ok(())) | Err(_) => None,
                    Ok(Err(e)) => Some(e),
                }
            }
            Destination::File { partial, .. } => {
                let _ = std::fs::remove_file(&partial);
                None
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Destination::S3 { location, .. } => location.clone(),
            Destination::File { path, .. } => Location::File(path.clone()).to_string(),
        }
    }
}

/// A restore's source, read front to back once per pass.
pub struct Source {
    location: Location,
    s3: Option<(Arc<dyn ObjectStore>, object_store::path::Path)>,
}

impl Source {
    pub fn new(location: Location, s3: &S3Args) -> Result<Source, StoreError> {
        let s3 = match &location {
            Location::S3 { bucket, key } => Some((s3.store(bucket, true)?, object_path(key)?)),
            Location::File(_) => None,
        };
        Ok(Source { location, s3 })
    }

    /// Opens the archive for one pass. `if_match` is the ETag of the first pass, so
    /// the second pass reads the very object that was verified.
    pub async fn open(
        &self,
        if_match: Option<String>,
    ) -> Result<(Box<dyn Read + Send>, Option<String>), StoreError> {
        let Some((store, path)) = &self.s3 else {
            let Location::File(path) = &self.location else {
                return Err(StoreError::MissingEndpoint);
            };
            let file = std::fs::File::open(path).map_err(|source| StoreError::File {
                path: path.clone(),
                source,
            })?;
            return Ok((Box::new(file), None));
        };
        let options = GetOptions {
            if_match,
            ..GetOptions::default()
        };
        let result = store
            .get_opts(path, options)
            .await
            .map_err(|source| StoreError::Get {
                location: self.location.to_string(),
                source,
            })?;
        let etag = result.meta.e_tag.clone();
        let reader = bridge::stream_reader(result.into_stream());
        Ok((Box::new(reader), etag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_print_back() {
        for (text, printed) in [
            (
                "s3://backups/ns/shop/2026.zip",
                "s3://backups/ns/shop/2026.zip",
            ),
            ("file:///backups/shop.zip", "/backups/shop.zip"),
            ("/backups/shop.zip", "/backups/shop.zip"),
        ] {
            let location = text.parse::<Location>().map(|l| l.to_string());
            assert_eq!(location.ok().as_deref(), Some(printed));
        }
        for bad in [
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
            "relative.zip",
            "/",
        ] {
            assert!(bad.parse::<Location>().is_err(), "{bad:?}");
        }
    }
}
