//! `odoo-agent restore`: two streaming passes over the archive. The first
//! touches nothing: it hashes the archive, checks its structure (every CRC, the
//! central directory, safe filestore names) and compares the SHA-256 with the
//! expected one. The second loads the database in one transaction and writes the
//! filestore, hashing again; the transaction commits only if the second pass read the
//! same bytes. The agent only ever writes to the target database and directory it is
//! given, which the operator created for this restore.

use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::flags::Flags;
use super::layout::{self, BackupFormat, HEAD_LEN};
use super::pg::{PgArgs, PgToolError, PgTools};
use super::sqlfilter::SqlFilter;
use super::store::{Location, S3Args, Source, StoreError};
use super::stream::{Digested, TallyReader, human_bytes};
use super::zipread::{ZipReadError, ZipStream};
use odoo_model::agent::{Archive, RestoreReport, RestoreRequest};

use super::OutputArgs;

/// manifest.json is small; anything bigger is not Odoo's.
const MANIFEST_LIMIT: usize = 1 << 20;

mod load;

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub request: Flags<RestoreRequest>,
    #[command(flatten)]
    pub tools: PgTools,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Why an archive is refused before anything was written.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("checking the target: {0}")]
    CheckTarget(#[source] PgToolError),
    #[error(
        "the target database {database:?} is not empty ({objects} objects); restores go into a new, empty database"
    )]
    TargetDatabaseNotEmpty { database: String, objects: u64 },
    #[error("the target filestore {0} exists and is not an empty directory")]
    TargetFilestoreNotEmpty(PathBuf),
    #[error("{0}")]
    OpenSource(#[source] StoreError),
    #[error("reading the archive: {0}")]
    Read(#[source] io::Error),
    #[error("{0}")]
    UnknownFormat(String),
    #[error("the archive is {detected}, not {given} as requested")]
    FormatMismatch {
        given: BackupFormat,
        detected: BackupFormat,
    },
    #[error(transparent)]
    Archive(#[from] ZipReadError),
    #[error("the zip has no dump.sql")]
    MissingDump,
    #[error("the zip has more than one dump.sql")]
    DuplicateDump,
    #[error("zip entry {name:?} {reason}; refusing the archive")]
    UnsafeName { name: String, reason: String },
    #[error("the zip has {0} filestore files but no --filestore target was given")]
    NoFilestoreTarget(u64),
    #[error("SHA-256 mismatch: the archive has {actual}, expected {expected}")]
    ChecksumMismatch { expected: String, actual: String },
    #[error(transparent)]
    UnsafeSql(#[from] crate::sqlguard::UnsafeSql),
    #[error("interrupted by a signal")]
    Interrupted,
}

/// Why a restore stopped after it began writing to the target.
#[derive(Debug, thiserror::Error)]
pub enum RestoreFailure {
    #[error("{0}")]
    OpenSource(#[source] StoreError),
    #[error("reading the archive: {0}")]
    Read(#[source] io::Error),
    #[error(transparent)]
    Archive(#[from] ZipReadError),
    #[error(transparent)]
    Tool(#[from] PgToolError),
    #[error("writing {path}: {source}")]
    WriteFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "the archive changed between the two passes (SHA-256 {first}, then {second}); nothing was committed"
    )]
    Changed { first: String, second: String },
    /// A pg_dump custom archive is turned into SQL only while it loads: a
    /// meta-command in it is found there, and the transaction rolls back.
    #[error("{0}; nothing was committed")]
    UnsafeSql(crate::sqlguard::UnsafeSql),
    #[error("interrupted by a signal")]
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("restore refused, nothing was written: {0}")]
    Refused(#[from] Refusal),
    #[error(
        "restore failed after it began writing: {source}. The target database {database:?}{} may hold partial data: drop it{} before retrying. No other database was touched.",
        .filestore.as_ref().map(|p| format!(" and the filestore directory {}", p.display())).unwrap_or_default(),
        if .filestore.is_some() { " and the directory" } else { "" }
    )]
    Failed {
        database: String,
        filestore: Option<PathBuf>,
        #[source]
        source: RestoreFailure,
    },
    #[error("the restore thread panicked")]
    Panicked,
}

impl RestoreError {
    /// Whether the target database or filestore may hold partial data.
    pub fn touched_target(&self) -> bool {
        matches!(self, RestoreError::Failed { .. } | RestoreError::Panicked)
    }
}

/// What the first pass learnt.
#[derive(Debug)]
pub(crate) struct Verified {
    pub format: BackupFormat,
    pub digest: Digested,
    pub manifest: Option<serde_json::Value>,
    pub filestore_files: u64,
    /// Zip entries read, each with its CRC-32 checked.
    pub entries: u64,
}

pub async fn run(request: RestoreRequest, tools: &PgTools) -> Result<RestoreReport, RestoreError> {
    let started = Instant::now();
    let s3 = S3Args::from(request.s3.as_ref());
    let source = Source::new(request.source.clone(), &s3).map_err(Refusal::OpenSource)?;
    let target = tools.connect(&request.database);

    let pg = target.clone();
    let filestore = request.filestore.clone();
    let pg_version = blocking(move || check_target(&pg, filestore.as_deref())).await??;

    // Pass 1: verify.
    let (reader, etag) = source.open(None).await.map_err(Refusal::OpenSource)?;
    let given = request.format;
    let has_target = request.filestore.is_some() || request.skip_filestore;
    let verify = blocking(move || verify(reader, given, has_target));
    let verified = tokio::select! {
        v = verify => v??,
        () = super::shutdown_signal() => return Err(Refusal::Interrupted.into()),
    };
    if let Some(expected) = &request.expected_sha256
        && !expected.eq_ignore_ascii_case(&verified.digest.sha256)
    {
        return Err(Refusal::ChecksumMismatch {
            expected: expected.clone(),
            actual: verified.digest.sha256.clone(),
        }
        .into());
    }
    tracing::info!(
        format = %verified.format,
        size = %human_bytes(verified.digest.bytes),
        sha256 = %verified.digest.sha256,
        filestore_files = verified.filestore_files,
        "archive verified; restoring"
    );

    // Pass 2: restore.
    let failed = |source| RestoreError::Failed {
        database: target.database.clone(),
        filestore: (verified.format == BackupFormat::Zip)
            .then(|| request.filestore.clone())
            .flatten(),
        source,
    };
    // If-Match on the ETag: the object read now is the one verified.
    let (reader, _) = source.open(etag).await.map_err(Refusal::OpenSource)?;
    let pg = target.clone();
    let filestore = request.filestore.clone();
    let format = verified.format;
    let first = verified.digest.clone();
    let restore =
        blocking(move || load::restore(reader, format, &first, &pg, filestore.as_deref()));
    tokio::select! {
        r = restore => r?.map_err(failed)?,
        () = super::shutdown_signal() => return Err(failed(RestoreFailure::Interrupted)),
    };

    // Counted after the commit, in the database the operator will look at itself.
    let pg = target.clone();
    let loaded = blocking(move || pg.loaded())
        .await?
        .map_err(|e| failed(RestoreFailure::Tool(e)))?;
    Ok(RestoreReport {
        archive: verified.archive(&request.source, started, Some(pg_version)),
        loaded,
    })
}

impl Verified {
    /// The archive for a report: the manifest's versions when it has them; the
    /// server's version otherwise.
    pub fn archive(
        &self,
        source: &Location,
        started: Instant,
        pg_version: Option<String>,
    ) -> Archive {
        let manifest_str = |key: &str| {
            self.manifest
                .as_ref()
                .and_then(|m| m.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Archive {
            location: source.clone(),
            format: self.format,
            size_bytes: self.digest.bytes,
            sha256: self.digest.sha256.clone(),
            duration_seconds: super::seconds(started.elapsed()),
            odoo_version: manifest_str("version"),
            pg_version: manifest_str("pg_version").or(pg_version),
            filestore_files: (self.format == BackupFormat::Zip).then_some(self.filestore_files),
        }
    }
}

/// The target must be new: an empty database, an absent or empty directory. This
/// also keeps the agent off any database that is in use.
fn check_target(pg: &PgArgs, filestore: Option<&Path>) -> Result<String, Refusal> {
    let (_, version) = pg.server_version().map_err(Refusal::CheckTarget)?;
    let objects = pg.user_object_count().map_err(Refusal::CheckTarget)?;
    if objects > 0 {
        return Err(Refusal::TargetDatabaseNotEmpty {
            database: pg.database.clone(),
            objects,
        });
    }
    if let Some(dir) = filestore
        && dir.exists()
    {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(Refusal::TargetFilestoreNotEmpty(dir.to_owned()));
        }
    }
    Ok(version)
}

/// The archive with its first bytes read ahead and replayed.
pub(super) type Replay<R> = BufReader<io::Chain<io::Cursor<Vec<u8>>, R>>;

/// The first bytes, and a reader that replays them before the rest.
pub(super) fn peek<R: Read>(mut reader: R) -> io::Result<(Vec<u8>, Replay<R>)> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    (&mut reader).take(HEAD_LEN as u64).read_to_end(&mut head)?;
    let replay = io::Cursor::new(head.clone()).chain(reader);
    Ok((head, BufReader::with_capacity(256 * 1024, replay)))
}

fn detect(head: &[u8], given: Option<BackupFormat>) -> Result<BackupFormat, Refusal> {
    let detected = layout::detect_format(head).map_err(Refusal::UnknownFormat)?;
    match given {
        Some(given) if given != detected => Err(Refusal::FormatMismatch { given, detected }),
        _ => Ok(detected),
    }
}

/// Pass 1; blocking. Also `odoo-agent verify`'s whole work.
pub(crate) fn verify(
    reader: Box<dyn Read + Send>,
    given: Option<BackupFormat>,
    has_filestore_target: bool,
) -> Result<Verified, Refusal> {
    let tally = TallyReader::new(reader, "verified:");
    let (head, mut input) = peek(tally).map_err(Refusal::Read)?;
    let format = detect(&head, given)?;
    let mut verified = Verified {
        format,
        digest: Digested {
            sha256: String::new(),
            bytes: 0,
        },
        manifest: None,
        filestore_files: 0,
        entries: 0,
    };
    if format == BackupFormat::Zip {
        let mut zip = ZipStream::new(input);
        let mut dumps = 0;
        while let Some(entry) = zip.next_entry()? {
            verified.entries += 1;
            match entry.name.as_str() {
                "dump.sql" => {
                    dumps += 1;
                    if dumps > 1 {
                        return Err(Refusal::DuplicateDump);
                    }
                    check_sql_entry(&mut zip)?;
                }
                "manifest.json" => {
                    let mut bytes = Vec::new();
                    zip.read_data(&mut LimitedWriter(&mut bytes))?;
                    // Odoo restores without a manifest; a broken one is only noted.
                    match serde_json::from_slice(&bytes) {
                        Ok(m) => verified.manifest = Some(m),
                        Err(e) => tracing::warn!(error = %e, "manifest.json is not JSON; ignored"),
                    }
                }
                name => match layout::filestore_relative(name) {
                    Err(reason) => {
                        return Err(Refusal::UnsafeName {
                            name: name.to_owned(),
                            reason,
                        });
                    }
                    Ok(Some(_)) if !entry.is_dir() => verified.filestore_files += 1,
                    Ok(_) => {}
                },
            }
        }
        if dumps == 0 {
            return Err(Refusal::MissingDump);
        }
        if verified.filestore_files > 0 && !has_filestore_target {
            return Err(Refusal::NoFilestoreTarget(verified.filestore_files));
        }
        input = zip.into_inner();
    }
    if format == BackupFormat::Sql {
        let mut guard = SqlFilter::new(io::sink());
        io::copy(&mut input, &mut guard).map_err(sql_refusal)?;
        guard.finish().map_err(sql_refusal)?;
    }
    io::copy(&mut input, &mut io::sink()).map_err(Refusal::Read)?;
    let (_, tally) = input.into_inner().into_inner();
    verified.digest = tally.drain().map_err(Refusal::Read)?;
    Ok(verified)
}

/// Runs dump.sql through the filter psql's input goes through, writing nothing:
/// an archive with a meta-command is refused before anything is written.
fn check_sql_entry<R: io::BufRead>(zip: &mut ZipStream<R>) -> Result<(), Refusal> {
    let mut guard = SqlFilter::new(io::sink());
    match zip.read_data(&mut guard) {
        Ok(_) => guard.finish().map(|_| ()).map_err(sql_refusal),
        Err(ZipReadError::Write { source, .. }) => Err(sql_refusal(source)),
        Err(e) => Err(e.into()),
    }
}

fn sql_refusal(e: io::Error) -> Refusal {
    match crate::sqlfilter::unsafe_sql(&e) {
        Some(refusal) => Refusal::UnsafeSql(refusal.clone()),
        None => Refusal::Read(e),
    }
}

/// Collects at most [`MANIFEST_LIMIT`] bytes.
struct LimitedWriter<'a>(&'a mut Vec<u8>);

impl Write for LimitedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0.len() + buf.len() > MANIFEST_LIMIT {
            return Err(io::Error::other("manifest.json is larger than 1 MiB"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RestoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| RestoreError::Panicked)
}
