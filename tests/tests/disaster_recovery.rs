//! A disaster-recovery drill on the simulated cluster, with the real operator,
//! agent, PostgreSQL and S3 servers: two instances with scheduled, verified
//! backups lose their namespace (every resource gone; `deletionPolicy: Delete`
//! drops their databases). The namespace is made again, and each instance is
//! recreated from the bucket alone with the plugin: `backup list --from-s3` finds
//! their archives with no backup resource left, `create` then `restore --from-s3
//! --latest-of NS/NAME` brings the data back. The recovery time of each instance
//! (create to restored) is printed; the README quotes it.
//!
//! The instances run a simulated image (its init is the stand-in of
//! `local_pods::simulated_odoo`); the data that is lost and brought back is a table
//! the test writes as the instance's own role and reads with its own superuser
//! connection, and the bucket is read with the test's own client.

use std::time::Instant;

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, JobPhase, OdooBackupJob, OdooBackupSchedule, OdooInstance, names};
use odoo_tests::agent::{checksums, make_filestore};
use odoo_tests::local_pods::LOCAL_IMAGE;
use odoo_tests::operator::{
    OperatorProcess, operator_namespace, running_simulated_instance, wait_for_phase,
};
use odoo_tests::plugin::{odoo, text};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_like, scalar, superuser};
use odoo_tests::s3::{CREDENTIALS_SECRET, create_credentials, destination, shared_s3};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

const INSTANCES: [&str; 2] = ["shop", "crm"];
/// Rows of each instance's bulk table (about 10 MB of table).
const ROWS: u32 = 150_000;
/// Filestore files of each instance.
const FILES: usize = 40;

/// Writes the instance's own table, as its role (a dump as that role reads it).
async fn write_marker(database: &str, role: &str, value: &str) -> anyhow::Result<()> {
    let db = superuser(database).await?;
    db.batch_execute(&format!(
        "SET ROLE \"{role}\"; CREATE TABLE drill_marker (value text); \
         INSERT INTO drill_marker VALUES ('{value}'); \
         CREATE TABLE drill_rows AS SELECT g AS id, md5(g::text) AS digest \
         FROM generate_series(1, {ROWS}) g; RESET ROLE;"
    ))
    .await?;
    Ok(())
}

/// A succeeded backup of `instance` created after `after`.
async fn backed_up_after(
    ns: &TestNamespace,
    op: &OperatorProcess,
    instance: &str,
    after: k8s_openapi::jiff::Timestamp,
) -> OdooBackupJob {
    let jobs: Api<OdooBackupJob> = ns.api();
    op.until(
        &format!("a backup of {instance} after its data"),
        || async {
            let list = jobs.list(&Default::default()).await.ok()?;
            list.items.into_iter().find(|j| {
                j.spec.instance_ref.name == instance
                    && j.creation_timestamp().is_some_and(|t| t.0 > after)
                    && j.status.as_ref().and_then(|s| s.job.phase) == Some(JobPhase::Succeeded)
            })
        },
    )
    .await
}

