//! `kubectl odoo backup list --from-s3 s3://BUCKET[/PREFIX] [--instance NS/NAME]`:
//! what the bucket's own index records, with no backup resource in the cluster
//! (after a namespace or a whole cluster is lost), and the newest of an instance's
//! that `restore --from-s3 --latest-of` takes.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use object_store::ObjectStore;
use odoo_model::Location;
use odoo_model::backup_job::VerifyResult;
use odoo_model::bucket_index::{self, ArchiveRecord};
use odoo_model::restore_job::S3Object;

use crate::commands::backup::flags::S3Flags;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::{Printer, View, age, size, table};

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
    printer.show(&InBucket { bucket, listed })
}

/// The records listed, and their bucket.
struct InBucket<'a> {
    bucket: &'a str,
    listed: &'a [Listed],
}

impl View for InBucket<'_> {
    fn data(&self) -> impl serde::Serialize {
        let items: Vec<_> = self.listed.iter().map(|l| &l.record).collect();
        serde_json::json!({ "items": items })
    }

    fn table(&self, wide: bool, _color: bool) -> String {
        tabulate(self.listed, wide)
    }

    fn names(&self) -> Option<String> {
        Some(
            self.listed
                .iter()
                .map(|l| format!("{}\n", Location::s3(self.bucket, &l.record.key)))
                .collect(),
        )
    }

    fn empty(&self) -> Option<String> {
        let bucket = self.bucket;
        self.listed
            .is_empty()
            .then(|| format!("The bucket {bucket} records no backups there."))
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

/// What `restore --from-s3 s3://BUCKET --latest-of NS/NAME` restores: the newest
/// backup of `instance` (NAMESPACE/NAME) the bucket's index records,
/// the newest verified one first, found in the bucket itself: its archive must be
/// there with the recorded size, and the restore checks the recorded SHA-256
/// (returned with the object and the plan's words for it).
pub async fn latest(
    ctx: &Ctx,
    url: &str,
    instance: &str,
    flags: &S3Flags,
    expected: Option<&str>,
    printer: &Printer,
) -> Result<(S3Object, String, String), CliError> {
    let (bucket, prefix) = crate::bucket_index::parse_root(url)?;
    let (ns, name) = crate::bucket_index::parse_instance(instance)?;
    let bucket = flags.bucket(Some(&bucket))?;
    let store = crate::s3::store(&ctx.client, &ctx.namespace, &bucket).await?;
    let root = odoo_model::bucket_index::index_root_under(&prefix);
    let mut records =
        crate::bucket_index::records(&store, &root, Some((&ns, &name)), printer).await?;
    skip_untrusted(&mut records, &prefix, printer);
    let Some((record, newer)) = odoo_model::bucket_index::latest(&records) else {
        return Err(CliError::Precondition(format!(
            "the bucket {} records no backup of {ns}/{name} under {root}",
            bucket.bucket
        )));
    };
    let location = Location::s3(&bucket.bucket, &record.key);
    let instance = format!("{ns}/{name}");
    check_stored(&store, record, &location, &instance).await?;
    if let Some(expected) = expected.filter(|e| !e.eq_ignore_ascii_case(&record.sha256)) {
        return Err(CliError::Precondition(format!(
            "--sha256 {expected} is not the sha256 the bucket records for {location} ({})",
            record.sha256
        )));
    }
    let what = describe_latest(record, newer, &location, &instance);
    let object = S3Object {
        bucket,
        key: record.key.clone(),
    };
    Ok((object, what, record.sha256.clone()))
}

/// Drops the records not to be trusted: whoever may write the bucket may write
/// records, and one that claims a time to come (to be taken as the newest) or an
/// archive outside the prefix named is not taken.
fn skip_untrusted(records: &mut Vec<ArchiveRecord>, prefix: &str, printer: &Printer) {
    let soon = k8s_openapi::jiff::Timestamp::now() + std::time::Duration::from_secs(300);
    records.retain(|r| {
        let outside = !prefix.is_empty() && !r.key.starts_with(&format!("{prefix}/"));
        let future = r.completed_at > soon;
        if outside || future {
            printer.warn(&format!(
                "skipped the record of {} ({}): {}",
                r.backup,
                r.key,
                if future {
                    "dated in the future"
                } else {
                    "its archive is outside the prefix"
                }
            ));
        }
        !outside && !future
    });
}

/// The record's archive must be in the bucket with the recorded size, and the
/// digest stored beside it must say what the record says.
async fn check_stored(
    store: &Arc<dyn ObjectStore>,
    record: &ArchiveRecord,
    location: &Location,
    instance: &str,
) -> Result<(), CliError> {
    match crate::bucket_index::stored(store, record).await? {
        Some(bytes) if bytes == record.size_bytes => {}
        found => {
            return Err(CliError::Precondition(format!(
                "the bucket records {location} ({} B) as the latest backup of {instance}, but {}",
                record.size_bytes,
                found.map_or("it is not there".into(), |b| format!("it holds {b} B"))
            )));
        }
    }
    let digest = crate::bucket_index::digest(store, &record.key).await?;
    if digest.as_deref() != Some(record.sha256.as_str()) {
        return Err(CliError::Precondition(format!(
            "the bucket records sha256 {} for {location}, but its digest {} says {}",
            record.sha256,
            location.digest(),
            digest.as_deref().unwrap_or("nothing")
        )));
    }
    Ok(())
}

/// The plan's words for the backup `latest` takes, and why that one. Pure.
fn describe_latest(
    record: &ArchiveRecord,
    newer: Option<&ArchiveRecord>,
    location: &Location,
    instance: &str,
) -> String {
    let why = match (record.is_verified(), newer) {
        (true, Some(newer)) => format!(
            "the newest verified backup of {instance} in the bucket (the newer {} is not verified)",
            newer.backup
        ),
        (true, None) => format!("the newest backup of {instance} in the bucket, verified"),
        (false, _) => format!("the newest backup of {instance} in the bucket (none is verified)"),
    };
    format!(
        "{location}, {why}: backup {} of {}, {}, sha256 {}",
        record.backup,
        record.completed_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        size(i64::try_from(record.size_bytes).unwrap_or(i64::MAX)),
        record.sha256
    )
}
