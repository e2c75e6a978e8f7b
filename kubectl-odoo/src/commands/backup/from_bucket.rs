//! `kubectl odoo backup list --from-s3 s3://BUCKET[/PREFIX] [--instance NS/NAME]`:
//! what the bucket's own index records, with no backup resource in the cluster
//! (after a namespace or a whole cluster is lost).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use odoo_model::backup_job::VerifyResult;
use odoo_model::bucket_index::{self, ArchiveRecord};

use super::S3Flags;
use crate::cli::OutputFormat;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::{Printer, age, size, table};

/// A record and whether its archive is in the bucket.
pub struct Listed {
    pub record: ArchiveRecord,
    pub stored: Option<u64>,
}

/// The records of `--from-s3`'s bucket, newest first, each with its archive looked up.
pub async fn list(
    ctx: &Ctx,
    url: &str,
    instance: Option<&str>,
    flags: &S3Flags,
    printer: &Printer,
) -> Result<(), CliError> {
    let (bucket, prefix) = crate::bucket_index::parse_root(url)?;
    let instance = instance
        .map(crate::bucket_index::parse_instance)
        .transpose()?;
    let bucket = flags.bucket(Some(&bucket))?;
    let store = crate::s3::store(&ctx.client, &ctx.namespace, &bucket).await?;
    let root = bucket_index::index_root_under(&prefix);
    let scope = instance.as_ref().map(|(ns, n)| (ns.as_str(), n.as_str()));
    let records = crate::bucket_index::records(&store, &root, scope, printer).await?;
    let mut listed = Vec::new();
    for record in records.into_iter().rev() {
        let stored = crate::bucket_index::stored(&store, &record).await?;
        listed.push(Listed { record, stored });
    }
    print(printer, &bucket.bucket, &listed)
}

fn print(printer: &Printer, bucket: &str, listed: &[Listed]) -> Result<(), CliError> {
    match printer.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            let items: Vec<_> = listed.iter().map(|l| &l.record).collect();
            printer.structured(&serde_json::json!({ "items": items }))
        }
        OutputFormat::Name => printer.out(
            &listed
                .iter()
                .map(|l| format!("{}\n", odoo_model::Location::s3(bucket, &l.record.key)))
                .collect::<String>(),
        ),
        format => {
            if listed.is_empty() {
                printer.note(&format!("The bucket {bucket} records no backups there."));
                return Ok(());
            }
            printer.out(&tabulate(listed, format == OutputFormat::Wide))
        }
    }
}

/// The table. Pure.
pub fn tabulate(listed: &[Listed], wide: bool) -> String {
    let mut header = vec![
        "NAMESPACE",
        "INSTANCE",
        "BACKUP",
        "AGE",
        "SIZE",
        "VERIFIED",
        "STORED",
        "KEY",
    ];
    if wide {
        header.extend(["FORMAT", "ODOO", "SHA256"]);
    }
    let rows = listed.iter().map(|l| {
        let r = &l.record;
        let mut row = vec![
            r.namespace.clone(),
            r.instance.clone(),
            r.backup.clone(),
            age(Some(&Time(r.completed_at))),
            size(i64::try_from(r.size_bytes).unwrap_or(i64::MAX)),
            verified(r),
            stored(l),
            r.key.clone(),
        ];
        if wide {
            row.push(format!("{:?}", r.format));
            row.push(r.odoo_version.clone().unwrap_or_else(|| "-".into()));
            row.push(r.sha256.clone());
        }
        row
    });
    table(&header, rows)
}

fn verified(r: &ArchiveRecord) -> String {
    match &r.verified {
        Some(v) if v.result == VerifyResult::Passed => format!("{} passed", v.method),
        Some(v) => format!("{} failed", v.method),
        None => "-".into(),
    }
}

/// `yes`, or what is wrong with the stored archive.
fn stored(l: &Listed) -> String {
    match l.stored {
        Some(bytes) if bytes == l.record.size_bytes => "yes".into(),
        Some(bytes) => format!("size differs ({bytes} B)"),
        None => "missing".into(),
    }
}