#[tokio::test]
async fn instances_lost_with_their_namespace_come_back_from_the_bucket_alone() -> anyhow::Result<()>
{
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "drill").await?;
    let name = ns.name.clone();
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(
        cp,
        &op_ns,
        &[
            "--watch-namespace",
            &name,
            "--agent-image",
            "odoo-operator:test",
        ],
    )?;
    let pods = ns.local_pods()?;
    let bucket = name.clone();
    shared_s3().create_bucket(&bucket)?;
    create_credentials(&ns).await?;
    let instances: Api<OdooInstance> = ns.api();
    let mut markers = Vec::new();
    for instance in INSTANCES {
        let object: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": instance },
            "spec": { "image": LOCAL_IMAGE, "replicas": 1, "init": { "enabled": true },
                      "deletionPolicy": "Delete" },
        }))?;
        instances.create(&PostParams::default(), &object).await?;
    }
    // A third instance, deleted with the default `Retain`: its database outlives it.
    let legacy = running_simulated_instance(&instances, "legacy", json!({}), &op).await?;
    let legacy_db = legacy.spec.database.name.clone().expect("defaulted name");
    for instance in INSTANCES {
        let running = wait_for_phase(&instances, instance, InstancePhase::Running, &op).await;
        let database = running.spec.database.name.clone().expect("defaulted name");
        let role = running.spec.database.role.clone().expect("defaulted role");
        let marker = format!("{name}/{instance} before the disaster");
        let written = k8s_openapi::jiff::Timestamp::now();
        write_marker(&database, &role, &marker).await?;
        let files = pods
            .claim_dir(&names::filestore_pvc(instance))
            .join("filestore")
            .join(&database);
        make_filestore(&files, FILES, markers.len() as u64 + 7)?;
        let sums = checksums(&files)?;
        let schedule: OdooBackupSchedule = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupSchedule",
            "metadata": { "name": format!("{instance}-nightly") },
            "spec": { "instanceRef": { "name": instance }, "schedule": "*/10 * * * * *",
                      "template": { "destination": serde_json::to_value(destination(&bucket))?,
                                    "verify": "Archive" },
                      "keepLast": 5 },
        }))?;
        ns.api::<OdooBackupSchedule>()
            .create(&PostParams::default(), &schedule)
            .await?;
        markers.push((instance, database, marker, written, sums));
    }
    let mut newest = Vec::new();
    for (instance, _, _, written, _) in &markers {
        newest.push(backed_up_after(&ns, &op, instance, *written).await);
    }
    // A backup deleted with its archive takes its index record along: the bucket
    // never lists an archive it no longer holds.
    let first = newest[0].clone();
    let first_at = first.creation_timestamp().expect("created").0;
    newest[0] = backed_up_after(&ns, &op, INSTANCES[0], first_at).await;
    let deleted = odoo(cp, &name, &["backup", "delete", &first.name_any(), "--yes"])?;
    assert!(deleted.status.success(), "{deleted:?}\n{}", op.log_tail(30));
    let said = text(&deleted.stdout) + &text(&deleted.stderr);
    let first_record = record_key(&name, &first);
    assert!(said.contains(&first_record), "{said}");
    let keys = shared_s3().list(&bucket).await?;
    assert!(!keys.contains(&first_record), "{keys:?}");
    assert!(!keys.contains(&key_of(&bucket, &first)), "{keys:?}");

    // A drill deletes a quiet namespace: the schedules stop, running backups end.
    for instance in INSTANCES {
        ns.api::<OdooBackupSchedule>()
            .patch(
                &format!("{instance}-nightly"),
                &PatchParams::default(),
                &Patch::Merge(json!({ "spec": { "suspend": true } })),
            )
            .await?;
    }
    let jobs: Api<OdooBackupJob> = ns.api();
    op.until("the backups to end", || async {
        let list = jobs.list(&Default::default()).await.ok()?;
        list.items
            .iter()
            .all(|j| {
                j.status
                    .as_ref()
                    .and_then(|s| s.job.phase)
                    .is_some_and(JobPhase::is_finished)
            })
            .then_some(())
    })
    .await;

    // The disaster: the namespace goes, and with it every resource and (by the
    // instances' deletion policy) their databases.
    drop(pods);
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(ns.client.clone());
    ns.delete().await;
    op.until("the namespace to be gone", || async {
        matches!(namespaces.get_opt(&name).await, Ok(None)).then_some(())
    })
    .await;
    for (_, database, _, _, _) in &markers {
        let left = databases_like(database).await?;
        assert!(left.is_empty(), "{database} survived: {left:?}");
    }
    // What the bucket holds is what the disaster left: every archive, its digest
    // and its index record (read with the test's own client).
    let keys = shared_s3().list(&bucket).await?;
    for backup in &newest {
        let key = key_of(&bucket, backup);
        assert!(keys.contains(&key), "{key} not in {keys:?}");
        assert!(keys.contains(&format!("{key}.sha256")), "{keys:?}");
        let record = record_key(&name, backup);
        assert!(keys.contains(&record), "{record} not in {keys:?}");
    }

    // The recovery, with the plugin and the bucket alone.
    let ns = TestNamespace::named(cp, &name).await?;
    let pods = ns.local_pods()?;
    create_credentials(&ns).await?;
    let from = format!("s3://{bucket}");
    let endpoint = shared_s3().endpoint.clone();
    let s3_flags = [
        "--s3-endpoint",
        &endpoint,
        "--credentials-secret",
        CREDENTIALS_SECRET,
    ];
    let mut args = vec!["backup", "list", "--from-s3", &from];
    args.extend(s3_flags);
    let listed = odoo(cp, &name, &args)?;
    assert!(listed.status.success(), "{listed:?}");
    let table = text(&listed.stdout);
    for backup in &newest {
        let row = table
            .lines()
            .find(|l| l.contains(&backup.name_any()))
            .unwrap_or_else(|| panic!("{} not listed:\n{table}", backup.name_any()));
        assert!(
            row.contains("Archive passed") && row.contains(" yes "),
            "{row}"
        );
    }
    let mut times = Vec::new();
    for (instance, database, marker, _, sums) in &markers {
        let started = Instant::now();
        let created = odoo(
            cp,
            &name,
            &[
                "create",
                instance,
                "--image",
                LOCAL_IMAGE,
                "--wait",
                "--timeout",
                "5m",
            ],
        )?;
        assert!(created.status.success(), "{created:?}\n{}", op.log_tail(30));
        let latest = format!("{name}/{instance}");
        let mut args = vec![
            "restore",
            instance,
            "--from-s3",
            &from,
            "--latest-of",
            &latest,
            "--yes",
            "--wait",
            "--timeout",
            "10m",
        ];
        args.extend(s3_flags);
        let restored = odoo(cp, &name, &args)?;
        let elapsed = started.elapsed();
        assert!(
            restored.status.success(),
            "{restored:?}\n{:?}\n{}",
            pods.runs(),
            op.log_tail(30)
        );
        // All backups were verified: the newest one is taken, as the plan says.
        let said = text(&restored.stderr);
        let why = format!("the newest backup of {name}/{instance} in the bucket, verified");
        assert!(said.contains(&why), "{said}");
        let now_in = instances_db(&ns, instance).await?;
        assert_eq!(
            &now_in, database,
            "the instance's database name is derived again"
        );
        let back = scalar(database, "SELECT value FROM drill_marker").await?;
        assert_eq!(&back, marker);
        let rows = scalar(database, "SELECT count(*)::text FROM drill_rows").await?;
        assert_eq!(rows, ROWS.to_string());
        let files = pods
            .claim_dir(&names::filestore_pvc(instance))
            .join("filestore")
            .join(database);
        assert_eq!(
            &checksums(&files)?,
            sums,
            "the filestore is back, file for file"
        );
        let size = newest
            .iter()
            .find(|b| b.spec.instance_ref.name == *instance)
            .and_then(|b| b.status.clone()?.size_bytes)
            .unwrap_or_default();
        times.push((instance.to_string(), elapsed, size));
    }
    // The lost backups' archives have no resource now: `backup orphans` lists each
    // with whose it was, and the deleted backup's archive is not among them; the
    // retained database of `legacy` is listed from the operator's census (taken
    // again once the instances changed), the dropped ones are not.
    let mut args = vec![
        "backup",
        "orphans",
        "--operator-namespace",
        &op_ns,
        "--from-s3",
        &from,
    ];
    args.extend(s3_flags);
    let legacy_key = format!("main/{legacy_db} ");
    let listed = |table: &str| {
        table
            .lines()
            .any(|l| l.starts_with("database") && l.contains(&legacy_key))
    };
    let table = op
        .until("the census to list the retained database", || async {
            let out = odoo(cp, &name, &args).ok()?;
            let table = text(&out.stdout);
            (out.status.success() && listed(&table)).then_some(table)
        })
        .await;
    for (_, database, _, _, _) in &markers {
        assert!(!table.contains(&format!("/{database} ")), "{table}");
    }
    for backup in &newest {
        let key = key_of(&bucket, backup);
        let row = table
            .lines()
            .find(|l| l.contains(&key))
            .unwrap_or_else(|| panic!("{key} not an orphan:\n{table}"));
        let whose = format!(
            "{name}/{} {}",
            backup.spec.instance_ref.name,
            backup.name_any()
        );
        assert!(row.starts_with("archive") && row.contains(&whose), "{row}");
    }
    assert!(!table.contains(&key_of(&bucket, &first)), "{table}");

    for (instance, elapsed, size) in &times {
        eprintln!(
            "recovery time of {instance} (create, then restore of its newest backup from the bucket, an archive of {:.1} MiB): {:.1} s",
            *size as f64 / 1048576.0,
            elapsed.as_secs_f64()
        );
    }
    ns.delete().await;
    Ok(())
}

/// A backup's archive key in `bucket`.
fn key_of(bucket: &str, backup: &OdooBackupJob) -> String {
    let location = backup.status.as_ref().and_then(|s| s.location.as_ref());
    let text = location.map(ToString::to_string).unwrap_or_default();
    text.trim_start_matches(&format!("s3://{bucket}/"))
        .to_owned()
}

/// Where the bucket's index records a backup, written out here rather than taken
/// from the model crate, so a change of layout breaks this test.
fn record_key(namespace: &str, backup: &OdooBackupJob) -> String {
    format!(
        "_odoo-index/{namespace}/{}/{}-{}.json",
        backup.spec.instance_ref.name,
        backup
            .creation_timestamp()
            .expect("created")
            .0
            .strftime("%Y%m%dT%H%M%SZ"),
        backup.name_any()
    )
}

/// The database an instance uses, from its status.
async fn instances_db(ns: &TestNamespace, instance: &str) -> anyhow::Result<String> {
    let i = ns.api::<OdooInstance>().get(instance).await?;
    Ok(i.status.and_then(|s| s.database).unwrap_or_default())
}
