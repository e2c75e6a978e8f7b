//! What an archive is: its format, told from its first bytes, and where a zip entry
//! may land in the filestore.

use std::path::PathBuf;

/// Archive format: the model's, which the operator names in the agent's environment.
pub use odoo_model::backup_job::BackupFormat;

/// Bytes read to tell the format.
pub const HEAD_LEN: usize = 4096;

/// The format of an archive starting with `head` (its first [`HEAD_LEN`] bytes, or
/// all of it when shorter): zip magic, pg_dump's `PGDMP`, or else text, which is
/// taken as plain SQL.
pub fn detect_format(head: &[u8]) -> Result<BackupFormat, String> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(BackupFormat::Zip);
    }
    if head.starts_with(b"PGDMP") {
        return Ok(BackupFormat::Dump);
    }
    if head.is_empty() {
        return Err("the archive is empty".into());
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Err("the archive is gzip-compressed; decompress it first".into());
    }
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut at the end of the head is still text.
        Err(e) => e.error_len().is_none(),
    };
    if !text || head.contains(&0) {
        return Err(
            "the archive is neither a zip, a pg_dump custom archive nor plain SQL text".into(),
        );
    }
    Ok(BackupFormat::Sql)
}

/// Where a zip entry goes: `None` for entries outside `filestore/`, else the path
/// relative to the target filestore (empty for `filestore/` itself). Names that could
/// land outside it (`..`, absolute, backslashes, empty components) are refused, not
/// cleaned up: an archive with such names was not written by Odoo or by us.
pub fn filestore_relative(name: &str) -> Result<Option<PathBuf>, String> {
    let Some(rest) = name.strip_prefix("filestore/") else {
        return Ok(None);
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(Some(PathBuf::new()));
    }
    if rest.contains('\\') || rest.contains('\0') {
        return Err("contains a backslash or NUL".into());
    }
    for component in rest.split('/') {
        match component {
            "" => return Err("has an empty path component (absolute or //)".into()),
            "." | ".." => return Err(format!("has a {component:?} path component")),
            _ => {}
        }
    }
    Ok(Some(PathBuf::from(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_content() {
        assert_eq!(detect_format(b"PK\x03\x04rest"), Ok(BackupFormat::Zip));
        assert_eq!(detect_format(b"PK\x05\x06\0\0\0\0"), Ok(BackupFormat::Zip));
        assert_eq!(detect_format(b"PGDMP\x01\x0e"), Ok(BackupFormat::Dump));
        assert_eq!(
            detect_format(b"--\n-- PostgreSQL database dump\n--\n"),
            Ok(BackupFormat::Sql)
        );
        // "é" cut in half at the end of the head.
        assert_eq!(detect_format(b"-- caf\xc3"), Ok(BackupFormat::Sql));
        assert!(detect_format(b"").is_err());
        assert!(matches!(detect_format(b"\x1f\x8b\x08\0"), Err(e) if e.contains("gzip")));
        assert!(detect_format(b"\x7fELF\x02\x01\0").is_err());
        assert!(detect_format(b"\xff\xfe-- x").is_err());
    }

    #[test]
    fn filestore_paths_stay_inside() {
        assert_eq!(filestore_relative("dump.sql"), Ok(None));
        assert_eq!(filestore_relative("manifest.json"), Ok(None));
        assert_eq!(
            filestore_relative("filestore/ab/abcdef0123"),
            Ok(Some(PathBuf::from("ab/abcdef0123")))
        );
        assert_eq!(
            filestore_relative("filestore/ab/"),
            Ok(Some(PathBuf::from("ab")))
        );
        assert_eq!(filestore_relative("filestore/"), Ok(Some(PathBuf::new())));
        for bad in [
            "filestore/../etc/passwd",
            "filestore/ab/../../x",
            "filestore//etc/passwd",
            "filestore/./x",
            "filestore/ab\\..\\x",
            "filestore/a\0b",
        ] {
            assert!(filestore_relative(bad).is_err(), "{bad:?}");
        }
        // Outside filestore/ entries are ignored, not written anywhere.
        assert_eq!(filestore_relative("/etc/passwd"), Ok(None));
        assert_eq!(filestore_relative("../filestore/x"), Ok(None));
    }
}
