//! What the operator checks itself before a job is Succeeded: a report is the
//! agent's claim, and the stored object or the loaded database must agree with it.
//! Each check answers with the proof as a sentence, or why there is none.

use object_store::ObjectStoreExt as _;
use odoo_model::agent::{BackupReport, RestoreReport};
use odoo_model::common::S3Bucket;
use odoo_model::{Location, OdooVersion};

use crate::pg::compare::{Inventory, Modules};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// A check's answer: the proof, or why the work is not proven.
pub type Checked = Result<String, String>;

/// Whether `sha` is a SHA-256 in hex.
fn is_sha256(sha: &str) -> bool {
    sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit())
}

/// What a backup report itself must say: the archive the job asked for, not
/// empty, with a digest, and for a volume the file read back equal to it.
pub fn backup_report(report: &BackupReport, expected: &Location) -> Checked {
    if report.archive.location != *expected {
        return Err(format!(
            "the agent reports {} but the job writes {expected}",
            report.archive.location
        ));
    }
    if report.archive.size_bytes == 0 {
        return Err("the agent reports an empty archive".into());
    }
    if !is_sha256(&report.archive.sha256) {
        return Err(format!(
            "the agent's report has no SHA-256 (found {:?})",
            report.archive.sha256
        ));
    }
    if expected.as_s3().is_none() {
        let Some(back) = &report.read_back else {
            return Err("the agent did not read the file back from the volume".into());
        };
        if back.size_bytes != report.archive.size_bytes
            || !back.sha256.eq_ignore_ascii_case(&report.archive.sha256)
        {
            return Err(format!(
                "the file read back ({} bytes, sha256 {}) differs from what was written ({} bytes, sha256 {})",
                back.size_bytes, back.sha256, report.archive.size_bytes, report.archive.sha256
            ));
        }
        return Ok(format!(
            "{} bytes, sha256 {}, read back from the volume",
            report.archive.size_bytes, report.archive.sha256
        ));
    }
    Ok(format!(
        "{} bytes, sha256 {}",
        report.archive.size_bytes, report.archive.sha256
    ))
}

/// The object in the bucket, looked at by the operator: it exists, has the
/// reported size, and the digest stored beside it is the reported one.
/// `Err(Error)` when the bucket could not be asked (retried).
pub async fn stored_object(
    ctx: &Context,
    ns: &str,
    bucket: &S3Bucket,
    report: &BackupReport,
) -> Result<Checked, Error> {
    let location = &report.archive.location;
    let size_bytes = report.archive.size_bytes;
    let Some((name, key)) = location.as_s3() else {
        return Ok(Err(format!("{location} is not an s3:// location")));
    };
    let store = super::bucket::store(ctx, ns, bucket, name).await?;
    let path = object_store::path::Path::from(key);
    match store.head(&path).await {
        Ok(meta) if meta.size == size_bytes => {}
        Ok(meta) => {
            return Ok(Err(format!(
                "the bucket holds {} bytes at {location}, the agent reports {size_bytes}",
                meta.size
            )));
        }
        Err(object_store::Error::NotFound { .. }) => {
            return Ok(Err(format!("{location} is not in the bucket")));
        }
        Err(e) => return Err(Error::Storage(format!("checking {location}: {e}"))),
    }
    let digest_key = odoo_model::agent::digest_key(key);
    let digest = match store
        .get(&object_store::path::Path::from(digest_key.as_str()))
        .await
    {
        Ok(got) => got
            .bytes()
            .await
            .map_err(|e| Error::Storage(format!("reading {digest_key}: {e}")))?,
        Err(object_store::Error::NotFound { .. }) => {
            return Ok(Err(format!(
                "the archive's digest {} is not in the bucket",
                location.digest()
            )));
        }
        Err(e) => return Err(Error::Storage(format!("reading {digest_key}: {e}"))),
    };
    let stored =
        odoo_model::agent::parse_digest_line(&String::from_utf8_lossy(&digest)).map(str::to_owned);
    match stored {
        Some(sha) if sha.eq_ignore_ascii_case(&report.archive.sha256) => Ok(Ok(format!(
            "{size_bytes} bytes, sha256 {sha}, checked in the bucket by the operator"
        ))),
        Some(sha) => Ok(Err(format!(
            "the agent reports sha256 {}, but the digest stored with the archive is {sha}",
            report.archive.sha256
        ))),
        None => Ok(Err(format!("{} holds no SHA-256", location.digest()))),
    }
}

