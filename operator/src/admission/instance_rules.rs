//! Admission rules of OdooInstance that need the old object or the Odoo version:
//! what the CRD schema and its CEL rules cannot say.

use std::collections::BTreeSet;

use kube::ResourceExt;
use odoo_model::OdooInstance;
use odoo_model::labels::{ALLOW_CONFIG_KEYS_ANNOTATION, CLUSTER_MIGRATION_ANNOTATION};
use odoo_model::quantity::parse_bytes;

use super::odoo_options::known_options;
use super::verdict::Verdict;
use crate::build::odoo_conf::OWNED_KEYS;
use odoo_model::OdooVersion;

/// Who sent the request, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// The operator itself (its service account).
    Operator,
    /// Anyone else.
    User,
}

/// Checks a create (`old` is `None`) or an update. `default_image` is the
/// operator's default, for instances that name no image yet.
pub fn check(
    old: Option<&OdooInstance>,
    new: &OdooInstance,
    who: Requester,
    default_image: &str,
) -> Verdict {
    let mut denials = Vec::new();
    let mut warnings = Vec::new();
    if let Some(old) = old {
        denials.extend(storage_size(old, new));
        denials.extend(storage_class(old, new, who));
        denials.extend(cluster(old, new, who));
    }
    let image = new.spec.image.as_deref().unwrap_or(default_image);
    let (denied, warned) = config_options(old, new, image);
    denials.extend(denied);
    warnings.extend(warned);
    Verdict::from_parts(denials, warnings)
}

fn storage_size(old: &OdooInstance, new: &OdooInstance) -> Option<String> {
    let before = old.spec.filestore.storage_size.as_deref()?;
    let after = new.spec.filestore.storage_size.as_deref();
    let shrinks = match after {
        None => true,
        Some(after) => match (parse_bytes(before), parse_bytes(after)) {
            (Some(b), Some(a)) => a < b,
            _ => false,
        },
    };
    shrinks.then(|| {
        format!(
            "spec.filestore.storageSize may not decrease (from {before} to {}): volumes cannot \
             shrink. Keep {before} or raise it; to get a smaller volume, restore a backup into \
             a new instance (kubectl odoo restore --into NEW).",
            after.unwrap_or("unset")
        )
    })
}

fn storage_class(old: &OdooInstance, new: &OdooInstance, who: Requester) -> Option<String> {
    let before = old.spec.filestore.storage_class.as_deref()?;
    let after = new.spec.filestore.storage_class.as_deref();
    // The operator itself moves volumes between classes only as part of a
    // migration it runs; that is the sanctioned path.
    if after == Some(before) || who == Requester::Operator {
        return None;
    }
    Some(format!(
        "spec.filestore.storageClass cannot change (from {before} to {}): a volume cannot move \
         between storage classes in place. Keep {before}, or back up this instance and restore \
         it into a new instance that uses the other class (kubectl odoo backup create {name}; \
         kubectl odoo restore --into NEW).",
        after.unwrap_or("unset"),
        name = new.name_any()
    ))
}

fn cluster(old: &OdooInstance, new: &OdooInstance, who: Requester) -> Option<String> {
    let before = old.spec.database.cluster.as_deref()?;
    let after = new.spec.database.cluster.as_deref();
    if after == Some(before) {
        return None;
    }
    // The one sanctioned path: the cluster-migration flow, run by the operator, which
    // names the migration on the instance in the same write that switches clusters.
    let migrating = new
        .annotations()
        .get(CLUSTER_MIGRATION_ANNOTATION)
        .is_some_and(|m| !m.is_empty());
    if who == Requester::Operator && migrating {
        return None;
    }
    let name = new.name_any();
    Some(match after {
        Some(after) => format!(
            "spec.database.cluster cannot be changed directly (from {before} to {after}): the \
             database must be copied and verified first. Run `kubectl odoo migrate-cluster \
             {name} --to {after}` instead."
        ),
        None => format!(
            "spec.database.cluster cannot be removed (it is {before}): the instance's database \
             lives there. Keep it; to move the database run `kubectl odoo migrate-cluster \
             {name} --to CLUSTER`."
        ),
    })
}

