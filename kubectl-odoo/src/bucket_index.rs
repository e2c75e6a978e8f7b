//! Reading a bucket's own index (`odoo_model::bucket_index`): what `backup list
//! --from-s3`, `restore --from-s3 --latest-of` and `backup orphans` know with no
//! backup resource in the cluster.

use std::sync::Arc;

use futures::TryStreamExt as _;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _};
use odoo_model::bucket_index::{self, ArchiveRecord};

use crate::error::CliError;
use crate::output::Printer;

/// The largest object read as a record.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// `s3://BUCKET[/PREFIX]`: the bucket and the prefix the index sits under.
pub fn parse_root(url: &str) -> Result<(String, String), CliError> {
    let root: odoo_model::location::BucketPrefix = url.parse().map_err(|_| {
        CliError::Usage(format!("{url:?}: write the bucket as s3://BUCKET[/PREFIX]"))
    })?;
    Ok((root.bucket, root.prefix))
}

/// `NAMESPACE/NAME`.
pub fn parse_instance(text: &str) -> Result<(String, String), CliError> {
    match text.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((ns.to_owned(), name.to_owned()))
        }
        _ => Err(CliError::Usage(format!(
            "{text:?}: name the instance as NAMESPACE/NAME, as the bucket records it"
        ))),
    }
}

/// The records under `root`, of one instance when `instance` is given, oldest
/// first. An object that is not a well-formed record in its own instance's
/// directory is skipped with a warning (the bucket is the tenant's to write).
pub async fn records(
    store: &Arc<dyn ObjectStore>,
    root: &str,
    instance: Option<(&str, &str)>,
    printer: &Printer,
) -> Result<Vec<ArchiveRecord>, CliError> {
    let prefix = match instance {
        Some((ns, name)) => bucket_index::instance_prefix(root, ns, name),
        None => root.to_owned(),
    };
    let failed = |e: object_store::Error| CliError::Failed(format!("reading {prefix}: {e}"));
    let listed: Vec<_> = store
        .list(Some(&ObjectPath::from(prefix.as_str())))
        .try_collect()
        .await
        .map_err(failed)?;
    let mut records = Vec::new();
    for meta in listed {
        let key = meta.location.to_string();
        if !key.ends_with(".json") {
            continue;
        }
        // A record is a few hundred bytes; a large object there is not one, and is
        // not read into memory.
        if meta.size > MAX_RECORD_BYTES {
            printer.warn(&format!(
                "skipped: {key} holds {} bytes, more than a record ({MAX_RECORD_BYTES})",
                meta.size
            ));
            continue;
        }
        let bytes = match store.get(&meta.location).await {
            Ok(got) => got.bytes().await.map_err(failed)?,
            // Deleted since the listing: a pruned backup.
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(failed(e)),
        };
        match ArchiveRecord::parse(root, &key, &bytes) {
            Ok(record) => records.push(record),
            Err(rejected) => printer.warn(&format!("skipped: {}", rejected.0)),
        }
    }
    records.sort_by_key(|r| r.completed_at);
    Ok(records)
}

/// The SHA-256 the digest object beside `key` holds, if there is one.
pub async fn digest(store: &Arc<dyn ObjectStore>, key: &str) -> Result<Option<String>, CliError> {
    let digest_key = odoo_model::agent::digest_key(key);
    let path = ObjectPath::parse(&digest_key)
        .map_err(|e| CliError::Failed(format!("the digest key {digest_key:?}: {e}")))?;
    let failed = |e: object_store::Error| CliError::Failed(format!("reading {digest_key}: {e}"));
    let got = match store.get(&path).await {
        Ok(got) if got.meta.size <= MAX_RECORD_BYTES => got,
        Ok(_) | Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(failed(e)),
    };
    let bytes = got.bytes().await.map_err(failed)?;
    Ok(
        odoo_model::agent::parse_digest_line(&String::from_utf8_lossy(&bytes))
            .map(str::to_ascii_lowercase),
    )
}

/// Whether the archive a record names is in the bucket, with its size.
pub async fn stored(
    store: &Arc<dyn ObjectStore>,
    record: &ArchiveRecord,
) -> Result<Option<u64>, CliError> {
    let path = ObjectPath::parse(&record.key)
        .map_err(|e| CliError::Failed(format!("the record's key {:?}: {e}", record.key)))?;
    match store.head(&path).await {
        Ok(meta) => Ok(Some(meta.size)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(CliError::Failed(format!("reading {}: {e}", record.key))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_roots_and_instances_parse() {
        assert_eq!(
            parse_root("s3://b").expect("parses"),
            ("b".into(), "".into())
        );
        assert_eq!(
            parse_root("s3://b/prod/eu").expect("parses"),
            ("b".into(), "prod/eu".into())
        );
        assert!(parse_root("b/prod").is_err());
        assert!(parse_root("s3:///x").is_err());
        assert_eq!(
            parse_instance("team/shop").expect("parses"),
            ("team".into(), "shop".into())
        );
        assert!(parse_instance("shop").is_err());
        assert!(parse_instance("a/b/c").is_err());
    }
}