/// What the operator expects of a loaded archive.
pub struct RestoreExpectation<'a> {
    /// The SHA-256 the archive must have, when one was recorded.
    pub sha256: Option<&'a str>,
    /// The instance's Odoo series (`17.0`), from its image.
    pub series: Option<OdooVersion>,
}

/// A restore's report against what was expected and against the operator's own
/// inventory of the temporary database: the switch happens only when all agree.
pub fn restore_report(
    report: &RestoreReport,
    expected: &RestoreExpectation<'_>,
    own: &Inventory,
    base_version: Option<&str>,
) -> Checked {
    if !is_sha256(&report.archive.sha256) {
        return Err("the agent's report has no SHA-256".into());
    }
    if let Some(sha) = expected.sha256
        && !sha.eq_ignore_ascii_case(&report.archive.sha256)
    {
        return Err(format!(
            "the agent loaded an archive with SHA-256 {}, but {sha} was expected",
            report.archive.sha256
        ));
    }
    let Some(base) = base_version else {
        return Err(
            "the loaded database has no installed base module (ir_module_module): it is not an Odoo database"
                .into(),
        );
    };
    let archive_series = OdooVersion::parse(base);
    let Some(ours) = &expected.series else {
        return Err(
            "the instance's Odoo version is unknown (its image tag names no series)".into(),
        );
    };
    if archive_series != Some(*ours) {
        return Err(format!(
            "the archive is from Odoo {} but the instance runs {ours}; restore it into an instance of that version and upgrade that one",
            archive_series.map_or_else(|| base.to_owned(), |s| s.to_string())
        ));
    }
    if let Some(manifest) = &report.archive.odoo_version
        && OdooVersion::parse(manifest) != archive_series
    {
        return Err(format!(
            "the archive's manifest says Odoo {manifest}, its database has base {base}"
        ));
    }
    if report.loaded.base_version.as_deref() != Some(base) {
        return Err(format!(
            "the agent reports base {}, the operator finds {base}",
            report.loaded.base_version.as_deref().unwrap_or("none")
        ));
    }
    if report.loaded.tables != own.tables.len() as u64 {
        return Err(format!(
            "the agent reports {} tables loaded, the operator finds {}",
            report.loaded.tables,
            own.tables.len()
        ));
    }
    for t in &report.loaded.largest {
        let found = own.tables.get(&t.table).copied();
        if found != Some(t.rows as i64) {
            return Err(format!(
                "the agent reports {} rows in {}, the operator finds {}",
                t.rows,
                t.table,
                found.map_or_else(|| "no such table".into(), |n| n.to_string())
            ));
        }
    }
    let rows: i64 = own.tables.values().sum();
    Ok(format!(
        "checked: sha256 {}, Odoo {ours}, {} tables and {rows} rows",
        report.archive.sha256,
        own.tables.len()
    ))
}

