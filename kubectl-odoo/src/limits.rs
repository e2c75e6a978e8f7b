//! Value parsers of the flags that set what the CRD schema constrains, with the
//! constants the schema's attributes name (`odoo_model::common::Text`, the replica
//! maximums): a client-side dry run or check refuses what the API server would, as
//! a usage error, before anything is sent.

use clap::builder::RangedI64ValueParser;
use odoo_model::common::{OBJECT_NAME, Text};
use odoo_model::instance::{
    CLUSTER, HOST, MAX_CRON_REPLICAS, MAX_REPLICAS, MAX_SIZE_LENGTH, MODULE,
};
use odoo_model::restore_job::SHA256;
use regex::Regex;

use crate::error::CliError;

/// Web replicas, from 0 to the schema's maximum.
pub fn replicas() -> RangedI64ValueParser<i32> {
    clap::value_parser!(i32).range(0..=i64::from(MAX_REPLICAS))
}

/// `start --replicas`: from 1 to the schema's maximum. Zero is what `stop` does,
/// and the refusal says so.
pub fn start_replicas(value: &str) -> Result<i32, String> {
    let n: i32 = value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a whole number"))?;
    match n {
        1.. if n <= MAX_REPLICAS => Ok(n),
        ..1 => Err(format!(
            "{n} is not in 1..={MAX_REPLICAS}: an instance starts with at least 1 web replica (kubectl odoo stop scales to 0)"
        )),
        _ => Err(format!("{n} is not in 1..={MAX_REPLICAS}")),
    }
}

/// Cron replicas, from 0 to the schema's maximum.
pub fn cron_replicas() -> RangedI64ValueParser<i32> {
    clap::value_parser!(i32).range(0..=i64::from(MAX_CRON_REPLICAS))
}

/// `--host`: a host name routed to an instance.
pub fn host(value: &str) -> Result<String, String> {
    text(
        value,
        HOST,
        "a host name: lowercase letters, digits and '-' in labels between dots, e.g. erp.example.com (*.example.com for a wildcard)",
    )
}

/// `--modules`: one module's technical name.
pub fn module(value: &str) -> Result<String, String> {
    text(
        value,
        MODULE,
        "a module's technical name: lowercase letters, digits and '_', e.g. sale_management",
    )
}

/// `--cluster`, `--to`: a PostgreSQL cluster's name.
pub fn cluster(value: &str) -> Result<String, String> {
    text(
        value,
        CLUSTER,
        "a cluster's name: lowercase letters, digits and '-', beginning and ending with a letter or digit",
    )
}

/// A Kubernetes object's name, such as a Secret's.
pub fn object_name(value: &str) -> Result<String, String> {
    text(
        value,
        OBJECT_NAME,
        "a Kubernetes name: lowercase letters, digits, '-' and '.', beginning and ending with a letter or digit",
    )
}

/// `--sha256`: 64 hex digits, taken in either case (`sha256sum` and other tools
/// differ) and sent in lowercase, as the schema wants it.
pub fn sha256(value: &str) -> Result<String, String> {
    text(
        &value.trim().to_ascii_lowercase(),
        SHA256,
        "a SHA-256: 64 hexadecimal digits",
    )
}

/// `--storage-size`: a positive quantity of at most the schema's length, as the
/// schema's rule for `spec.filestore.storageSize` says.
pub fn storage_size(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.chars().count() > MAX_SIZE_LENGTH {
        return Err(format!("longer than {MAX_SIZE_LENGTH} characters"));
    }
    match odoo_model::quantity::parse_bytes(value) {
        Some(bytes) if bytes > 0.0 => Ok(value.to_owned()),
        _ => Err("not a positive size such as 10Gi or 500Mi".into()),
    }
}

/// A repeatable flag given at most `max` values, as the schema's list allows.
pub fn at_most(flag: &str, values: &[String], max: usize) -> Result<(), CliError> {
    if values.len() > max {
        return Err(CliError::Usage(format!(
            "{flag} takes at most {max} values, got {}",
            values.len()
        )));
    }
    Ok(())
}

