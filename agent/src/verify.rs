//! `odoo-agent verify`: a stored archive read end to end, as a restore's first pass
//! reads it: every zip entry's CRC-32, the central directory, safe filestore names,
//! the manifest, and the SHA-256 of the whole compared with the one recorded when
//! the archive was made. Nothing is written anywhere.

use std::time::Instant;

use odoo_model::agent::{VerifyReport, VerifyRequest};

use super::OutputArgs;
use super::flags::Flags;
use super::layout::BackupFormat;
use super::restore::{Refusal, verify};
use super::store::{S3Args, Source};

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub request: Flags<VerifyRequest>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the archive does not verify: {0}")]
    Bad(#[from] Refusal),
    #[error(
        "the archive's SHA-256 is {actual}, but {expected} was recorded when it was made: the stored object changed"
    )]
    ChecksumMismatch { expected: String, actual: String },
    #[error("a zip without manifest.json is not an Odoo backup")]
    NoManifest,
    #[error("the verify thread panicked")]
    Panicked,
}

pub async fn run(request: VerifyRequest) -> Result<VerifyReport, VerifyError> {
    let started = Instant::now();
    let s3 = S3Args::from(request.s3.as_ref());
    let source = Source::new(request.source.clone(), &s3).map_err(Refusal::OpenSource)?;
    let (reader, _) = source.open(None).await.map_err(Refusal::OpenSource)?;
    let given = request.format;
    // The filestore target only matters to a restore: its files are counted here.
    let read = tokio::task::spawn_blocking(move || verify(reader, given, true));
    let verified = tokio::select! {
        v = read => v.map_err(|_| VerifyError::Panicked)??,
        () = super::shutdown_signal() => return Err(Refusal::Interrupted.into()),
    };
    if !request
        .expected_sha256
        .eq_ignore_ascii_case(&verified.digest.sha256)
    {
        return Err(VerifyError::ChecksumMismatch {
            expected: request.expected_sha256,
            actual: verified.digest.sha256,
        });
    }
    if verified.format == BackupFormat::Zip && verified.manifest.is_none() {
        return Err(VerifyError::NoManifest);
    }
    Ok(VerifyReport {
        archive: verified.archive(&request.source, started, None),
        entries: verified.entries,
    })
}