/// An `odoo --update` that exited successfully, checked on the database it
/// updated (`modules`, `None` without `ir_module_module`): `base` installed at the
/// target image's series when its tag names one, no module left marked to be
/// installed, updated or removed, which an update that stopped halfway leaves, and
/// every module it was to update written since it started (`writes_checked`: its
/// start was recorded), which an `odoo` that did nothing does not.
pub fn updated(target: &str, modules: Option<&Modules>, writes_checked: bool) -> Checked {
    let exited = format!("odoo --update with {target} exited successfully, but");
    let Some(modules) = modules else {
        return Err(format!(
            "{exited} the database has no ir_module_module: it is not an Odoo database"
        ));
    };
    let Some(base) = &modules.base else {
        return Err(format!(
            "{exited} the database has no installed base module: it is not an Odoo database"
        ));
    };
    if let (Some(found), Some(wanted)) = (OdooVersion::parse(base), OdooVersion::of_image(target))
        && found != wanted
    {
        return Err(format!(
            "{exited} base is at {base}, not of the target's series {wanted}"
        ));
    }
    if !modules.pending.is_empty() {
        return Err(format!(
            "{exited} modules are still marked for the update: {}",
            first_five(&modules.pending)
        ));
    }
    if !modules.unwritten.is_empty() {
        return Err(format!(
            "{exited} it did not update {}: their rows in ir_module_module were not written since it started",
            first_five(&modules.unwritten)
        ));
    }
    if writes_checked {
        Ok(format!(
            "base {base}, every module updated by it, none left to update"
        ))
    } else {
        Ok(format!(
            "base {base}, no module left to update; when the update started was not recorded, so its writes were not checked"
        ))
    }
}

