//! `odoo-agent backup`: pg_dump (and the filestore) streamed into an archive
//! that goes straight to S3 or a volume, hashed on the way.

use std::path::PathBuf;
use std::time::Instant;

use super::flags::Flags;
use super::layout::BackupFormat;
use super::manifest::{Manifest, ManifestError, VersionFields};
use super::pg::{PgArgs, PgToolError, PgTools, Tool};
use super::snapshot::Snapshot;
use super::store::{self, Location, S3Args, StoreError};
use super::stream::{Digested, TallyWriter, human_bytes};
use super::zipwrite::{ZipStats, ZipWriteError, write_odoo_zip};
use odoo_model::agent::{Archive, BackupReport, BackupRequest, ReadBack};
use odoo_model::version::OdooRelease;

use super::OutputArgs;

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub request: Flags<BackupRequest>,
    #[command(flatten)]
    pub tools: PgTools,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The request, with the tools' connection and the S3 client it makes here.
struct Backup {
    request: BackupRequest,
    pg: PgArgs,
    s3: S3Args,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("a zip backup needs --odoo-version (ODOO_VERSION) for its manifest")]
    MissingOdooVersion,
    #[error(transparent)]
    ParseOdooVersion(#[from] ManifestError),
    #[error(
        "a zip backup with the filestore needs --filestore (or --without-filestore for the database only)"
    )]
    MissingFilestore,
    #[error(
        "the filestore directory {0} does not exist; is the volume mounted? (--without-filestore backs up the database only)"
    )]
    FilestoreNotFound(PathBuf),
    #[error(transparent)]
    Pg(#[from] PgToolError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Zip(#[from] ZipWriteError),
    #[error("streaming the dump: {0}")]
    Stream(#[source] std::io::Error),
    #[error("finishing the archive: {0}")]
    Close(#[source] std::io::Error),
    #[error(
        "the file read back differs from what was written (SHA-256 {read}, written {written}); the volume does not hold the archive"
    )]
    ReadBack { written: String, read: String },
    #[error("interrupted by a signal")]
    Interrupted,
    #[error("the backup thread panicked")]
    Panicked,
}

pub async fn run(request: BackupRequest, tools: &PgTools) -> Result<BackupReport, BackupError> {
    let args = Backup {
        pg: tools.connect(&request.database),
        s3: S3Args::from(request.s3.as_ref()),
        request,
    };
    let started = Instant::now();
    let filestore = filestore_to_back_up(&args)?;
    let version = version_fields(args.request.format, args.request.odoo_version.as_ref())?;

    // Everything that can fail cheaply runs before the upload exists, so a wrong
    // password or a non-Odoo database leaves nothing to clean up.
    let zip = args.request.format == BackupFormat::Zip;
    let (manifest, pg_version) = read_database(args.pg.clone(), zip, version).await?;

    let (digested, stats, counts) = upload(&args, manifest, filestore).await?;
    let read_back = prove_stored(&args, &digested).await?;
    tracing::info!(
        size = %human_bytes(digested.bytes),
        dump = %human_bytes(stats.dump_bytes),
        filestore_files = stats.filestore_files,
        filestore = %human_bytes(stats.filestore_bytes),
        "backup complete"
    );
    Ok(BackupReport {
        archive: Archive {
            location: args.request.destination.clone(),
            format: args.request.format,
            size_bytes: digested.bytes,
            sha256: digested.sha256,
            duration_seconds: super::seconds(started.elapsed()),
            odoo_version: args.request.odoo_version.as_ref().map(ToString::to_string),
            pg_version: Some(pg_version),
            filestore_files: zip.then_some(stats.filestore_files),
        },
        read_back,
        row_counts: counts
            .map(|c| odoo_model::agent::RowCounts::of(c.iter().map(|(t, n)| (t, *n)))),
    })
}

/// The filestore directory a zip holds, `None` when the archive holds no files.
fn filestore_to_back_up(args: &Backup) -> Result<Option<PathBuf>, BackupError> {
    match args.request.format {
        BackupFormat::Zip if !args.request.without_filestore => {
            let dir = args
                .request
                .filestore
                .clone()
                .ok_or(BackupError::MissingFilestore)?;
            // Odoo creates a database's directory with its first attachment, and
            // its own backups skip a missing one; a missing data directory, though,
            // is a volume that is not mounted.
            let data_dir = dir.parent().and_then(|p| p.parent());
            if dir.is_dir() {
                Ok(Some(dir))
            } else if data_dir.is_some_and(|d| d.is_dir()) {
                tracing::info!(filestore = %dir.display(), "the database has no filestore directory yet: no files to back up");
                Ok(None)
            } else {
                Err(BackupError::FilestoreNotFound(dir))
            }
        }
        BackupFormat::Zip => Ok(None),
        BackupFormat::Dump | BackupFormat::Sql => {
            if args.request.filestore.is_some() {
                tracing::warn!(format = %args.request.format, "this format holds the database only; --filestore is ignored");
            }
            Ok(None)
        }
    }
}

