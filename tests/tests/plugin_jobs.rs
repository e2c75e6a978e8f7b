//! The plugin's job commands — backup, restore, migrate-cluster — run through real
//! kubectl against the test API server, with a real S3 server (versitygw) for the
//! archive transfers. No operator runs here: the tests assert on the stored
//! resources, the S3 objects and what a user sees (exit codes, output).

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::backup_job::{BackupDestination, BackupTemplate, PvcDestination};
use odoo_model::{
    InstanceRef, OdooBackupJob, OdooBackupJobSpec, OdooBackupSchedule, OdooClusterMigration,
    OdooInstance, OdooInstanceSpec, OdooRestoreJob,
};
use odoo_tests::plugin::{command, impersonating_kubeconfig, odoo, text};
use odoo_tests::s3::{create_credentials, shared_s3};
use odoo_tests::{TestNamespace, api_server};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn instance(ns: &TestNamespace, name: &str, cluster: Option<&str>) -> anyhow::Result<()> {
    let mut spec = OdooInstanceSpec {
        replicas: 1,
        ..Default::default()
    };
    spec.database.cluster = cluster.map(str::to_owned);
    ns.api::<OdooInstance>()
        .create(&PostParams::default(), &OdooInstance::new(name, spec))
        .await?;
    Ok(())
}

fn s3_destination(bucket: &str) -> BackupDestination {
    odoo_tests::s3::destination(bucket)
}

