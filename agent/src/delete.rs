//! `odoo-agent delete-archive`: removes a stored archive and its digest once the
//! backup that made it is let go (retention, `kubectl odoo backup delete`).
//!
//! It deletes only the archive its backup made: the object's recorded digest (S3)
//! or the file's own SHA-256 (volume) must be the one the backup recorded. A key
//! template without `{timestamp}` can name one location for several backups, and a
//! location reused after an out-of-band deletion holds another backup's archive:
//! both are refused, not deleted. An archive already gone is reported as such, so
//! a retried deletion succeeds.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::{ObjectStore, ObjectStoreExt as _};
use odoo_model::agent::{DeleteReport, DeleteRequest};

use super::OutputArgs;
use super::flags::Flags;
use super::store::{Location, S3Args, StoreError, object_path, read_back};

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub request: Flags<DeleteRequest>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The request, with the S3 client it makes here.
struct Delete {
    s3: S3Args,
    archive: Location,
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "{location} is not this backup's archive (its SHA-256 is {found}, the backup recorded {expected}); it was left in place"
    )]
    NotOurs {
        location: String,
        found: String,
        expected: String,
    },
    #[error("deleting {location}: {source}")]
    Delete {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error("{location} is still there after its deletion")]
    StillThere { location: String },
}

pub async fn run(request: DeleteRequest) -> Result<DeleteReport, DeleteError> {
    let expected = request.expected_sha256.to_ascii_lowercase();
    let args = Delete {
        s3: S3Args::from(request.s3.as_ref()),
        archive: request.archive,
    };
    match &args.archive {
        Location::S3 { bucket, key } => delete_object(&args, bucket, key, &expected).await,
        Location::File(path) => delete_file(&args.archive, path, &expected),
    }
}

async fn delete_object(
    args: &Delete,
    bucket: &str,
    key: &str,
    expected: &str,
) -> Result<DeleteReport, DeleteError> {
    let object = Object::new(args, bucket, key)?;
    let recorded = object.recorded_digest().await?;
    let Some(size) = object.head(&object.archive, &object.location).await? else {
        return object.gone_already(recorded.as_deref(), expected).await;
    };
    let found = match recorded {
        Some(sha) => sha,
        // No digest beside it: read the object itself.
        None => sha_of_object(&args.s3, &args.archive).await?,
    };
    if found != expected {
        return Err(DeleteError::NotOurs {
            location: object.location,
            found,
            expected: expected.to_owned(),
        });
    }
    object.remove(size).await
}

/// An archive in a bucket and its digest object beside it.
struct Object {
    store: Arc<dyn ObjectStore>,
    archive_at: Location,
    location: String,
    archive: object_store::path::Path,
    digest_at: Location,
    digest_location: String,
    digest: object_store::path::Path,
}

impl Object {
    fn new(args: &Delete, bucket: &str, key: &str) -> Result<Self, DeleteError> {
        let store = args.s3.store(bucket, false)?;
        let location = args.archive.to_string();
        let archive = object_path(key)?;
        let digest_key = odoo_model::agent::digest_key(key);
        let digest = object_path(&digest_key)?;
        let digest_at = args.archive.digest();
        let digest_location = digest_at.to_string();
        Ok(Object {
            store,
            archive_at: args.archive.clone(),
            location,
            archive,
            digest_at,
            digest_location,
            digest,
        })
    }

    /// The object's size, `None` when there is no such object.
    async fn head(
        &self,
        path: &object_store::path::Path,
        location: &str,
    ) -> Result<Option<u64>, StoreError> {
        match self.store.head(path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(StoreError::Head {
                location: location.to_owned(),
                source,
            }),
        }
    }