/// The manifest's version fields; a zip cannot be written without them.
fn version_fields(
    format: BackupFormat,
    odoo_version: Option<&OdooRelease>,
) -> Result<Option<VersionFields>, BackupError> {
    match (format, odoo_version) {
        (_, Some(v)) => Ok(Some(VersionFields::parse(&v.to_string())?)),
        (BackupFormat::Zip, None) => Err(BackupError::MissingOdooVersion),
        (_, None) => Ok(None),
    }
}

/// The server's version and, for a zip, the manifest built from the installed
/// modules.
async fn read_database(
    pg: PgArgs,
    zip: bool,
    version: Option<VersionFields>,
) -> Result<(Option<Vec<u8>>, String), BackupError> {
    blocking(move || {
        let (num, pg_version) = pg.server_version()?;
        let manifest = match (zip, &version) {
            (true, Some(version)) => {
                let modules = pg.installed_modules()?;
                tracing::info!(modules = modules.len(), "read the installed modules");
                Some(Manifest::new(&pg.database, version, num, modules).to_json())
            }
            _ => None,
        };
        Ok::<_, BackupError>((manifest, pg_version))
    })
    .await?
}

/// Writes the archive to its destination and commits it; an interrupted or
/// failed write aborts the upload.
async fn upload(
    args: &Backup,
    manifest: Option<Vec<u8>>,
    filestore: Option<PathBuf>,
) -> Result<(Digested, ZipStats, Option<Counts>), BackupError> {
    let (sink, destination) = store::open_destination(&args.request.destination, &args.s3).await?;
    tracing::info!(
        destination = %destination.describe(),
        format = %args.request.format,
        database = %args.pg.database,
        filestore = ?filestore,
        "backup started"
    );
    let pg = args.pg.clone();
    let format = args.request.format;
    let count_rows = args.request.count_rows;
    let pipeline = blocking(move || {
        write_archive(
            &pg,
            format,
            manifest.as_deref(),
            filestore,
            sink,
            count_rows,
        )
    });
    let outcome = tokio::select! {
        outcome = pipeline => outcome.and_then(|r| r),
        () = super::shutdown_signal() => Err(BackupError::Interrupted),
    };
    let done = match outcome {
        Ok(done) => done,
        Err(e) => {
            // The upload's own failure is the root cause of a writer that broke off.
            let root = destination.abort().await;
            return Err(root.map_or(e, BackupError::Store));
        }
    };
    destination.commit().await?;
    Ok(done)
}

/// A file is read back once closed: the report then proves what the volume
/// holds, not only what was written to it. An object gets its digest beside it.
async fn prove_stored(args: &Backup, digested: &Digested) -> Result<Option<ReadBack>, BackupError> {
    match &args.request.destination {
        Location::File(path) => {
            let path = path.clone();
            let back = blocking(move || store::read_back(&path)).await??;
            if back.sha256 != digested.sha256 || back.size_bytes != digested.bytes {
                return Err(BackupError::ReadBack {
                    written: digested.sha256.clone(),
                    read: back.sha256,
                });
            }
            Ok(Some(back))
        }
        Location::S3 { bucket, key } => {
            store::put_digest(bucket, key, &args.s3, &digested.sha256).await?;
            Ok(None)
        }
    }
}

/// Per-table rows of the dump's snapshot.
type Counts = std::collections::BTreeMap<String, i64>;

/// Runs pg_dump and writes the archive into `sink`, counting rows in the dump's
/// snapshot when asked; blocking.
fn write_archive(
    pg: &PgArgs,
    format: BackupFormat,
    manifest: Option<&[u8]>,
    filestore: Option<PathBuf>,
    sink: Box<dyn store::ArchiveSink>,
    count_rows: bool,
) -> Result<(Digested, ZipStats, Option<Counts>), BackupError> {
    let mut snapshot = count_rows.then(|| Snapshot::export(pg)).transpose()?;
    let mut cmd = pg.command("pg_dump");
    // Odoo's own flags: ownership is the restoring role's business.
    cmd.arg("--no-owner");
    if format == BackupFormat::Dump {
        cmd.arg("--format=custom");
    }
    if let Some(s) = &snapshot {
        cmd.arg(format!("--snapshot={}", s.id));
    }
    let mut dump = Tool::spawn("pg_dump", cmd, false, true)?.into_output()?;
    // Counted while the exporting transaction is open (pg_dump imports the
    // snapshot as it starts; the pipe holds its first output meanwhile).
    let counts = snapshot.as_mut().map(Snapshot::count_rows).transpose()?;
    let mut out = TallyWriter::new(sink, "archive written:");
    let mut stats = ZipStats::default();
    let out = match format {
        BackupFormat::Zip => {
            let (out, zip_stats) = write_odoo_zip(
                out,
                &mut dump,
                manifest.unwrap_or(b"{}"),
                filestore.as_deref(),
            )?;
            stats = zip_stats;
            out
        }
        BackupFormat::Dump | BackupFormat::Sql => {
            stats.dump_bytes = std::io::copy(&mut dump, &mut out).map_err(BackupError::Stream)?;
            out
        }
    };
    let (sink, digested) = out.into_parts();
    sink.close().map_err(BackupError::Close)?;
    if let Some(s) = snapshot {
        s.close()?;
    }
    Ok((digested, stats, counts))
}

/// Runs blocking work (child processes, pipes, files) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| BackupError::Panicked)
}
