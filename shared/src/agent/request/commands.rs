//! The request of each agent command.

use std::path::PathBuf;

use super::super::Command;
use super::super::env::{self, PG, TARGET_PG};
use super::{PgConnection, Reader, Request, RequestError, S3Options, Writer};
use crate::Location;
use crate::backup_job::BackupFormat;
use crate::version::OdooRelease;

/// `backup`: the database (and its filestore) streamed into an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRequest {
    /// The database backed up.
    pub database: PgConnection,
    /// Needed for an S3 destination.
    pub s3: Option<S3Options>,
    /// Where the archive goes; an existing one is never overwritten.
    pub destination: Location,
    /// Zip when unset.
    pub format: BackupFormat,
    /// The database's filestore, `<data_dir>/filestore/<database>`; zip only.
    pub filestore: Option<PathBuf>,
    /// Leave the filestore out of a zip.
    pub without_filestore: bool,
    /// Count every table's rows in the dump's own snapshot.
    pub count_rows: bool,
    /// For a zip's manifest (the official Odoo image sets [`env::ODOO_VERSION`]).
    pub odoo_version: Option<OdooRelease>,
}

impl Request for BackupRequest {
    const COMMAND: Command = Command::Backup;

    fn vars() -> Vec<&'static str> {
        let own = [
            env::DESTINATION,
            env::FORMAT,
            env::FILESTORE,
            env::ODOO_VERSION,
            env::WITHOUT_FILESTORE,
            env::COUNT_ROWS,
        ];
        [&PgConnection::vars(PG)[..], &own, &S3Options::VARS].concat()
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        self.database.write(PG, &mut out);
        out.set(env::DESTINATION, &self.destination)
            .set(env::FORMAT, self.format)
            .maybe(env::FILESTORE, self.filestore.as_ref().map(|p| p.display()))
            .maybe(env::ODOO_VERSION, self.odoo_version.as_ref())
            .flag(env::WITHOUT_FILESTORE, self.without_filestore)
            .flag(env::COUNT_ROWS, self.count_rows);
        S3Options::write(self.s3.as_ref(), &mut out);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        Ok(BackupRequest {
            database: PgConnection::read(PG, &r)?,
            s3: S3Options::read(&r)?,
            destination: r.required(env::DESTINATION)?,
            format: r.optional(env::FORMAT)?.unwrap_or_default(),
            filestore: r.optional(env::FILESTORE)?,
            without_filestore: r.flag(env::WITHOUT_FILESTORE)?,
            count_rows: r.flag(env::COUNT_ROWS)?,
            odoo_version: r.optional(env::ODOO_VERSION)?,
        })
    }
}

/// `restore`: an archive loaded into a new, empty database and filestore directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRequest {
    /// The existing, empty database the operator created for this restore.
    pub database: PgConnection,
    /// Needed for an S3 source.
    pub s3: Option<S3Options>,
    pub source: Location,
    /// The archive's SHA-256 (hex) as recorded, checked before anything is written.
    pub expected_sha256: Option<String>,
    /// Told from the content when unset.
    pub format: Option<BackupFormat>,
    /// The target filestore directory, `<data_dir>/filestore/<database>`: absent or
    /// empty. Needed when a zip has a filestore.
    pub filestore: Option<PathBuf>,
    /// Check the filestore's entries but write none (a verification's scratch
    /// restore); excludes [`RestoreRequest::filestore`].
    pub skip_filestore: bool,
}

impl Request for RestoreRequest {
    const COMMAND: Command = Command::Restore;

    fn vars() -> Vec<&'static str> {
        let own = [
            env::SOURCE,
            env::FILESTORE,
            env::EXPECTED_SHA256,
            env::FORMAT,
            env::SKIP_FILESTORE,
        ];
        [&PgConnection::vars(PG)[..], &own, &S3Options::VARS].concat()
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        self.database.write(PG, &mut out);
        out.set(env::SOURCE, &self.source)
            .maybe(env::FILESTORE, self.filestore.as_ref().map(|p| p.display()))
            .maybe(env::EXPECTED_SHA256, self.expected_sha256.as_ref())
            .maybe(env::FORMAT, self.format)
            .flag(env::SKIP_FILESTORE, self.skip_filestore);
        S3Options::write(self.s3.as_ref(), &mut out);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        let request = RestoreRequest {
            database: PgConnection::read(PG, &r)?,
            s3: S3Options::read(&r)?,
            source: r.required(env::SOURCE)?,
            expected_sha256: r.optional(env::EXPECTED_SHA256)?,
            format: r.optional(env::FORMAT)?,
            filestore: r.optional(env::FILESTORE)?,
            skip_filestore: r.flag(env::SKIP_FILESTORE)?,
        };
        if request.skip_filestore && request.filestore.is_some() {
            return Err(RequestError::Conflict {
                var: env::SKIP_FILESTORE,
                with: env::FILESTORE,
            });
        }
        Ok(request)
    }
}

/// `verify`: a stored archive read end to end; nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyRequest {
    pub s3: Option<S3Options>,
    pub source: Location,
    /// The SHA-256 (hex) recorded when the archive was made.
    pub expected_sha256: String,
    /// Told from the content when unset.
    pub format: Option<BackupFormat>,
}