    /// The digest object is the backup's own record of what it stored.
    async fn recorded_digest(&self) -> Result<Option<String>, DeleteError> {
        match self.store.get(&self.digest).await {
            Ok(got) => {
                let bytes = got.bytes().await.map_err(|source| StoreError::Get {
                    location: self.digest_location.clone(),
                    source,
                })?;
                let text = String::from_utf8_lossy(&bytes).into_owned();
                Ok(odoo_model::agent::parse_digest_line(&text).map(str::to_ascii_lowercase))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(StoreError::Get {
                location: self.digest_location.clone(),
                source,
            }
            .into()),
        }
    }

    async fn delete(
        &self,
        path: &object_store::path::Path,
        location: &str,
    ) -> Result<(), DeleteError> {
        self.store
            .delete(path)
            .await
            .map_err(|source| DeleteError::Delete {
                location: location.to_owned(),
                source,
            })
    }

    /// Gone already. A deletion that stopped between the archive and its digest
    /// left the digest: it goes now, when it records this backup's archive.
    async fn gone_already(
        &self,
        recorded: Option<&str>,
        expected: &str,
    ) -> Result<DeleteReport, DeleteError> {
        let mut report = DeleteReport {
            location: self.archive_at.clone(),
            existed: false,
            bytes_freed: 0,
            removed: vec![],
        };
        if recorded == Some(expected)
            && let Some(digest_size) = self.head(&self.digest, &self.digest_location).await?
        {
            self.delete(&self.digest, &self.digest_location).await?;
            report.bytes_freed = digest_size;
            report.removed.push(self.digest_at.clone());
        }
        Ok(report)
    }

    /// Deletes the archive, known to be this backup's, then its digest.
    async fn remove(self, size: u64) -> Result<DeleteReport, DeleteError> {
        let mut removed = Vec::new();
        let mut bytes_freed = size;
        self.delete(&self.archive, &self.location).await?;
        removed.push(self.archive_at.clone());
        if let Some(digest_size) = self.head(&self.digest, &self.digest_location).await? {
            self.delete(&self.digest, &self.digest_location).await?;
            bytes_freed += digest_size;
            removed.push(self.digest_at.clone());
        }
        // The store's word, read back: the key answers "not found" now.
        if self.head(&self.archive, &self.location).await?.is_some() {
            return Err(DeleteError::StillThere {
                location: self.location,
            });
        }
        Ok(DeleteReport {
            location: self.archive_at,
            existed: true,
            bytes_freed,
            removed,
        })
    }
}

/// The SHA-256 of a stored object, read through once.
async fn sha_of_object(s3: &S3Args, location: &Location) -> Result<String, StoreError> {
    use sha2::{Digest, Sha256};
    use std::io::Read as _;
    let source = super::store::Source::new(location.clone(), s3)?;
    let (mut reader, _) = source.open(None).await?;
    let name = location.to_string();
    tokio::task::spawn_blocking(move || {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = reader.read(&mut buf).map_err(|source| StoreError::File {
                path: PathBuf::from(&name),
                source,
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(odoo_model::agent::hex(&hasher.finalize()))
    })
    .await
    .unwrap_or(Err(StoreError::WriterGone))
}

fn delete_file(
    location: &Location,
    path: &Path,
    expected: &str,
) -> Result<DeleteReport, DeleteError> {
    let file_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::File { path, source }
    };
    let text = location.to_string();
    if !path.exists() {
        return Ok(DeleteReport {
            location: location.clone(),
            existed: false,
            bytes_freed: 0,
            removed: vec![],
        });
    }
    let back = read_back(path)?;
    if !back.sha256.eq_ignore_ascii_case(expected) {
        return Err(DeleteError::NotOurs {
            location: text,
            found: back.sha256,
            expected: expected.to_owned(),
        });
    }
    std::fs::remove_file(path).map_err(file_err(path))?;
    let mut removed = vec![location.clone()];
    let mut bytes_freed = back.size_bytes;
    let mut digest = path.as_os_str().to_owned();
    digest.push(".sha256");
    let digest = PathBuf::from(digest);
    if let Ok(meta) = std::fs::metadata(&digest) {
        std::fs::remove_file(&digest).map_err(file_err(&digest))?;
        bytes_freed += meta.len();
        removed.push(location.digest());
    }
    // The removal survives a node crash once its directory is synced.
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(file_err(parent))?;
    }
    Ok(DeleteReport {
        location: location.clone(),
        existed: true,
        bytes_freed,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        odoo_model::agent::hex(&Sha256::digest(bytes))
    }

    #[test]
    fn a_file_is_deleted_only_when_it_is_the_backups_own_and_a_repeat_finds_it_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("shop.zip");
        std::fs::write(&path, b"the archive").expect("write");
        let location = Location::File(path.clone());

        let other = sha(b"another archive");
        let refused = delete_file(&location, &path, &other);
        assert!(
            matches!(refused, Err(DeleteError::NotOurs { .. })),
            "{refused:?}"
        );
        assert!(path.exists(), "a refused deletion leaves the file");

        let report = delete_file(&location, &path, &sha(b"the archive")).expect("deleted");
        assert!(report.existed);
        assert_eq!(report.bytes_freed, 11);
        assert!(!path.exists());

        let again = delete_file(&location, &path, &sha(b"the archive")).expect("repeat");
        assert!(!again.existed);
        assert_eq!(again.bytes_freed, 0);
    }
}
