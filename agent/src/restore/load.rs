//! The second pass: loads the database (psql in one transaction, committed only
//! after the archive read back with the verified SHA-256) and writes the filestore.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;

use super::{RestoreFailure, peek};
use crate::layout::{self, BackupFormat};
use crate::pg::{PgArgs, Tool};
use crate::psql::PsqlSession;
use crate::sqlfilter::unsafe_sql;
use crate::stream::{Digested, TallyReader};
use crate::zipread::{ZipReadError, ZipStream};

/// Pass 2; blocking.
pub(super) fn restore(
    reader: Box<dyn Read + Send>,
    format: BackupFormat,
    first: &Digested,
    pg: &PgArgs,
    filestore: Option<&Path>,
) -> Result<(), RestoreFailure> {
    let tally = TallyReader::new(reader, "restored:").with_total(first.bytes);
    let (_, mut input) = peek(tally).map_err(RestoreFailure::Read)?;
    let psql = match format {
        BackupFormat::Sql => {
            let mut psql = PsqlSession::start(pg)?;
            let mut sql = psql.sql();
            let copied = io::copy(&mut input, &mut sql);
            let finished = match copied {
                Ok(_) => sql.finish().map(|(_, dropped)| log_dropped(dropped)),
                Err(e) => Err(e),
            };
            if let Err(e) = finished {
                // psql is dropped uncommitted: the transaction rolls back.
                return Err(refused(&e).unwrap_or_else(|| {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        psql.failure().into()
                    } else {
                        RestoreFailure::Read(e)
                    }
                }));
            }
            psql.sync()?
        }
        BackupFormat::Dump => restore_custom(&mut input, pg)?,
        BackupFormat::Zip => {
            let mut zip = ZipStream::new(input);
            let psql = restore_zip(&mut zip, pg, filestore)?;
            input = zip.into_inner();
            psql
        }
    };
    io::copy(&mut input, &mut io::sink()).map_err(RestoreFailure::Read)?;
    let (_, tally) = input.into_inner().into_inner();
    let second = tally.drain().map_err(RestoreFailure::Read)?;
    if second.sha256 != first.sha256 {
        // psql is dropped uncommitted: the transaction rolls back.
        return Err(RestoreFailure::Changed {
            first: first.sha256.clone(),
            second: second.sha256,
        });
    }
    psql.commit()?;
    tracing::info!("database committed");
    Ok(())
}

/// pg_dump's custom format: pg_restore turns it back into SQL, which goes through the
/// same filter and transaction as a plain dump.
fn restore_custom(input: &mut impl Read, pg: &PgArgs) -> Result<PsqlSession, RestoreFailure> {
    let mut cmd = pg.command("pg_restore");
    cmd.args(["--no-owner", "--no-acl", "--file=-"]);
    let mut pg_restore = Tool::spawn("pg_restore", cmd, true, true)?;
    let mut archive_in = pg_restore.stdin.take();
    let mut sql_out = pg_restore.stdout.take();
    let psql = PsqlSession::start(pg)?;
    // pg_restore's output is pumped into psql on a thread of its own while this one
    // feeds it the archive; both pipes would fill up otherwise.
    let pump = std::thread::spawn(move || {
        let mut psql = psql;
        let mut sql = psql.sql();
        let copied = sql_out
            .as_mut()
            .map(|out| io::copy(out, &mut sql))
            .transpose();
        let pumped = match copied {
            Ok(_) => sql.finish().map(|(_, dropped)| log_dropped(dropped)),
            Err(e) => Err(e),
        };
        (psql, pumped)
    });
    let fed = match archive_in.as_mut() {
        Some(stdin) => io::copy(input, stdin).map(|_| ()),
        None => Ok(()),
    };
    drop(archive_in);
    let (psql, pumped) = pump.join().map_err(|_| {
        RestoreFailure::Read(io::Error::other("the pg_restore pump thread panicked"))
    })?;
    if let Err(e) = &pumped
        && let Some(refusal) = refused(e)
    {
        // pg_restore stops on the closed pipe; the refusal is the reason.
        drop(pg_restore);
        return Err(refusal);
    }
    pg_restore.finish()?;
    if let Err(e) = fed
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return Err(RestoreFailure::Read(e));
    }
    if let Err(e) = pumped {
        return Err(refused(&e).unwrap_or_else(|| psql.failure().into()));
    }
    Ok(psql.sync()?)
}

fn restore_zip<R: BufRead>(
    zip: &mut ZipStream<R>,
    pg: &PgArgs,
    filestore: Option<&Path>,
) -> Result<PsqlSession, RestoreFailure> {
    let mut psql = None;
    let mut files = 0u64;
    if let Some(dir) = filestore {
        std::fs::create_dir_all(dir).map_err(|source| RestoreFailure::WriteFile {
            path: dir.to_owned(),
            source,
        })?;
    }
    while let Some(entry) = zip.next_entry()? {
        if entry.name == "dump.sql" {
            let mut session = PsqlSession::start(pg)?;
            let mut sql = session.sql();
            let read = zip.read_data(&mut sql);
            let finished = match read {
                Ok(_) => sql.finish().map(|(_, dropped)| log_dropped(dropped)),
                Err(ZipReadError::Write { source, .. }) => Err(source),
                Err(e) => return Err(e.into()),
            };
            if let Err(e) = finished {
                return Err(refused(&e).unwrap_or_else(|| session.failure().into()));
            }
            psql = Some(session.sync()?);
            tracing::info!("dump.sql loaded (not committed yet)");
            continue;
        }
        // Names were checked in pass 1; this pass reads the same bytes.
        let (Some(root), Ok(Some(relative))) = (filestore, layout::filestore_relative(&entry.name))
        else {
            continue;
        };
        let path = root.join(&relative);
        let write_err = |source| RestoreFailure::WriteFile {
            path: path.clone(),
            source,
        };
        if entry.is_dir() {
            std::fs::create_dir_all(&path).map_err(write_err)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        // create_new: a name twice in the archive is an error, not an overwrite.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(write_err)?;
        let mut out = io::BufWriter::with_capacity(256 * 1024, file);
        zip.read_data(&mut out)?;
        out.flush().map_err(write_err)?;
        files += 1;
    }
    tracing::info!(files, "filestore written");
    psql.ok_or_else(|| RestoreFailure::Read(io::Error::other("dump.sql vanished in pass 2")))
}

/// The filter's refusal of the archive's SQL, as a failure.
fn refused(e: &io::Error) -> Option<RestoreFailure> {
    unsafe_sql(e).cloned().map(RestoreFailure::UnsafeSql)
}

fn log_dropped(statements: u64) {
    if statements > 0 {
        tracing::info!(
            statements,
            "skipped privilege, ownership and extension-comment statements the instance's role cannot run"
        );
    }
}
