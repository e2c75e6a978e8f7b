use super::*;
use crate::build::DATA_DIR;
use odoo_model::backup_job::{
    BackupDestination, BackupFormat, BackupTemplate, OdooBackupJobSpec, S3Destination,
};
use odoo_model::common::{S3Bucket, S3Credentials};

pub(super) fn s3_job() -> OdooBackupJob {
    let mut job = OdooBackupJob::new(
        "nightly",
        OdooBackupJobSpec {
            instance_ref: odoo_model::InstanceRef::new("shop"),
            backup: BackupTemplate {
                format: BackupFormat::Zip,
                with_filestore: true,
                verify: Default::default(),
                destination: BackupDestination {
                    s3: Some(S3Destination {
                        bucket: S3Bucket {
                            endpoint: "https://s3.example.com".into(),
                            bucket: "backups".into(),
                            region: "eu-1".into(),
                            credentials: S3Credentials {
                                secret_name: "s3".into(),
                                access_key_id_key: "id".into(),
                                secret_access_key_key: "secret".into(),
                            },
                            force_path_style: true,
                            insecure_skip_tls_verify: false,
                        },
                        key: "{instance}/{timestamp}.{ext}".into(),
                    }),
                    pvc: None,
                },
            },
            hold: false,
        },
    );
    job.metadata.namespace = Some("prod".into());
    job
}

#[test]
fn the_pod_runs_the_copied_agent_with_credentials_by_reference() {
    let v = crate::build::sample();
    let job = build_job(
        &s3_job(),
        &v,
        &odoo_model::Location::s3("backups", "shop/x.zip"),
        "odoo-operator:9.9",
    );
    let pod = job.spec.clone().and_then(|s| s.template.spec).expect("pod");
    let init = &pod.init_containers.as_ref().expect("init")[0];
    assert_eq!(init.image.as_deref(), Some("odoo-operator:9.9"));
    let c = &pod.containers[0];
    assert_eq!(
        c.image.as_deref(),
        Some(v.images.database.as_str()),
        "the instance's image, for its pg_dump"
    );
    assert_eq!(
        c.command.clone().expect("command"),
        ["/agent/odoo-agent", "backup"]
    );
    let labels = job
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    assert_eq!(
        labels
            .get(odoo_model::labels::AGENT_LABEL)
            .map(String::as_str),
        Some("backup"),
        "agent pods say so, for the simulated cluster and for kubectl get -l"
    );
    let env = c.env.clone().unwrap_or_default();
    let get = |n: &str| env.iter().find(|e| e.name == n).cloned().expect(n);
    assert_eq!(
        get("ODOO_AGENT_DESTINATION").value.as_deref(),
        Some("s3://backups/shop/x.zip")
    );
    let secret = get("AWS_SECRET_ACCESS_KEY")
        .value_from
        .and_then(|f| f.secret_key_ref)
        .expect("ref");
    assert_eq!(
        (secret.name.as_str(), secret.key.as_str()),
        ("s3", "secret")
    );
    assert!(
        get("PGPASSWORD").value.is_none(),
        "the password is never inlined"
    );
    let filestore = c
        .volume_mounts
        .as_ref()
        .expect("mounts")
        .iter()
        .find(|m| m.name == "filestore")
        .expect("filestore");
    assert_eq!(filestore.read_only, Some(true));
}

#[test]
fn destinations_are_rendered_at_start() {
    let v = crate::build::sample();
    let at: k8s_openapi::jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
    assert_eq!(
        destination(&s3_job(), &v, at).map(|l| l.to_string()),
        Some(format!("s3://backups/{}/20260102T030405Z.zip", v.name))
    );
}

#[test]
fn key_templates_fill_every_placeholder() {
    let at: k8s_openapi::jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
    assert_eq!(
        render_key(
            "{namespace}/{instance}/{database}-{timestamp}.{ext}",
            "prod",
            "shop",
            "prod_shop",
            at,
            "zip"
        ),
        "prod/shop/prod_shop-20260102T030405Z.zip"
    );
}