/// Unknown and operator-owned configOptions keys. Keys the old object already had
/// are not judged again, so an instance created before a rule existed can still be
/// scaled or stopped.
fn config_options(
    old: Option<&OdooInstance>,
    new: &OdooInstance,
    image: &str,
) -> (Vec<String>, Vec<String>) {
    let before: BTreeSet<&str> = old
        .map(|o| o.spec.config_options.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let added: Vec<&str> = new
        .spec
        .config_options
        .keys()
        .map(String::as_str)
        .filter(|k| !before.contains(k))
        .collect();
    if added.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let allowed: BTreeSet<&str> = new
        .annotations()
        .get(ALLOW_CONFIG_KEYS_ANNOTATION)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let version = OdooVersion::of_image(image);
    let major = version.map(|v| v.major);
    let known = major.and_then(known_options);

    let mut denials = Vec::new();
    let mut warnings = Vec::new();
    for key in added {
        if OWNED_KEYS.contains(&key) {
            denials.push(format!(
                "spec.configOptions.{key} is set by the operator (it wires Odoo to its database, \
                 volume, Service and probes) and cannot be overridden; remove it{}.",
                owned_hint(key)
            ));
            continue;
        }
        if allowed.contains(key) {
            continue;
        }
        match known {
            Some(known) if !known.contains(&key) => {
                let hint = match suggestion(key, known) {
                    Some(s) => format!(" Did you mean {s}?"),
                    None => String::new(),
                };
                denials.push(format!(
                    "spec.configOptions.{key} is not an odoo.conf option of Odoo {}.{hint} If \
                     it is an option of a custom addon, list it in the annotation \
                     {ALLOW_CONFIG_KEYS_ANNOTATION}.",
                    version.map_or_else(|| "?".to_owned(), |v| v.to_string())
                ));
            }
            Some(_) => {}
            None => warnings.push(format!(
                "spec.configOptions.{key} was not checked: no option list for the Odoo version \
                 of image {image}"
            )),
        }
    }
    (denials, warnings)
}

fn owned_hint(key: &str) -> &'static str {
    match key {
        "workers" => " (use spec.workers)",
        "max_cron_threads" => " (use spec.cron.threads)",
        "admin_passwd" => " (use spec.adminPasswordSecretRef)",
        "db_name" | "dbfilter" => " (use spec.database.name)",
        "db_host" | "db_port" | "db_sslmode" => " (use spec.database.cluster)",
        _ => "",
    }
}

