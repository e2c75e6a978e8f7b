//! Writes Odoo's zip layout as a stream: `dump.sql`, `manifest.json`, then
//! `filestore/…`, the order Odoo's `dump_db` produces (its `zip_dir` sorts
//! `dump.sql` first, then walks the filestore). Entries carry data descriptors, so
//! nothing is seeked back over and the output can go straight into an upload.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Files at least this large get a zip64 header up front: with a data descriptor the
/// size is only known at the end, and deflate may grow incompressible data slightly.
const ZIP64_FROM: u64 = 0xF000_0000;

#[derive(Debug, thiserror::Error)]
pub enum ZipWriteError {
    #[error("writing {entry} into the archive: {source}")]
    WriteEntry {
        entry: String,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("streaming {entry} into the archive: {source}")]
    StreamEntry {
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error("reading the filestore at {path}: {source}")]
    ReadFilestore {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("filestore path {0} is not UTF-8; zip entry names must be")]
    NonUtf8Path(PathBuf),
    #[error("finishing the archive: {0}")]
    Finish(#[source] zip::result::ZipError),
}

/// What went into the archive besides the dump.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZipStats {
    pub filestore_files: u64,
    pub filestore_bytes: u64,
    pub dump_bytes: u64,
}

fn options(large: bool) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(dos_time(SystemTime::now()))
        .large_file(large)
}

/// Writes the archive into `out` and returns it. `dump` is pg_dump's stdout.
pub fn write_odoo_zip<W: Write>(
    out: W,
    dump: &mut dyn Read,
    manifest_json: &[u8],
    filestore: Option<&Path>,
) -> Result<(W, ZipStats), ZipWriteError> {
    let mut stats = ZipStats::default();
    let mut zip = ZipWriter::new_stream(out);
    let start = |zip: &mut ZipWriter<_>, name: &str, large: bool| {
        zip.start_file(name, options(large))
            .map_err(|source| ZipWriteError::WriteEntry {
                entry: name.to_owned(),
                source,
            })
    };
    // The dump's size is unknown until pg_dump ends: always zip64.
    start(&mut zip, "dump.sql", true)?;
    stats.dump_bytes = io::copy(dump, &mut zip).map_err(|source| ZipWriteError::StreamEntry {
        entry: "dump.sql".into(),
        source,
    })?;
    start(&mut zip, "manifest.json", false)?;
    zip.write_all(manifest_json)
        .map_err(|source| ZipWriteError::StreamEntry {
            entry: "manifest.json".into(),
            source,
        })?;
    if let Some(root) = filestore {
        for (relative, len) in filestore_files(root)? {
            let name = format!("filestore/{relative}");
            let path = root.join(&relative);
            let mut file = File::open(&path).map_err(|source| ZipWriteError::ReadFilestore {
                path: path.clone(),
                source,
            })?;
            start(&mut zip, &name, len >= ZIP64_FROM)?;
            stats.filestore_bytes +=
                io::copy(&mut file, &mut zip).map_err(|source| ZipWriteError::StreamEntry {
                    entry: name,
                    source,
                })?;
            stats.filestore_files += 1;
        }
    }
    let out = zip.finish().map_err(ZipWriteError::Finish)?.into_inner();
    Ok((out, stats))
}

/// Regular files under `root`, as `/`-separated relative paths with their sizes,
/// sorted so archives of the same filestore list files in the same order.
/// Symbolic links are skipped: Odoo never creates them, and following one could put
/// files from outside the filestore into a backup.
pub fn filestore_files(root: &Path) -> Result<Vec<(String, u64)>, ZipWriteError> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(dir) = dirs.pop() {
        let full = root.join(&dir);
        let read_err = |source| ZipWriteError::ReadFilestore {
            path: full.clone(),
            source,
        };
        for entry in std::fs::read_dir(&full).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let kind = entry.file_type().map_err(read_err)?;
            let relative = dir.join(entry.file_name());
            if kind.is_dir() {
                dirs.push(relative);
            } else if kind.is_file() {
                let len = entry.metadata().map_err(read_err)?.len();
                let name = relative
                    .to_str()
                    .ok_or_else(|| ZipWriteError::NonUtf8Path(relative.clone()))?
                    .to_owned();
                files.push((name, len));
            } else {
                tracing::warn!(path = %root.join(&relative).display(), "skipping a filestore entry that is not a regular file");
            }
        }
    }
    files.sort();
    Ok(files)
}

/// MS-DOS time of `t` in UTC (zip's native resolution: two seconds, 1980–2107).
pub fn dos_time(t: SystemTime) -> DateTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    DateTime::from_date_and_time(
        year,
        month,
        day,
        (rem / 3600) as u8,
        (rem % 3600 / 60) as u8,
        (rem % 60) as u8,
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zipread::ZipStream;
    use std::time::Duration;

    #[test]
    fn odoo_layout_in_odoos_order_and_readable_back() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        for (rel, data) in [("ab/abcdef", "one"), ("00/0011", "two"), ("ab/ab0000", "")] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().ok_or("no parent")?)?;
            std::fs::write(path, data)?;
        }
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("ab/link"))?;

        let mut dump: &[u8] = b"SELECT 1;\n";
        let (bytes, stats) = write_odoo_zip(Vec::new(), &mut dump, b"{}", Some(dir.path()))?;
        assert_eq!(stats.filestore_files, 3);

        let mut z = ZipStream::new(io::BufReader::new(&bytes[..]));
        let mut names = Vec::new();
        while let Some(e) = z.next_entry()? {
            names.push(e.name);
        }
        assert_eq!(
            names,
            [
                "dump.sql",
                "manifest.json",
                "filestore/00/0011",
                "filestore/ab/ab0000",
                "filestore/ab/abcdef"
            ]
        );
        Ok(())
    }

    #[test]
    fn dos_time_is_utc_calendar_time() {
        // 2024-02-29T13:45:30Z
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_214_330);
        let d = dos_time(t);
        assert_eq!(
            (
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            ),
            (2024, 2, 29, 13, 45, 30)
        );
    }
}