#[test]
fn a_stored_backup_is_recorded_in_its_bucket_index_and_found_again() {
    let mut job = s3_job();
    let created: k8s_openapi::jiff::Timestamp = "2026-12-04T10:00:00Z".parse().expect("time");
    job.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        created,
    ));
    let mut instance = odoo_model::OdooInstance::new("shop", Default::default());
    instance.status = Some(odoo_model::OdooInstanceStatus {
        database: Some("prod_shop".into()),
        ..Default::default()
    });
    let status = odoo_model::OdooBackupJobStatus {
        location: Some(
            "s3://backups/shop/20261204T100001Z.zip"
                .parse()
                .expect("a location"),
        ),
        size_bytes: Some(4096),
        sha256: Some("b".repeat(64)),
        odoo_version: Some("18.0".into()),
        ..Default::default()
    };
    let (_, key) = index::record_key(&job).expect("an S3 backup has a record");
    assert_eq!(key, "_odoo-index/prod/shop/20261204T100000Z-nightly.json");
    let done: k8s_openapi::jiff::Timestamp = "2026-12-04T10:05:00Z".parse().expect("time");
    let record = index::record(&job, &instance, &status, done).expect("record");
    assert_eq!(record.key, "shop/20261204T100001Z.zip");
    assert_eq!(record.database, "prod_shop");
    assert_eq!((record.size_bytes, record.completed_at), (4096, done));
    // What the operator writes is what the plugin reads back from that key.
    let bytes = serde_json::to_vec(&record).expect("json");
    let read = odoo_model::bucket_index::ArchiveRecord::parse("_odoo-index/", &key, &bytes);
    assert_eq!(read, Ok(record));
    // Another bucket's location, or no digest yet: nothing to record.
    let mut elsewhere = status.clone();
    elsewhere.location = Some("s3://other/shop/x.zip".parse().expect("a location"));
    assert!(index::record(&job, &instance, &elsewhere, done).is_none());
    let unproven = odoo_model::OdooBackupJobStatus {
        sha256: None,
        ..status
    };
    assert!(index::record(&job, &instance, &unproven, done).is_none());
}

#[test]
fn the_agent_reads_back_the_request_the_pod_carries() {
    use odoo_model::agent::Request as _;
    let v = crate::build::sample();
    let at = odoo_model::Location::s3("backups", "shop/x.zip");
    let job = build_job(&s3_job(), &v, &at, "odoo-operator:9.9");
    let pod = job.spec.and_then(|s| s.template.spec).expect("pod");
    let env = pod.containers[0].env.clone().unwrap_or_default();
    let mut names: Vec<&str> = env.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    let mut expected = vec![
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "ODOO_AGENT_DESTINATION",
        "ODOO_AGENT_FILESTORE",
        "ODOO_AGENT_FORMAT",
        "ODOO_AGENT_S3_ENDPOINT",
        "ODOO_AGENT_S3_FORCE_PATH_STYLE",
        "ODOO_AGENT_S3_INSECURE_SKIP_TLS_VERIFY",
        "ODOO_AGENT_S3_REGION",
        "ODOO_AGENT_TERMINATION_LOG",
        "PGDATABASE",
        "PGHOST",
        "PGPASSWORD",
        "PGPORT",
        "PGSSLMODE",
        "PGUSER",
    ];
    let version = odoo_model::OdooVersion::of_image(&v.images.database);
    if version.is_some() {
        expected.push("ODOO_VERSION");
    }
    expected.sort_unstable();
    assert_eq!(
        names, expected,
        "the variables pods have always had, once each"
    );
    let request = odoo_model::agent::BackupRequest::from_env(|name| {
        env.iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value.clone())
    })
    .expect("the agent reads what the operator wrote");
    assert_eq!(request.destination, at);
    assert_eq!(request.format, BackupFormat::Zip);
    assert_eq!(request.database.database, v.database.name);
    assert_eq!(
        request.filestore.as_deref(),
        Some(std::path::Path::new(&format!(
            "{DATA_DIR}/filestore/{}",
            v.database.name
        )))
    );
    assert_eq!(request.odoo_version.map(|r| r.series), version);
    let s3 = request.s3.expect("an S3 destination names its endpoint");
    assert_eq!(
        (s3.endpoint.as_str(), s3.region.as_str()),
        ("https://s3.example.com", "eu-1")
    );
    assert!(!request.without_filestore && !request.count_rows);
}

#[test]
fn the_deletion_pod_carries_its_instances_environment_once_the_instance_is_known() {
    use odoo_model::instance::Environment;
    use odoo_model::labels::ENVIRONMENT_LABEL;
    let job = s3_job();
    let status = odoo_model::OdooBackupJobStatus {
        sha256: Some("a".repeat(64)),
        ..Default::default()
    };
    let at = odoo_model::Location::s3("backups", "shop/x.zip");
    let label = |environment| {
        delete::build_job(&job, &status, &at, environment, "odoo-operator:9.9")
            .spec
            .and_then(|s| s.template.metadata)
            .and_then(|m| m.labels)
            .and_then(|l| l.get(ENVIRONMENT_LABEL).cloned())
    };
    assert_eq!(
        label(Some(Environment::Staging)).as_deref(),
        Some("staging")
    );
    // The instance is gone: nothing says which environment the pod belongs to.
    assert_eq!(label(None), None);
}
