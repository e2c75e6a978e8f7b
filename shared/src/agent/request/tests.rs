use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::Location;
use crate::backup_job::BackupFormat;

fn database(name: &str) -> PgConnection {
    PgConnection {
        host: "pg.db".into(),
        port: 5433,
        user: "team_a_shop".into(),
        database: name.into(),
        sslmode: crate::SslMode::Require,
        sslrootcert: None,
    }
}

fn bucket() -> S3Options {
    S3Options {
        insecure_skip_tls_verify: true,
        part_size_mib: Some(64),
        ..S3Options::new("http://s3.local:9000")
    }
}

/// The request through a pod's environment and back: what the agent reads is
/// what the operator wrote, and every variable written is one the request names.
fn round_trip<R: Request + PartialEq + std::fmt::Debug>(request: R) -> BTreeMap<String, String> {
    let env = request.to_env();
    let names = R::vars();
    for (name, _) in &env {
        assert!(names.contains(name), "{name} is written but not read");
    }
    let map: BTreeMap<String, String> = env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let back = R::from_env(|name| map.get(name).cloned()).expect("reads back");
    assert_eq!(back, request);
    map
}

#[test]
fn every_request_reads_back_as_it_was_written() {
    let backup = round_trip(BackupRequest {
        database: database("shop"),
        s3: Some(bucket()),
        destination: Location::s3("b", "team-a/shop/1.zip"),
        format: BackupFormat::Zip,
        filestore: Some("/var/lib/odoo/filestore/shop".into()),
        without_filestore: false,
        count_rows: true,
        odoo_version: Some("17.0+e".parse().expect("a release")),
    });
    // The names and the text the pods have always had.
    assert_eq!(backup["ODOO_AGENT_DESTINATION"], "s3://b/team-a/shop/1.zip");
    assert_eq!(backup["ODOO_AGENT_FORMAT"], "zip");
    assert_eq!(backup["ODOO_AGENT_COUNT_ROWS"], "true");
    assert_eq!(backup["ODOO_VERSION"], "17.0+e");
    assert_eq!(backup["PGPORT"], "5433");
    assert_eq!(backup["ODOO_AGENT_S3_FORCE_PATH_STYLE"], "true");
    assert!(!backup.contains_key("ODOO_AGENT_WITHOUT_FILESTORE"));
    round_trip(BackupRequest {
        database: database("shop"),
        s3: None,
        destination: Location::File("/backup/shop.dump".into()),
        format: BackupFormat::Dump,
        filestore: None,
        without_filestore: true,
        count_rows: false,
        odoo_version: None,
    });
    round_trip(RestoreRequest {
        database: database("shop_restoring_1"),
        s3: Some(S3Options::new("https://s3.example")),
        source: Location::s3("b", "k.zip"),
        expected_sha256: Some("ab".repeat(32)),
        format: None,
        filestore: Some("/var/lib/odoo/filestore/shop_restoring_1".into()),
        skip_filestore: false,
    });
    round_trip(VerifyRequest {
        s3: None,
        source: Location::File("/backup/a.zip".into()),
        expected_sha256: "cd".repeat(32),
        format: Some(BackupFormat::Sql),
    });
    round_trip(DeleteRequest {
        s3: Some(bucket()),
        archive: Location::s3("b", "k.zip"),
        expected_sha256: "ef".repeat(32),
    });
    round_trip(SwitchRequest {
        root: "/var/lib/odoo/filestore".into(),
        live: "shop".into(),
        restored: "shop_restoring_1".into(),
        kept: "shop_pre_restore_1".into(),
        drop_previous: true,
    });
    round_trip(FilestoreCopyRequest {
        root: "/var/lib/odoo/filestore".into(),
        live: "shop".into(),
        copy: "shop_upgrading_1".into(),
        discard: false,
    });
    let copy = round_trip(CopyRequest {
        source: database("shop"),
        target: PgConnection {
            sslrootcert: Some(PathBuf::from("/ca/root.crt")),
            ..database("shop_mig_1")
        },
    });
    assert_eq!(copy["PGDATABASE"], "shop");
    assert_eq!(copy["ODOO_AGENT_TARGET_PGDATABASE"], "shop_mig_1");
}

#[test]
fn the_targets_connection_is_libpqs_names_behind_one_prefix() {
    let (pg, target) = (
        PgConnection::vars(env::PG),
        PgConnection::vars(env::TARGET_PG),
    );
    for (pg, target) in pg.iter().zip(target) {
        assert_eq!(target, format!("ODOO_AGENT_TARGET_{pg}"));
    }
    assert_eq!(
        env::TARGET_PG.password,
        format!("ODOO_AGENT_TARGET_{}", env::PG.password)
    );
}