/// A backup resource as the operator leaves it: `status` merged in.
async fn backup(
    ns: &TestNamespace,
    name: &str,
    destination: BackupDestination,
    status: Value,
) -> anyhow::Result<OdooBackupJob> {
    let api: Api<OdooBackupJob> = ns.api();
    let job = OdooBackupJob::new(
        name,
        OdooBackupJobSpec {
            instance_ref: InstanceRef {
                name: "shop".into(),
            },
            backup: BackupTemplate {
                with_filestore: true,
                destination,
                ..Default::default()
            },
            hold: false,
        },
    );
    api.create(&PostParams::default(), &job).await?;
    Ok(api
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": status })),
        )
        .await?)
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn backup_create_schedule_and_delete() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "backup-create").await?;
    instance(&ns, "shop", None).await?;
    let jobs: Api<OdooBackupJob> = ns.api();

    let out = odoo(
        cp,
        &ns.name,
        &[
            "backup",
            "create",
            "shop",
            "--format",
            "dump",
            "--no-filestore",
            "--s3-endpoint",
            "http://s3.example:9000",
            "--bucket",
            "backups",
            "--credentials-secret",
            "s3-creds",
        ],
    )?;
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("odoobackupjob/shop-backup-") && stdout.ends_with(" created\n"),
        "{stdout}"
    );
    let created = jobs.list(&Default::default()).await?.items;
    assert_eq!(created.len(), 1);
    let first = &created[0];
    assert!(!first.spec.backup.with_filestore);
    let s3 = first.spec.backup.destination.s3.clone().expect("s3");
    assert_eq!(s3.bucket.bucket, "backups");
    assert_eq!(s3.bucket.endpoint, "http://s3.example:9000");
    assert_eq!(
        first
            .labels()
            .get("odoo-operator.dev/instance")
            .map(String::as_str),
        Some("shop")
    );

    // The same destination again, by reference; the instance's newest one when none
    // is named. Names are per second, so wait for the next one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let out = odoo(
        cp,
        &ns.name,
        &[
            "backup",
            "create",
            "shop",
            "--like",
            &first.name_any(),
            "-o",
            "json",
        ],
    )?;
    assert!(out.status.success(), "{out:?}");
    let second: OdooBackupJob = serde_json::from_slice(&out.stdout)?;
    assert_eq!(
        second.spec.backup.destination,
        first.spec.backup.destination
    );

    // Failure paths: a bad flag value, a missing instance, a missing --like source,
    // an incomplete bucket, and a user without rights.
    let bad = odoo(
        cp,
        &ns.name,
        &["backup", "create", "shop", "--format", "tar"],
    )?;
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(text(&bad.stderr).contains("invalid value 'tar'"), "{bad:?}");
    let missing = odoo(
        cp,
        &ns.name,
        &["backup", "create", "nosuch", "--pvc", "claim"],
    )?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    assert!(
        text(&missing.stderr).contains("odoo/nosuch not found"),
        "{missing:?}"
    );
    let like = odoo(
        cp,
        &ns.name,
        &["backup", "create", "shop", "--like", "nosuch"],
    )?;
    assert_eq!(like.status.code(), Some(5), "{like:?}");
    let partial = odoo(cp, &ns.name, &["backup", "create", "shop", "--bucket", "b"])?;
    assert_eq!(partial.status.code(), Some(2), "{partial:?}");
    assert!(
        text(&partial.stderr).contains("--s3-endpoint"),
        "{partial:?}"
    );
    let forbidden = command(
        cp,
        &ns.name,
        &["backup", "create", "shop", "--pvc", "claim"],
    )
    .env("KUBECONFIG", impersonating_kubeconfig(cp, "intern")?)
    .output()?;
    assert_eq!(forbidden.status.code(), Some(1), "{forbidden:?}");
    assert!(
        text(&forbidden.stderr).contains("forbidden") && text(&forbidden.stderr).contains("intern"),
        "{forbidden:?}"
    );
    assert_eq!(jobs.list(&Default::default()).await?.items.len(), 2);

    // A schedule: created from a backup's destination, then updated field by field.
    let out = odoo(
        cp,
        &ns.name,
        &[
            "backup",
            "schedule",
            "shop",
            "--cron",
            "0 3 * * *",
            "--keep-last",
            "5",
            "--like",
            &first.name_any(),
        ],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "odoobackupschedule/shop created\n");
    let out = odoo(
        cp,
        &ns.name,
        &[
            "backup",
            "schedule",
            "shop",
            "--suspend",
            "--time-zone",
            "Europe/Brussels",
        ],
    )?;
    assert_eq!(
        text(&out.stdout),
        "odoobackupschedule/shop configured\n",
        "{out:?}"
    );
    let schedule: OdooBackupSchedule = ns.api().get("shop").await?;
    assert_eq!(schedule.spec.schedule, "0 3 * * *");
    assert_eq!(schedule.spec.keep_last, 5);
    assert!(schedule.spec.suspend);
    assert_eq!(schedule.spec.time_zone.as_deref(), Some("Europe/Brussels"));
    assert_eq!(
        schedule.spec.template.destination,
        first.spec.backup.destination
    );
    let no_cron = odoo(
        cp,
        &ns.name,
        &["backup", "schedule", "shop", "--name", "nightly"],
    )?;
    assert_eq!(no_cron.status.code(), Some(2), "{no_cron:?}");
    assert!(
        text(&no_cron.stderr).contains("--cron is required"),
        "{no_cron:?}"
    );

    // Deleting asks for confirmation, which CI cannot give.
    let unattended = odoo(cp, &ns.name, &["backup", "delete", &first.name_any()])?;
    assert_eq!(unattended.status.code(), Some(2), "{unattended:?}");
    assert!(text(&unattended.stderr).contains("--yes"), "{unattended:?}");
    let deleted = odoo(
        cp,
        &ns.name,
        &["backup", "delete", &first.name_any(), "--yes"],
    )?;
    assert!(deleted.status.success(), "{deleted:?}");
    // Nothing ran it (no operator here), so it stored no archive to wait for.
    assert_eq!(
        text(&deleted.stdout),
        format!("odoobackupjob/{} deleted\n", first.name_any()),
        "{deleted:?}"
    );
    assert!(jobs.get_opt(&first.name_any()).await?.is_none());
    let gone = odoo(
        cp,
        &ns.name,
        &["backup", "delete", &first.name_any(), "--yes"],
    )?;
    assert_eq!(gone.status.code(), Some(5), "{gone:?}");
    ns.delete().await;
    Ok(())
}

