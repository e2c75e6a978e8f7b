//! `kubectl odoo backup download JOB [FILE|-] [--force]`: streams a backup's
//! archive from S3 with the credentials its resource names, verifying the SHA-256
//! recorded in its status while writing. A file is written under `FILE.partial` and
//! renamed only once the checksum matched, so a failed or corrupt download leaves
//! nothing behind.

use std::path::PathBuf;

use kube::api::Api;
use odoo_model::{JobPhase, OdooBackupJob};

use crate::commands::output_file::{FileHelp, OutputFile};
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::output::{Printer, size};

/// Flags of `backup download`.
#[derive(clap::Args, Debug)]
#[command(file_help(
    "FILE",
    "File to write (`-` for stdout); the object's file name in the current directory by default",
    "The file to write, as a flag (the same as FILE)"
))]
pub struct DownloadArgs {
    /// Name of the OdooBackupJob.
    pub name: String,
    #[command(flatten)]
    pub file: OutputFile,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Where a finished backup's archive is: its bucket settings and key.
fn source(
    backup: &OdooBackupJob,
) -> Result<(odoo_model::common::S3Bucket, String, Option<String>), CliError> {
    let name = &backup.metadata.name.clone().unwrap_or_default();
    let status = backup.status.clone().unwrap_or_default();
    if status.job.phase != Some(JobPhase::Succeeded) {
        return Err(CliError::Precondition(format!(
            "odoobackupjob/{name} has not succeeded (phase {}); there is no archive to download",
            crate::commands::backup::list::phase(backup)
        )));
    }
    let dest = &backup.spec.backup.destination;
    let Some(s3) = &dest.s3 else {
        let claim = dest
            .pvc
            .as_ref()
            .map(|p| p.claim_name.as_str())
            .unwrap_or("-");
        return Err(CliError::Precondition(format!(
            "odoobackupjob/{name} was written to volume claim {claim}; downloading from a volume is not supported yet (copy it with kubectl cp from a pod that mounts the claim)"
        )));
    };
    let Some((_, key)) = status
        .location
        .as_ref()
        .and_then(odoo_model::Location::as_s3)
    else {
        let location = status.location.as_ref().map(ToString::to_string);
        return Err(CliError::Precondition(format!(
            "odoobackupjob/{name} records no s3:// location ({})",
            location.as_deref().unwrap_or("none")
        )));
    };
    Ok((s3.bucket.clone(), key.to_owned(), status.sha256.clone()))
}

pub async fn run(ctx: &LazyCtx, args: DownloadArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let backup = crate::read::get(&api, &args.name, ns).await?;
    let (bucket, key, expected) = source(&backup)?;
    let location = odoo_model::Location::s3(&bucket.bucket, &key).to_string();
    let object_name = || PathBuf::from(key.rsplit('/').next().unwrap_or("backup.zip"));
    let target = args.file.path_or_else(object_name);
    if target.as_os_str() != "-" && target.exists() && !args.force {
        return Err(CliError::Precondition(format!(
            "{} exists; pass --force to overwrite it",
            target.display()
        )));
    }
    let store = crate::s3::store(&ctx.client, ns, &bucket).await?;
    if expected.is_none() {
        printer.warn(&format!(
            "odoobackupjob/{} records no sha256; the download is not verified",
            args.name
        ));
    }
    let verify = |sha: &str| match &expected {
        Some(want) if want != sha => Err(CliError::Failed(format!(
            "checksum mismatch for {location}: the backup recorded sha256 {want}, the download has {sha}"
        ))),
        _ => Ok(()),
    };
    if target.as_os_str() == "-" {
        let mut out = printer.stream();
        let (_, sha) = crate::s3::download(&store, &location, &key, &mut out).await?;
        return verify(&sha);
    }
    let mut partial = target.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = async {
        let file = std::fs::File::create(&partial)
            .map_err(|e| CliError::Usage(format!("{}: {e}", partial.display())))?;
        let mut out = std::io::BufWriter::new(file);
        let (bytes, sha) = crate::s3::download(&store, &location, &key, &mut out).await?;
        out.into_inner()
            .map_err(|e| CliError::Output(e.into_error()))?
            .sync_all()?;
        verify(&sha)?;
        std::fs::rename(&partial, &target)?;
        Ok::<_, CliError>(bytes)
    }
    .await;
    match written {
        Ok(bytes) => {
            let verified = if expected.is_some() {
                ", sha256 verified"
            } else {
                ""
            };
            printer.note(&format!(
                "Downloaded {location} to {} ({}{verified}).",
                target.display(),
                size(bytes as i64)
            ));
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}
