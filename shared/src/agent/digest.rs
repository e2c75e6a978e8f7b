//! How digests are written: beside an archive in the bucket, and in every report.

/// The object beside a backup in S3 that holds its SHA-256: `<key>.sha256`.
pub fn digest_key(key: &str) -> String {
    format!("{key}.sha256")
}

/// The digest object's content, in `sha256sum`'s format.
pub fn digest_line(sha256: &str, key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    format!("{sha256}  {name}\n")
}

/// The SHA-256 of a digest object's content.
pub fn parse_digest_line(text: &str) -> Option<&str> {
    let sha = text.split_whitespace().next()?;
    (sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit())).then_some(sha)
}

/// Lowercase hex of `bytes`: how every digest of the contract is written.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
