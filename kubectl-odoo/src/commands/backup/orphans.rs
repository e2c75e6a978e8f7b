//! `kubectl odoo backup orphans [--from-s3 s3://BUCKET[/PREFIX]]`: what no resource
//! accounts for.
//! - Databases: those the operator's census (`odoo_model::census`) lists whose
//!   instance no longer exists (deleted with `Retain`, or lost with its namespace).
//! - With `--from-s3`, what the bucket holds: archives (an object with its
//!   `.sha256`, or one the bucket's index names) whose OdooBackupJob is gone, and
//!   index records whose archive is gone.
//!
//! Instances and backups are read across every namespace the user may list, so
//! another namespace's are not taken for orphans; when that is forbidden, the
//! command says so and reads the namespace's only.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt as _;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt as _;
use kube::api::{Api, ListParams};
use object_store::ObjectStore as _;
use object_store::path::Path as ObjectPath;
use odoo_model::bucket_index::{self, ArchiveRecord};
use odoo_model::census::{self, DatabaseCensus};
use odoo_model::{OdooBackupJob, OdooInstance};

use crate::commands::backup::flags::S3Flags;
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, View, age, size, table};

/// Flags of `backup orphans`.
#[derive(clap::Args, Debug)]
pub struct OrphansArgs {
    /// Also the bucket, and the prefix its archives and index sit under.
    #[arg(long, value_name = "s3://BUCKET[/PREFIX]")]
    pub from_s3: Option<String>,
    /// Namespace of the operator, whose database census is read.
    #[arg(long, default_value = "odoo-operator", value_name = "NAMESPACE")]
    pub operator_namespace: String,
    #[command(flatten)]
    pub s3: S3Flags,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// An object with nothing in the cluster behind it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Orphan {
    /// `archive`: no OdooBackupJob records it; `record`: an index record whose
    /// archive is not in the bucket; `database`: no instance owns it (the key is
    /// `CLUSTER/DATABASE`).
    pub kind: &'static str,
    pub key: String,
    pub size_bytes: u64,
    #[serde(skip)]
    pub modified: Option<Time>,
    /// The instance and backup the bucket's index says it was, if any.
    pub recorded_as: Option<String>,
}

/// One object of the listing.
pub struct Object {
    pub key: String,
    pub size: u64,
    pub modified: Time,
}

/// The orphans among `objects`, given the records of the bucket's index (under
/// `root`) and the archive keys backup resources name. Pure.
pub fn orphans(
    objects: &[Object],
    root: &str,
    records: &[ArchiveRecord],
    known: &BTreeSet<String>,
) -> Vec<Orphan> {
    let keys: BTreeMap<&str, &Object> = objects.iter().map(|o| (o.key.as_str(), o)).collect();
    let recorded: BTreeMap<&str, &ArchiveRecord> =
        records.iter().map(|r| (r.key.as_str(), r)).collect();
    let as_recorded = |r: &ArchiveRecord| format!("{}/{} {}", r.namespace, r.instance, r.backup);
    let mut out = Vec::new();
    for o in objects {
        let key = o.key.as_str();
        if key.starts_with(root) || key.ends_with(".sha256") || known.contains(key) {
            continue;
        }
        let digest = keys.contains_key(odoo_model::agent::digest_key(key).as_str());
        let record = recorded.get(key);
        if digest || record.is_some() {
            out.push(Orphan {
                kind: "archive",
                key: o.key.clone(),
                size_bytes: o.size,
                modified: Some(o.modified.clone()),
                recorded_as: record.map(|r| as_recorded(r)),
            });
        }
    }
    for r in records {
        if !keys.contains_key(r.key.as_str()) {
            out.push(Orphan {
                kind: "record",
                key: r.key.clone(),
                size_bytes: r.size_bytes,
                modified: Some(Time(r.completed_at)),
                recorded_as: Some(as_recorded(r)),
            });
        }
    }
    out
}

pub async fn run(ctx: &LazyCtx, args: OrphansArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let mut found = databases(ctx, &args.operator_namespace, printer).await?;
    let bucket = match &args.from_s3 {
        Some(url) => {
            let (bucket, archives) = archives(ctx, url, &args.s3, printer).await?;
            found.extend(archives);
            Some(bucket)
        }
        None => None,
    };
    print(printer, bucket.as_deref(), &found)
}