/// The closest known option, when it is close enough to be a likely typo.
fn suggestion<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use odoo_model::OdooInstanceSpec;

    fn instance(f: impl FnOnce(&mut OdooInstanceSpec)) -> OdooInstance {
        let mut spec = OdooInstanceSpec {
            image: Some("odoo:18.0-20251001".into()),
            ..Default::default()
        };
        spec.filestore.storage_size = Some("10Gi".into());
        spec.filestore.storage_class = Some("fast".into());
        spec.database.cluster = Some("main".into());
        f(&mut spec);
        OdooInstance::new("shop", spec)
    }

    fn denial(v: Verdict) -> String {
        match v {
            Verdict::Deny(m) => m,
            Verdict::Allow { .. } => panic!("expected a denial"),
        }
    }

    #[test]
    fn unchanged_instances_pass() {
        let a = instance(|_| {});
        assert!(check(Some(&a), &a, Requester::User, "").is_allowed());
    }

    #[test]
    fn storage_may_grow_but_not_shrink() {
        let old = instance(|_| {});
        let grown = instance(|s| s.filestore.storage_size = Some("20000Mi".into()));
        assert!(check(Some(&old), &grown, Requester::User, "").is_allowed());
        let shrunk = instance(|s| s.filestore.storage_size = Some("9Gi".into()));
        let m = denial(check(Some(&old), &shrunk, Requester::User, ""));
        assert!(m.contains("may not decrease (from 10Gi to 9Gi)"), "{m}");
    }

    #[test]
    fn storage_class_is_fixed_for_users() {
        let old = instance(|_| {});
        let new = instance(|s| s.filestore.storage_class = Some("slow".into()));
        let m = denial(check(Some(&old), &new, Requester::User, ""));
        assert!(
            m.contains("storageClass cannot change (from fast to slow)"),
            "{m}"
        );
        assert!(check(Some(&old), &new, Requester::Operator, "").is_allowed());
    }

    #[test]
    fn cluster_changes_only_through_the_migration() {
        let old = instance(|_| {});
        let new = instance(|s| s.database.cluster = Some("other".into()));
        let m = denial(check(Some(&old), &new, Requester::User, ""));
        assert!(
            m.contains("kubectl odoo migrate-cluster shop --to other"),
            "{m}"
        );
        // The operator without a migration named is refused too.
        assert!(!check(Some(&old), &new, Requester::Operator, "").is_allowed());
        let mut migrating = new.clone();
        migrating
            .annotations_mut()
            .insert(CLUSTER_MIGRATION_ANNOTATION.into(), "move-1".into());
        assert!(check(Some(&old), &migrating, Requester::Operator, "").is_allowed());
        assert!(!check(Some(&old), &migrating, Requester::User, "").is_allowed());
        // Defaulting an unset cluster is not a change.
        let unset = instance(|s| s.database.cluster = None);
        assert!(check(Some(&unset), &old, Requester::Operator, "").is_allowed());
    }

    #[test]
    fn unknown_config_keys_get_a_suggestion() {
        let new = instance(|s| {
            s.config_options
                .insert("limit_time_reel".into(), "120".into());
        });
        let m = denial(check(None, &new, Requester::User, ""));
        assert!(m.contains("not an odoo.conf option of Odoo 18.0"), "{m}");
        assert!(m.contains("Did you mean limit_time_real?"), "{m}");
        assert!(m.contains(ALLOW_CONFIG_KEYS_ANNOTATION), "{m}");
    }

    #[test]
    fn the_annotation_allows_addon_keys() {
        let mut new = instance(|s| {
            s.config_options
                .insert("queue_job_channels".into(), "root:2".into());
        });
        assert!(!check(None, &new, Requester::User, "").is_allowed());
        new.annotations_mut().insert(
            ALLOW_CONFIG_KEYS_ANNOTATION.into(),
            "other, queue_job_channels".into(),
        );
        assert!(check(None, &new, Requester::User, "").is_allowed());
    }

    #[test]
    fn owned_keys_are_refused_with_the_field_to_use() {
        let new = instance(|s| {
            s.config_options.insert("db_password".into(), "x".into());
            s.config_options.insert("workers".into(), "4".into());
        });
        let m = denial(check(None, &new, Requester::User, ""));
        assert!(
            m.contains("configOptions.db_password is set by the operator"),
            "{m}"
        );
        assert!(m.contains("(use spec.workers)"), "{m}");
    }

    #[test]
    fn keys_already_present_are_not_judged_again() {
        let old = instance(|s| {
            s.config_options.insert("legacy_key".into(), "1".into());
        });
        let mut new = old.clone();
        new.spec.replicas = 3;
        assert!(check(Some(&old), &new, Requester::User, "").is_allowed());
    }

    #[test]
    fn an_unknown_version_warns_instead_of_refusing() {
        let new = instance(|s| {
            s.image = Some("registry.local/odoo@sha256:abc".into());
            s.config_options.insert("anything".into(), "1".into());
        });
        match check(None, &new, Requester::User, "") {
            Verdict::Allow { warnings } => {
                assert!(warnings[0].contains("not checked"), "{warnings:?}")
            }
            Verdict::Deny(m) => panic!("{m}"),
        }
    }

    #[test]
    fn the_default_image_decides_when_the_spec_names_none() {
        let new = instance(|s| {
            s.image = None;
            s.config_options
                .insert("limit_time_reel".into(), "1".into());
        });
        assert!(!check(None, &new, Requester::User, "odoo:17.0-20250101").is_allowed());
    }
}