impl Request for VerifyRequest {
    const COMMAND: Command = Command::Verify;

    fn vars() -> Vec<&'static str> {
        let own = [env::SOURCE, env::EXPECTED_SHA256, env::FORMAT];
        [&own[..], &S3Options::VARS].concat()
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        out.set(env::SOURCE, &self.source)
            .set(env::EXPECTED_SHA256, &self.expected_sha256)
            .maybe(env::FORMAT, self.format);
        S3Options::write(self.s3.as_ref(), &mut out);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        Ok(VerifyRequest {
            s3: S3Options::read(&r)?,
            source: r.required(env::SOURCE)?,
            expected_sha256: r.required(env::EXPECTED_SHA256)?,
            format: r.optional(env::FORMAT)?,
        })
    }
}

/// `delete-archive`: a stored archive and its digest removed, only when it is the
/// one its backup recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRequest {
    pub s3: Option<S3Options>,
    pub archive: Location,
    /// The SHA-256 (hex) its backup recorded: anything else there stays.
    pub expected_sha256: String,
}

impl Request for DeleteRequest {
    const COMMAND: Command = Command::DeleteArchive;

    fn vars() -> Vec<&'static str> {
        [&[env::SOURCE, env::EXPECTED_SHA256][..], &S3Options::VARS].concat()
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        out.set(env::SOURCE, &self.archive)
            .set(env::EXPECTED_SHA256, &self.expected_sha256);
        S3Options::write(self.s3.as_ref(), &mut out);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        Ok(DeleteRequest {
            s3: S3Options::read(&r)?,
            archive: r.required(env::SOURCE)?,
            expected_sha256: r.required(env::EXPECTED_SHA256)?,
        })
    }
}

/// `switch-filestore`: the restored files take the live name, the live ones are
/// kept (or removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchRequest {
    /// The filestore root, `<data_dir>/filestore`.
    pub root: PathBuf,
    /// The live database's name.
    pub live: String,
    /// The name the replacement files wait under.
    pub restored: String,
    /// The name the previous files are kept under.
    pub kept: String,
    /// Remove the previous files once the switch is done.
    pub drop_previous: bool,
}

impl Request for SwitchRequest {
    const COMMAND: Command = Command::SwitchFilestore;

    fn vars() -> Vec<&'static str> {
        let names = [env::FILESTORE_ROOT, env::LIVE, env::RESTORED, env::KEPT];
        [&names[..], &[env::DROP_PREVIOUS]].concat()
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        out.set(env::FILESTORE_ROOT, self.root.display())
            .set(env::LIVE, &self.live)
            .set(env::RESTORED, &self.restored)
            .set(env::KEPT, &self.kept)
            .flag(env::DROP_PREVIOUS, self.drop_previous);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        Ok(SwitchRequest {
            root: r.required(env::FILESTORE_ROOT)?,
            live: r.required(env::LIVE)?,
            restored: r.required(env::RESTORED)?,
            kept: r.required(env::KEPT)?,
            drop_previous: r.flag(env::DROP_PREVIOUS)?,
        })
    }
}

/// `copy-filestore`: the live files linked under a copy's name, or that copy
/// removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilestoreCopyRequest {
    /// The filestore root, `<data_dir>/filestore`.
    pub root: PathBuf,
    /// The live database's name: the directory copied.
    pub live: String,
    /// The copy's name.
    pub copy: String,
    /// Remove the copy (and an unfinished one) instead of making it.
    pub discard: bool,
}

impl Request for FilestoreCopyRequest {
    const COMMAND: Command = Command::CopyFilestore;

    fn vars() -> Vec<&'static str> {
        vec![env::FILESTORE_ROOT, env::LIVE, env::COPY, env::DISCARD]
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        out.set(env::FILESTORE_ROOT, self.root.display())
            .set(env::LIVE, &self.live)
            .set(env::COPY, &self.copy)
            .flag(env::DISCARD, self.discard);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        Ok(FilestoreCopyRequest {
            root: r.required(env::FILESTORE_ROOT)?,
            live: r.required(env::LIVE)?,
            copy: r.required(env::COPY)?,
            discard: r.flag(env::DISCARD)?,
        })
    }
}

/// `copy`: a database streamed into an empty one, on the same or another server.
/// Each side's password is its own Secret reference ([`PG`] and [`TARGET_PG`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyRequest {
    /// The live database, only read.
    pub source: PgConnection,
    /// The existing, empty database the copy goes into.
    pub target: PgConnection,
}

impl Request for CopyRequest {
    const COMMAND: Command = Command::Copy;

    fn vars() -> Vec<&'static str> {
        [PgConnection::vars(PG), PgConnection::vars(TARGET_PG)].concat()
    }

    fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut out = Writer::default();
        self.source.write(PG, &mut out);
        self.target.write(TARGET_PG, &mut out);
        out.0
    }

    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError> {
        let r = Reader(lookup);
        Ok(CopyRequest {
            source: PgConnection::read(PG, &r)?,
            target: PgConnection::read(TARGET_PG, &r)?,
        })
    }
}