/// `a, b, c, d, e and 3 more`: a list short enough for a message.
fn first_five(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    match items.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// A loaded database (a restore's temporary one, a verification's scratch one) as
/// the operator counts it itself, checked against the agent's report: the proof,
/// or why not, and the operator's inventory.
pub async fn loaded_database(
    ctx: &Context,
    v: &crate::validate::ValidInstance,
    database: &str,
    report: &RestoreReport,
    sha256: Option<&str>,
) -> Result<(Checked, Inventory), Error> {
    let cluster = super::job::cluster_of(ctx, v).await?;
    let db_error = |e| super::job::db_error(&v.database.cluster, e);
    let login = super::job::tenant_of(ctx, v).await?;
    let own = match crate::pg::tenant_read(
        crate::pg::compare::inventory(&cluster, &login, database).await,
    )
    .map_err(db_error)?
    {
        Ok(own) => own,
        Err(why) => return Ok((Err(why), Inventory::default())),
    };
    let base = match crate::pg::tenant_read(
        crate::pg::compare::base_version(&cluster, &login, database).await,
    )
    .map_err(db_error)?
    {
        Ok(base) => base,
        Err(why) => return Ok((Err(why), own)),
    };
    let expected = RestoreExpectation {
        sha256,
        series: OdooVersion::of_image(&v.images.database),
    };
    Ok((
        restore_report(report, &expected, &own, base.as_deref()),
        own,
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use odoo_model::agent::{Archive, Loaded, ReadBack, TableRows};
    use odoo_model::backup_job::BackupFormat;

    /// An archive of `size` bytes with digest `sha`, as a report states it.
    pub(crate) fn archive(location: &str, size: u64, sha: &str) -> Archive {
        Archive {
            location: location.parse().expect("a location"),
            format: BackupFormat::Zip,
            size_bytes: size,
            sha256: sha.into(),
            duration_seconds: 1.0,
            odoo_version: Some("17.0".into()),
            pg_version: None,
            filestore_files: None,
        }
    }

    fn at(text: &str) -> Location {
        text.parse().expect("a location")
    }

    fn backup(location: &str) -> BackupReport {
        BackupReport {
            archive: archive(location, 100, &"a".repeat(64)),
            read_back: None,
            row_counts: None,
        }
    }

    #[test]
    fn a_volume_backup_needs_its_read_back() {
        let mut r = backup("file:///backup/x.zip");
        assert!(backup_report(&r, &at("/backup/x.zip")).is_err());
        r.read_back = Some(ReadBack {
            size_bytes: 100,
            sha256: "b".repeat(64),
        });
        assert!(backup_report(&r, &at("/backup/x.zip")).is_err());
        r.read_back = Some(ReadBack {
            size_bytes: 100,
            sha256: "a".repeat(64),
        });
        assert!(backup_report(&r, &at("/backup/x.zip")).is_ok());
        assert!(
            backup_report(&r, &at("/backup/y.zip")).is_err(),
            "another file"
        );
    }

    #[test]
    fn an_empty_or_undigested_backup_is_no_proof() {
        let mut r = backup("s3://b/k.zip");
        assert!(backup_report(&r, &at("s3://b/k.zip")).is_ok());
        r.archive.size_bytes = 0;
        assert!(backup_report(&r, &at("s3://b/k.zip")).is_err());
        r.archive.size_bytes = 1;
        r.archive.sha256 = "unknown".into();
        assert!(backup_report(&r, &at("s3://b/k.zip")).is_err());
    }

    fn restore() -> (RestoreReport, Inventory) {
        let report = RestoreReport {
            archive: archive("s3://b/k.zip", 10, &"c".repeat(64)),
            loaded: Loaded {
                tables: 2,
                largest: vec![TableRows {
                    table: "public.res_partner".into(),
                    rows: 5,
                }],
                base_version: Some("17.0.1.3".into()),
            },
        };
        let mut own = Inventory::default();
        own.tables.insert("public.res_partner".into(), 5);
        own.tables.insert("public.ir_module_module".into(), 3);
        (report, own)
    }

    fn expected(sha: &str) -> RestoreExpectation<'_> {
        RestoreExpectation {
            sha256: Some(sha),
            series: OdooVersion::parse("17.0"),
        }
    }

    #[test]
    fn a_restore_switches_only_when_report_and_database_agree() {
        let (report, own) = restore();
        let sha = "c".repeat(64);
        assert!(restore_report(&report, &expected(&sha), &own, Some("17.0.1.3")).is_ok());
        // A wrong digest, another series, no Odoo, fewer rows, an empty database.
        assert!(
            restore_report(&report, &expected(&"d".repeat(64)), &own, Some("17.0.1.3")).is_err()
        );
        assert!(restore_report(&report, &expected(&sha), &own, Some("16.0.1.3")).is_err());
        assert!(restore_report(&report, &expected(&sha), &own, None).is_err());
        let mut fewer = own.clone();
        fewer.tables.insert("public.res_partner".into(), 4);
        assert!(restore_report(&report, &expected(&sha), &fewer, Some("17.0.1.3")).is_err());
        let empty = Inventory::default();
        let why = restore_report(&report, &expected(&sha), &empty, Some("17.0.1.3"));
        assert!(why.is_err(), "{why:?}");
        // An agent that found no base is said so, in words.
        let mut no_base = report.clone();
        no_base.loaded.base_version = None;
        assert_eq!(
            restore_report(&no_base, &expected(&sha), &own, Some("17.0.1.3")),
            Err("the agent reports base none, the operator finds 17.0.1.3".into())
        );
    }

    #[test]
    fn an_update_is_proven_by_the_series_of_base_and_no_module_left_pending() {
        let target = "odoo:18.0-20250201";
        let done = Modules {
            base: Some("18.0.1.3".into()),
            pending: vec![],
            unwritten: vec![],
        };
        assert_eq!(
            updated(target, Some(&done), true),
            Ok("base 18.0.1.3, every module updated by it, none left to update".into())
        );
        assert!(
            updated(target, Some(&done), false)
                .expect("proof")
                .contains("not checked")
        );
        // Not an Odoo database, no base, another series, a module halfway, an odoo
        // that exited 0 having updated nothing (or not all it was asked).
        let with = |change: fn(&mut Modules)| {
            let mut m = done.clone();
            change(&mut m);
            Some(m)
        };
        let refused = [
            (None, "no ir_module_module"),
            (with(|m| m.base = None), "no installed base"),
            (with(|m| m.base = Some("17.0.1.3".into())), "series 18.0"),
            (
                with(|m| m.pending = vec!["sale (to upgrade)".into(), "stock (to install)".into()]),
                "sale (to upgrade), stock (to install)",
            ),
            (
                with(|m| m.unwritten = vec!["base".into(), "sale".into()]),
                "did not update base, sale: their rows in ir_module_module were not written since",
            ),
        ];
        for (modules, expected) in refused {
            let why = updated(target, modules.as_ref(), true).expect_err("no proof");
            assert!(why.contains(expected), "{why}");
        }
        // An image tag without a series is checked on the module states alone.
        assert!(updated("registry.local/odoo:prod", Some(&done), true).is_ok());
    }
}