/// `value` when `rule` allows it, else why not: it is not `what`.
fn text(value: &str, rule: Text, what: &str) -> Result<String, String> {
    let length = value.chars().count();
    let matches = Regex::new(rule.pattern).is_ok_and(|pattern| pattern.is_match(value));
    if matches && (rule.min..=rule.max).contains(&length) {
        Ok(value.to_owned())
    } else if rule.min == rule.max {
        // A fixed length is part of what `what` says.
        Err(format!("not {what}"))
    } else {
        Err(format!(
            "not {what}; {} to {} characters",
            rule.min, rule.max
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::migrate::MigrateArgs;
    use crate::commands::test_flags::refused;

    #[test]
    fn every_pattern_compiles() {
        for rule in [OBJECT_NAME, CLUSTER, HOST, MODULE, SHA256] {
            assert!(Regex::new(rule.pattern).is_ok(), "{}", rule.pattern);
        }
    }

    #[test]
    fn hosts_as_the_schema_takes_them() {
        for good in ["erp.example.com", "*.example.com", "localhost", "a-1.b2"] {
            assert_eq!(host(good).as_deref(), Ok(good));
        }
        for bad in [
            "Bad Host!",
            "ERP.example.com",
            "-a.example",
            "a..b",
            "a.*.b",
            "",
        ] {
            assert!(host(bad).is_err(), "{bad:?}");
        }
        assert!(host(&format!("{}.example", "a".repeat(250))).is_err());
    }

    #[test]
    fn modules_and_names_as_the_schema_takes_them() {
        assert!(module("sale_management").is_ok());
        assert!(module("Sale").is_err());
        assert!(module(&"a".repeat(129)).is_err());
        assert!(object_name("s3-creds.v2").is_ok());
        assert!(object_name("S3_Creds").is_err());
        assert!(object_name("creds-").is_err());
        assert!(cluster("eu-1").is_ok());
        assert!(cluster("eu.1").is_err());
        assert!(cluster(&"a".repeat(64)).is_err());
        // migrate-cluster --to takes only such a name: refused before the plan is shown.
        let to = refused::<MigrateArgs>("shop --to EU_2");
        assert!(to.contains("not a cluster's name"), "{to}");
    }

    #[test]
    fn storage_sizes_are_positive_quantities() {
        assert_eq!(storage_size("10Gi").as_deref(), Ok("10Gi"));
        assert_eq!(storage_size(" 1.5Ti ").as_deref(), Ok("1.5Ti"));
        // Every suffix the API server takes, the small ones too.
        for good in [
            "1e9", "10G", "500M", "1.Gi", ".5Gi", "+1Gi", "1n", "1u", "1m",
        ] {
            assert!(storage_size(good).is_ok(), "{good:?}");
        }
        for bad in ["abc", "10 GB", "Gi", "0", "0Gi", "-1Gi", ""] {
            assert!(storage_size(bad).is_err(), "{bad:?}");
        }
        // The schema's length: 64 characters.
        assert!(storage_size(&"1".repeat(64)).is_ok());
        assert_eq!(
            storage_size(&"1".repeat(65)),
            Err("longer than 64 characters".into())
        );
    }

    #[test]
    fn digests_are_64_hex_digits_sent_in_lowercase() {
        let upper = "AB".repeat(32);
        assert_eq!(sha256(&format!(" {upper} ")), Ok("ab".repeat(32)));
        assert_eq!(
            sha256("abc"),
            Err("not a SHA-256: 64 hexadecimal digits".into())
        );
        assert!(sha256(&"g".repeat(64)).is_err());
        let flag = refused::<crate::commands::restore::RestoreArgs>("shop --sha256 abc");
        assert!(flag.contains("not a SHA-256"), "{flag}");
    }

    #[test]
    fn lists_take_what_the_schema_allows() {
        let hosts = vec!["a.example".to_owned(); 32];
        assert!(at_most("--host", &hosts, 32).is_ok());
        let more = vec!["a.example".to_owned(); 33];
        let Err(CliError::Usage(why)) = at_most("--host", &more, 32) else {
            panic!("33 hosts are refused");
        };
        assert_eq!(why, "--host takes at most 32 values, got 33");
    }
}