fn read<R: Request>(vars: &[(&str, &str)]) -> Result<R, RequestError> {
    R::from_env(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
}

#[test]
fn a_missing_or_invalid_value_names_its_variable() {
    let missing = read::<VerifyRequest>(&[("ODOO_AGENT_SOURCE", "s3://b/k.zip")]);
    assert_eq!(
        missing,
        Err(RequestError::Missing {
            var: "ODOO_AGENT_EXPECTED_SHA256"
        })
    );
    assert_eq!(
        read::<DeleteRequest>(&[("ODOO_AGENT_EXPECTED_SHA256", "ab")]).map_err(|e| e.to_string()),
        Err("ODOO_AGENT_SOURCE is not set".into())
    );
    // A variable set empty is set: an empty digest is checked (and matches
    // nothing), never taken for no digest.
    let empty = read::<RestoreRequest>(&[
        ("PGHOST", "pg"),
        ("PGUSER", "u"),
        ("PGDATABASE", "d"),
        ("ODOO_AGENT_SOURCE", "/backup/a.zip"),
        ("ODOO_AGENT_EXPECTED_SHA256", ""),
    ])
    .expect("a request");
    assert_eq!(empty.expected_sha256.as_deref(), Some(""));
    let invalid = read::<VerifyRequest>(&[
        ("ODOO_AGENT_SOURCE", "relative/a.zip"),
        ("ODOO_AGENT_EXPECTED_SHA256", "ab"),
    ])
    .expect_err("a relative path is no location")
    .to_string();
    assert!(
        invalid.starts_with("ODOO_AGENT_SOURCE=\"relative/a.zip\" is invalid"),
        "{invalid}"
    );
    let format = read::<VerifyRequest>(&[
        ("ODOO_AGENT_SOURCE", "/backup/a.zip"),
        ("ODOO_AGENT_EXPECTED_SHA256", "ab"),
        ("ODOO_AGENT_FORMAT", "tar"),
    ]);
    assert!(
        matches!(
            format,
            Err(RequestError::Invalid {
                var: "ODOO_AGENT_FORMAT",
                ..
            })
        ),
        "{format:?}"
    );
    let switch = [
        ("ODOO_AGENT_FILESTORE_ROOT", "/fs"),
        ("ODOO_AGENT_LIVE", "shop"),
        ("ODOO_AGENT_RESTORED", "shop_r"),
        ("ODOO_AGENT_KEPT", "shop_k"),
        ("ODOO_AGENT_DROP_PREVIOUS", "maybe"),
    ];
    assert!(matches!(
        read::<SwitchRequest>(&switch),
        Err(RequestError::Invalid {
            var: "ODOO_AGENT_DROP_PREVIOUS",
            ..
        })
    ));
}

#[test]
fn connections_and_buckets_take_their_defaults_and_refuse_the_rest() {
    let pg = [
        ("PGHOST", "pg"),
        ("PGUSER", "u"),
        ("PGDATABASE", "d"),
        ("ODOO_AGENT_SOURCE", "s3://b/k.zip"),
        ("ODOO_AGENT_S3_ENDPOINT", "http://s3"),
    ];
    let restore = read::<RestoreRequest>(&pg).expect("defaults");
    assert_eq!(
        (restore.database.port, restore.database.sslmode.as_str()),
        (5432, "prefer")
    );
    let s3 = restore.s3.expect("an endpoint names a bucket's server");
    assert_eq!(s3, S3Options::new("http://s3"));
    let with = |extra: (&'static str, &'static str)| {
        let mut vars = pg.to_vec();
        vars.push(extra);
        read::<RestoreRequest>(&vars)
    };
    assert!(matches!(
        with(("PGSSLMODE", "sometimes")),
        Err(RequestError::Invalid {
            var: "PGSSLMODE",
            ..
        })
    ));
    assert!(matches!(
        with(("PGPORT", "65536")),
        Err(RequestError::Invalid { var: "PGPORT", .. })
    ));
    assert!(matches!(
        with(("ODOO_AGENT_S3_PART_SIZE_MIB", "4")),
        Err(RequestError::Invalid {
            var: "ODOO_AGENT_S3_PART_SIZE_MIB",
            ..
        })
    ));
    let mut both = pg.to_vec();
    both.extend([
        ("ODOO_AGENT_FILESTORE", "/fs/d"),
        ("ODOO_AGENT_SKIP_FILESTORE", "true"),
    ]);
    assert_eq!(
        read::<RestoreRequest>(&both),
        Err(RequestError::Conflict {
            var: "ODOO_AGENT_SKIP_FILESTORE",
            with: "ODOO_AGENT_FILESTORE"
        })
    );
    let missing_host = read::<RestoreRequest>(&pg[1..]);
    assert_eq!(missing_host, Err(RequestError::Missing { var: "PGHOST" }));
}