/// `backup list` output with the ages (which depend on the clock) replaced by `AGE`.
fn without_ages(table: &str) -> String {
    table
        .lines()
        .map(|l| {
            l.split("   ")
                .map(|c| {
                    let c = c.trim();
                    let is_age = c.len() > 1
                        && c[..c.len() - 1].chars().all(|ch| ch.is_ascii_digit())
                        && c.ends_with(['s', 'm', 'h', 'd']);
                    if is_age { "AGE" } else { c }
                })
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn backup_list_golden_table_json_and_yaml() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "backup-list").await?;
    backup(
        &ns,
        "shop-backup-1",
        s3_destination("backups"),
        json!({"phase": "Succeeded", "sizeBytes": 1_572_864, "location": "s3://backups/x/shop/1.zip",
               "sha256": "ab".repeat(32),
               "verified": {"method": "Archive", "result": "Passed", "message": "read back"}}),
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    backup(
        &ns,
        "shop-backup-2",
        s3_destination("backups"),
        json!({"phase": "Running"}),
    )
    .await?;

    let table = odoo(cp, &ns.name, &["backup", "list"])?;
    assert!(table.status.success(), "{table:?}");
    assert_eq!(
        without_ages(&text(&table.stdout)),
        "NAME | INSTANCE | PHASE | VERIFIED | SIZE | AGE | LOCATION\n\
         shop-backup-2 | shop | Running | - | - | AGE | -\n\
         shop-backup-1 | shop | Succeeded | Archive passed | 1.5 MiB | AGE | s3://backups/x/shop/1.zip"
    );
    let none = odoo(cp, &ns.name, &["backup", "list", "blog"])?;
    assert_eq!(text(&none.stdout), "");
    assert!(text(&none.stderr).contains("No backups found."), "{none:?}");

    // JSON and YAML: the same List, newest first, without managed fields.
    let json_out = odoo(cp, &ns.name, &["backup", "list", "-o", "json"])?;
    let listed: Value = serde_json::from_slice(&json_out.stdout)?;
    let yaml_out = odoo(cp, &ns.name, &["backup", "list", "-o", "yaml"])?;
    let yaml: Value = serde_norway::from_slice(&yaml_out.stdout)?;
    assert_eq!(listed, yaml);
    assert!(
        text(&yaml_out.stdout).starts_with("apiVersion: v1\nitems:\n"),
        "{yaml_out:?}"
    );
    let mut pinned = listed.clone();
    for item in pinned["items"].as_array_mut().expect("items") {
        let meta = item["metadata"].as_object_mut().expect("metadata");
        for volatile in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "namespace",
        ] {
            meta.remove(volatile);
        }
        item["spec"]["destination"]["s3"]["endpoint"] = json!("ENDPOINT");
    }
    let expected_item = |name: &str, status: Value| {
        json!({
            "apiVersion": "odoo-operator.dev/v1alpha1",
            "kind": "OdooBackupJob",
            "metadata": {"name": name},
            "spec": {
                "instanceRef": {"name": "shop"},
                "format": "Zip",
                "withFilestore": true,
                "destination": {"s3": {
                    "endpoint": "ENDPOINT", "bucket": "backups", "region": "us-east-1",
                    "credentials": {"secretName": "s3-creds", "accessKeyIdKey": "AWS_ACCESS_KEY_ID",
                                    "secretAccessKeyKey": "AWS_SECRET_ACCESS_KEY"},
                    "forcePathStyle": true, "insecureSkipTlsVerify": false,
                    "key": "{namespace}/{instance}/{timestamp}.{ext}"
                }}
            },
            "status": status,
        })
    };
    assert_eq!(
        pinned,
        json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                expected_item("shop-backup-2", json!({"phase": "Running"})),
                expected_item("shop-backup-1", json!({"phase": "Succeeded", "sizeBytes": 1_572_864,
                    "location": "s3://backups/x/shop/1.zip", "sha256": "ab".repeat(32),
                    "verified": {"method": "Archive", "result": "Passed", "message": "read back"}})),
            ]
        })
    );
    let names = odoo(cp, &ns.name, &["backup", "list", "-o", "name"])?;
    assert_eq!(
        text(&names.stdout),
        "odoobackupjob/shop-backup-2\nodoobackupjob/shop-backup-1\n"
    );

    // describe shows the recorded outcome; a missing backup is exit 5.
    let described = odoo(cp, &ns.name, &["backup", "describe", "shop-backup-1"])?;
    let described = text(&described.stdout);
    assert!(
        described.contains(&format!("SHA-256:     {}", "ab".repeat(32))),
        "{described}"
    );
    assert!(
        described.contains("Size:        1.5 MiB (1572864 bytes)"),
        "{described}"
    );
    let missing = odoo(cp, &ns.name, &["backup", "describe", "nosuch"])?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    let bad = odoo(cp, &ns.name, &["backup", "list", "-o", "xml"])?;
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn backup_download_verifies_the_checksum_and_leaves_nothing_when_wrong() -> anyhow::Result<()>
{
    let cp = api_server();
    let s3 = shared_s3();
    s3.create_bucket("plugin-download")?;
    let ns = TestNamespace::new(cp, "backup-download").await?;
    create_credentials(&ns).await?;
    let archive: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let key = format!("{}/shop/20260101T000000Z.zip", ns.name);
    s3.put("plugin-download", &key, archive.clone()).await?;
    let location = format!("s3://plugin-download/{key}");
    backup(&ns, "good", s3_destination("plugin-download"),
        json!({"phase": "Succeeded", "location": location, "sha256": sha256(&archive), "sizeBytes": archive.len()})).await?;
    backup(
        &ns,
        "corrupt",
        s3_destination("plugin-download"),
        json!({"phase": "Succeeded", "location": location, "sha256": "0".repeat(64)}),
    )
    .await?;
    backup(
        &ns,
        "on-volume",
        BackupDestination {
            pvc: Some(PvcDestination {
                claim_name: "backups".into(),
                path: "x.zip".into(),
            }),
            s3: None,
        },
        json!({"phase": "Succeeded", "location": "/backup/x.zip"}),
    )
    .await?;
    backup(
        &ns,
        "running",
        s3_destination("plugin-download"),
        json!({"phase": "Running"}),
    )
    .await?;

    let dir = tempfile::tempdir()?;
    let out = command(cp, &ns.name, &["backup", "download", "good", "shop.zip"])
        .current_dir(dir.path())
        .output()?;
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("sha256 verified"), "{out:?}");
    assert_eq!(std::fs::read(dir.path().join("shop.zip"))?, archive);
    // The default file name is the object's; an existing file needs --force.
    let again = command(
        cp,
        &ns.name,
        &["backup", "download", "good", "--file", "shop.zip"],
    )
    .current_dir(dir.path())
    .output()?;
    assert_eq!(again.status.code(), Some(5), "{again:?}");
    assert!(text(&again.stderr).contains("--force"), "{again:?}");
    let forced = command(cp, &ns.name, &["backup", "download", "good"])
        .current_dir(dir.path())
        .output()?;
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(
        std::fs::read(dir.path().join("20260101T000000Z.zip"))?,
        archive
    );
    let piped = odoo(cp, &ns.name, &["backup", "download", "good", "-"])?;
    assert_eq!(piped.stdout, archive);

    // A checksum that does not match: refused, and no file or partial file left.
    let wrong = command(
        cp,
        &ns.name,
        &["backup", "download", "corrupt", "corrupt.zip"],
    )
    .current_dir(dir.path())
    .output()?;
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert!(
        text(&wrong.stderr).contains("checksum mismatch"),
        "{wrong:?}"
    );
    assert!(!dir.path().join("corrupt.zip").exists());
    assert!(!dir.path().join("corrupt.zip.partial").exists());

    for (name, code, says) in [
        ("on-volume", 5, "not supported yet"),
        ("running", 5, "has not succeeded"),
        ("nosuch", 5, "not found"),
    ] {
        let out = command(cp, &ns.name, &["backup", "download", name])
            .current_dir(dir.path())
            .output()?;
        assert_eq!(out.status.code(), Some(code), "{name}: {out:?}");
        assert!(text(&out.stderr).contains(says), "{name}: {out:?}");
    }
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn restore_from_file_uploads_then_creates_the_job_with_its_checksum() -> anyhow::Result<()> {
    let cp = api_server();
    let s3 = shared_s3();
    s3.create_bucket("plugin-uploads")?;
    let ns = TestNamespace::new(cp, "restore-file").await?;
    create_credentials(&ns).await?;
    instance(&ns, "shop", None).await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("odoo-backup.zip");
    let archive: Vec<u8> = (0..7_000_000u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(&file, &archive)?;
    let file_arg = file.to_string_lossy().into_owned();
    let restores: Api<OdooRestoreJob> = ns.api();
    let args = [
        "restore",
        "shop",
        "--from-file",
        &file_arg,
        "--s3-endpoint",
        &s3.endpoint,
        "--bucket",
        "plugin-uploads",
        "--credentials-secret",
        "s3-creds",
        "--neutralize",
    ];

    // Unattended without --yes: the plan is shown, nothing is uploaded or created.
    let refused = odoo(cp, &ns.name, &args)?;
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("--yes") && stderr.contains("Restore plan"),
        "{stderr}"
    );
    assert!(restores.list(&Default::default()).await?.items.is_empty());

    let out = odoo(cp, &ns.name, &[&args[..], &["--yes"]].concat())?;
    assert!(out.status.success(), "{out:?}");
    let created = restores.list(&Default::default()).await?.items;
    assert_eq!(created.len(), 1, "{out:?}");
    let spec = &created[0].spec;
    assert_eq!(spec.sha256.as_deref(), Some(sha256(&archive).as_str()));
    assert!(spec.neutralize);
    let object = spec.source.s3.clone().expect("s3 source");
    assert!(
        object
            .key
            .starts_with(&format!("uploads/{}/shop/", ns.name))
            && object.key.ends_with("-odoo-backup.zip"),
        "{}",
        object.key
    );
    assert_eq!(object.bucket.credentials.secret_name, "s3-creds");
    assert_eq!(s3.get("plugin-uploads", &object.key).await?, archive);

    // Missing pieces: a backup that does not exist, an instance that does not, a
    // file that does not.
    let no_backup = odoo(
        cp,
        &ns.name,
        &["restore", "shop", "--from-backup", "nosuch", "--yes"],
    )?;
    assert_eq!(no_backup.status.code(), Some(5), "{no_backup:?}");
    let no_instance = odoo(
        cp,
        &ns.name,
        &["restore", "blog", "--latest-of", "shop", "--yes"],
    )?;
    assert_eq!(no_instance.status.code(), Some(5), "{no_instance:?}");
    let no_file = odoo(
        cp,
        &ns.name,
        &[
            "restore",
            "shop",
            "--from-file",
            "/nonexistent.zip",
            "--yes",
        ],
    )?;
    assert_eq!(no_file.status.code(), Some(2), "{no_file:?}");
    let no_source = odoo(cp, &ns.name, &["restore", "shop"])?;
    assert_eq!(no_source.status.code(), Some(2), "{no_source:?}");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn restore_into_a_new_instance_copies_the_spec() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "restore-into").await?;
    instance(&ns, "shop", Some("pg-a")).await?;
    backup(
        &ns,
        "shop-backup-1",
        s3_destination("backups"),
        json!({"phase": "Succeeded"}),
    )
    .await?;
    // Nothing is replaced, so no confirmation is needed.
    let out = odoo(
        cp,
        &ns.name,
        &[
            "restore",
            "shop",
            "--from-backup",
            "shop-backup-1",
            "--into",
            "shop-staging",
        ],
    )?;
    assert!(out.status.success(), "{out:?}");
    let copy: OdooInstance = ns.api().get("shop-staging").await?;
    assert!(!copy.spec.init.enabled);
    assert_eq!(copy.spec.database.cluster.as_deref(), Some("pg-a"));
    let restores: Vec<OdooRestoreJob> = ns.api().list(&Default::default()).await?.items;
    assert_eq!(restores.len(), 1);
    assert_eq!(restores[0].spec.instance_ref.name, "shop-staging");
    assert_eq!(
        restores[0].spec.source.backup_job.as_deref(),
        Some("shop-backup-1")
    );
    // The new name must be new.
    let taken = odoo(
        cp,
        &ns.name,
        &[
            "restore",
            "shop",
            "--from-backup",
            "shop-backup-1",
            "--into",
            "shop-staging",
        ],
    )?;
    assert_eq!(taken.status.code(), Some(5), "{taken:?}");
    assert!(text(&taken.stderr).contains("already exists"), "{taken:?}");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn migrate_cluster_shows_the_plan_and_creates_the_migration() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "migrate").await?;
    instance(&ns, "shop", Some("pg-a")).await?;
    let migrations: Api<OdooClusterMigration> = ns.api();

    let refused = odoo(cp, &ns.name, &["migrate-cluster", "shop", "--to", "pg-b"])?;
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(text(&refused.stderr).contains("pg-a ⇒ pg-b"), "{refused:?}");
    assert!(migrations.list(&Default::default()).await?.items.is_empty());

    let out = odoo(
        cp,
        &ns.name,
        &[
            "migrate-cluster",
            "shop",
            "--to",
            "pg-b",
            "--drop-source-after",
            "--yes",
        ],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert!(
        text(&out.stdout).starts_with("odooclustermigration/shop-migrate-"),
        "{out:?}"
    );
    let created = migrations.list(&Default::default()).await?.items;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].spec.target_cluster, "pg-b");
    assert!(created[0].spec.drop_source_after);

    let same = odoo(
        cp,
        &ns.name,
        &["migrate-cluster", "shop", "--to", "pg-a", "--yes"],
    )?;
    assert_eq!(same.status.code(), Some(5), "{same:?}");
    let missing = odoo(
        cp,
        &ns.name,
        &["migrate-cluster", "nosuch", "--to", "pg-b", "--yes"],
    )?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    let no_target = odoo(cp, &ns.name, &["migrate-cluster", "shop"])?;
    assert_eq!(no_target.status.code(), Some(2), "{no_target:?}");
    ns.delete().await;
    Ok(())
}