/// Every instance's or backup's, or the namespace's when listing all is forbidden.
async fn all_or_namespace<K>(ctx: &Ctx, what: &str, printer: &Printer) -> Result<Vec<K>, CliError>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    match Api::<K>::all(ctx.client.clone())
        .list(&ListParams::default())
        .await
    {
        Ok(all) => Ok(all.items),
        Err(e) if odoo_model::api_error::is_forbidden(&e) => {
            printer.warn(&format!(
                "you may not list {what} in every namespace: only {}'s are known, so other namespaces' may show as orphans",
                ctx.namespace
            ));
            Api::<K>::namespaced(ctx.client.clone(), &ctx.namespace)
                .list(&ListParams::default())
                .await
                .map(|l| l.items)
                .map_err(CliError::api(format!("listing {what}")))
        }
        Err(e) => Err(CliError::api(format!("listing {what}"))(e)),
    }
}

/// The census's databases whose instance is gone.
async fn databases(
    ctx: &Ctx,
    operator_ns: &str,
    printer: &Printer,
) -> Result<Vec<Orphan>, CliError> {
    let maps: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), operator_ns);
    let map = match maps.get_opt(census::CONFIG_MAP).await {
        Ok(Some(map)) => map,
        Ok(None) => {
            printer.warn(&format!(
                "the operator in namespace {operator_ns} has published no database census (configmap/{}): databases are not checked (--operator-namespace names another)",
                census::CONFIG_MAP
            ));
            return Ok(Vec::new());
        }
        Err(e) if odoo_model::api_error::is_forbidden(&e) => {
            printer.warn(&format!(
                "you may not read configmap/{} in {operator_ns}: databases are not checked",
                census::CONFIG_MAP
            ));
            return Ok(Vec::new());
        }
        Err(e) => return Err(CliError::api("reading the database census")(e)),
    };
    let text = map
        .data
        .as_ref()
        .and_then(|d| d.get(census::KEY))
        .cloned()
        .unwrap_or_default();
    let taken: DatabaseCensus = serde_json::from_str(&text)
        .map_err(|e| CliError::Failed(format!("reading the database census: {e}")))?;
    let instances: Vec<OdooInstance> = all_or_namespace(ctx, "instances", printer).await?;
    let uids: BTreeSet<String> = instances.iter().filter_map(|i| i.uid()).collect();
    Ok(taken
        .orphaned(&uids)
        .into_iter()
        .map(|d| Orphan {
            kind: "database",
            key: format!("{}/{}", d.cluster, d.database),
            size_bytes: d
                .size_bytes
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or_default(),
            modified: taken.taken_at.map(Time),
            recorded_as: Some(format!("role {}", d.role)),
        })
        .collect())
}

/// The bucket's archives and records no backup resource accounts for.
async fn archives(
    ctx: &Ctx,
    url: &str,
    flags: &S3Flags,
    printer: &Printer,
) -> Result<(String, Vec<Orphan>), CliError> {
    let (bucket_name, prefix) = crate::bucket_index::parse_root(url)?;
    let bucket = flags.bucket(Some(&bucket_name))?;
    let store = crate::s3::store(&ctx.client, &ctx.namespace, &bucket).await?;
    let backups: Vec<OdooBackupJob> = all_or_namespace(ctx, "backups", printer).await?;
    let known: BTreeSet<String> = backups
        .iter()
        .filter_map(|b| b.status.as_ref()?.location.as_ref()?.as_s3())
        .filter(|(b, _)| *b == bucket.bucket)
        .map(|(_, key)| key.to_owned())
        .collect();
    let listing = (!prefix.is_empty()).then(|| ObjectPath::from(prefix.as_str()));
    let objects: Vec<Object> = store
        .list(listing.as_ref())
        .map_ok(|m| Object {
            key: m.location.to_string(),
            size: m.size,
            modified: Time(
                k8s_openapi::jiff::Timestamp::from_millisecond(m.last_modified.timestamp_millis())
                    .unwrap_or_default(),
            ),
        })
        .try_collect()
        .await
        .map_err(|e| CliError::Failed(format!("listing {url}: {e}")))?;
    let root = bucket_index::index_root_under(&prefix);
    let records = crate::bucket_index::records(&store, &root, None, printer).await?;
    Ok((bucket.bucket, orphans(&objects, &root, &records, &known)))
}

