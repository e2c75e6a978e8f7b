use super::*;
use odoo_model::backup_job::{BackupDestination, BackupTemplate, OdooBackupJobSpec, S3Destination};
use odoo_model::common::{S3Bucket, S3Credentials};

fn s3_job() -> OdooBackupJob {
    let mut job = OdooBackupJob::new(
        "nightly",
        OdooBackupJobSpec {
            instance_ref: odoo_model::InstanceRef {
                name: "shop".into(),
            },
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
        "s3://backups/shop/x.zip",
        "odoo-operator:9.9",
    );
    let pod = job.spec.clone().and_then(|s| s.template.spec).expect("pod");
    let init = &pod.init_containers.as_ref().expect("init")[0];
    assert_eq!(init.image.as_deref(), Some("odoo-operator:9.9"));
    let c = &pod.containers[0];
    assert_eq!(
        c.image.as_deref(),
        Some(v.image.as_str()),
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
        destination(&s3_job(), &v, at),
        format!("s3://backups/{}/20260102T030405Z.zip", v.name)
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