fn print(printer: &Printer, bucket: Option<&str>, found: &[Orphan]) -> Result<(), CliError> {
    printer.show(&Found { bucket, found })
}

/// The orphans found, and the bucket their keys are in.
struct Found<'a> {
    bucket: Option<&'a str>,
    found: &'a [Orphan],
}

impl View for Found<'_> {
    fn data(&self) -> impl serde::Serialize {
        serde_json::json!({ "items": self.found })
    }

    fn table(&self, _wide: bool, _color: bool) -> String {
        tabulate(self.found)
    }

    fn names(&self) -> Option<String> {
        let url = |o: &Orphan| match (o.kind, self.bucket) {
            ("database", _) | (_, None) => o.key.clone(),
            (_, Some(bucket)) => odoo_model::Location::s3(bucket, &o.key).to_string(),
        };
        Some(self.found.iter().map(|o| format!("{}\n", url(o))).collect())
    }

    fn empty(&self) -> Option<String> {
        self.found.is_empty().then(|| "No orphans: every database the census lists, and every archive in the bucket, belongs to a resource.".to_owned())
    }

    fn after_table(&self, printer: &Printer) {
        let bytes: u64 = self
            .found
            .iter()
            .filter(|o| o.kind != "record")
            .map(|o| o.size_bytes)
            .sum();
        printer.note(&format!(
            "{} orphan(s), holding {}. An archive restores with `kubectl odoo restore NAME --from-s3 s3://BUCKET/KEY`; nothing here is deleted by this command.",
            self.found.len(),
            size(i64::try_from(bytes).unwrap_or(i64::MAX))
        ));
    }
}

/// The table. Pure.
pub fn tabulate(found: &[Orphan]) -> String {
    let rows = found.iter().map(|o| {
        vec![
            o.kind.to_owned(),
            o.key.clone(),
            size(i64::try_from(o.size_bytes).unwrap_or(i64::MAX)),
            age(o.modified.as_ref()),
            o.recorded_as.clone().unwrap_or_else(|| "-".into()),
        ]
    });
    table(&["KIND", "KEY", "SIZE", "AGE", "RECORDED AS"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use odoo_model::backup_job::BackupFormat;

    fn object(key: &str) -> Object {
        Object {
            key: key.into(),
            size: 100,
            modified: Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn record(key: &str, backup: &str) -> ArchiveRecord {
        ArchiveRecord {
            kind: bucket_index::RECORD_KIND.into(),
            namespace: "team".into(),
            instance: "shop".into(),
            backup: backup.into(),
            database: "team_shop".into(),
            key: key.into(),
            format: BackupFormat::Zip,
            odoo_version: None,
            pg_version: None,
            completed_at: k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            size_bytes: 100,
            sha256: "c".repeat(64),
            verified: None,
        }
    }

    #[test]
    fn archives_without_a_resource_and_records_without_an_archive_are_orphans() {
        let objects = [
            // Known to a backup resource: not an orphan.
            object("team/shop/1.zip"),
            object("team/shop/1.zip.sha256"),
            // Its resource is gone; the index says whose it was.
            object("team/shop/2.zip"),
            object("team/shop/2.zip.sha256"),
            // No resource and no record, but a digest: an archive all the same.
            object("team/shop/3.zip"),
            object("team/shop/3.zip.sha256"),
            // Neither digest nor record: not ours.
            object("notes.txt"),
            // The index itself.
            object("_odoo-index/team/shop/x-b2.json"),
        ];
        let records = [
            record("team/shop/2.zip", "b2"),
            record("team/shop/4.zip", "b4"),
        ];
        let known = BTreeSet::from(["team/shop/1.zip".to_owned()]);
        let found = orphans(&objects, "_odoo-index/", &records, &known);
        let seen: Vec<(&str, &str, Option<&str>)> = found
            .iter()
            .map(|o| (o.kind, o.key.as_str(), o.recorded_as.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("archive", "team/shop/2.zip", Some("team/shop b2")),
                ("archive", "team/shop/3.zip", None),
                ("record", "team/shop/4.zip", Some("team/shop b4")),
            ]
        );
    }
}
