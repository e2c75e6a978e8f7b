//! Kept databases expire, on the simulated cluster with the real PostgreSQL server,
//! the real operator and the real agent: three restores into an instance with
//! `keptDatabases.maxCount: 1` leave one kept database and one kept filestore
//! directory, the newest; the status and `kubectl odoo status` show it with its
//! size; `delete --purge` then leaves no database of the instance and finishes.
//! The databases are read by the test's own superuser connection, not the
//! operator's.

use std::time::{Duration, Instant};

use kube::api::{Api, PostParams};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob, names};
use odoo_tests::agent::{Database, make_filestore};
use odoo_tests::local_pods::LOCAL_IMAGE;
use odoo_tests::odoo_zip::odoo_made_zip;
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::plugin::{odoo, text};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_like, databases_of};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

#[tokio::test]
async fn three_restores_keep_one_database_with_max_count_one_and_purge_leaves_none()
-> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "kept").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let pods = ns.local_pods()?;
    let instances: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": {
            "image": LOCAL_IMAGE, "replicas": 1, "init": { "enabled": true },
            "keptDatabases": { "maxCount": 1 },
        },
    }))?;
    instances.create(&PostParams::default(), &instance).await?;
    let running = wait_for_phase(&instances, "shop", InstancePhase::Running, &op).await;
    let database = running.spec.database.name.clone().expect("defaulted name");

    // One small Odoo-made archive on a claim, restored three times.
    let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": { "name": "uploads" },
        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } },
    }))?;
    ns.api().create(&PostParams::default(), &claim).await?;
    let zip = pods.claim_dir("uploads").join("small.zip");
    let files = tempfile::tempdir()?;
    let dir = files.path().to_path_buf();
    let source = tokio::task::spawn_blocking(move || -> anyhow::Result<Database> {
        let db = Database::create("kept_src", "kept_src_owner")?;
        db.populate_odoo_like(1)?;
        make_filestore(&dir, 5, 3)?;
        odoo_made_zip(&db, &dir, true, &zip);
        Ok(db)
    })
    .await??;
    let restores: Api<OdooRestoreJob> = ns.api();
    let mut kept_by_restores = Vec::new();
    for n in 1..=3 {
        let name = format!("restore-{n}");
        let job: OdooRestoreJob = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
            "metadata": { "name": name },
            "spec": { "instanceRef": { "name": "shop" },
                      "source": { "pvc": { "claimName": "uploads", "path": "small.zip" } } },
        }))?;
        restores.create(&PostParams::default(), &job).await?;
        let done = op
            .until(&format!("{name} to finish"), || async {
                let job = restores.get(&name).await.ok()?;
                let status = job.status?;
                status
                    .job
                    .phase
                    .is_some_and(JobPhase::is_finished)
                    .then_some(status)
            })
            .await;
        assert_eq!(
            done.job.phase,
            Some(JobPhase::Succeeded),
            "{:?}\n{:?}",
            done.job.message,
            pods.runs()
        );
        kept_by_restores.push(done.previous_database_name.expect("a kept database"));
        wait_for_phase(&instances, "shop", InstancePhase::Running, &op).await;
    }
    drop(source);

    // One remains: the newest, the third restore's.
    let newest = kept_by_restores.last().cloned().expect("three restores");
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let left = databases_of(&database, "pre_restore").await?;
        if left == std::slice::from_ref(&newest) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "kept databases left: {left:?}; warnings: {:?}; pods run: {:?}\n{}",
            ns.warnings("KeptDatabaseDropFailed").await,
            pods.runs(),
            op.log_tail(20)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let kept_dirs: Vec<String> = std::fs::read_dir(
        pods.claim_dir(&names::filestore_pvc("shop"))
            .join("filestore"),
    )?
    .flatten()
    .map(|e| e.file_name().to_string_lossy().into_owned())
    .filter(|n| n.contains("_pre_restore_"))
    .collect();
    assert_eq!(
        kept_dirs,
        std::slice::from_ref(&newest),
        "the kept files follow"
    );
    // Each drop is announced once it is done: the events may trail the listing.
    let dropped = op
        .until(
            "a KeptDatabaseDropped event for each older kept database",
            || async {
                let events = ns.events("KeptDatabaseDropped").await;
                let said = |older: &String| {
                    events.iter().filter_map(|e| e.message.as_deref()).any(|m| {
                        m.contains(older.as_str()) && m.contains("beyond keptDatabases.maxCount 1")
                    })
                };
                kept_by_restores[..2].iter().all(said).then_some(events)
            },
        )
        .await;
    assert_eq!(dropped.len(), 2, "{dropped:?}");
    // The status lists it with its size, and `status` prints it.
    let shown = op
        .until("the status to list the kept database", || async {
            let status = instances.get("shop").await.ok()?.status?;
            (status.kept_databases.len() == 1 && status.kept_databases[0].name == newest)
                .then_some(status.kept_databases[0].clone())
        })
        .await;
    assert_eq!(shown.reason, "restore");
    assert!(shown.size_bytes > 0, "{shown:?}");
    let printed = text(&odoo(cp, &ns.name, &["status", "shop"])?.stdout);
    assert!(
        printed.contains(&format!("kept database {newest} (restore, ")),
        "{printed}"
    );

    // Purge: every database of the instance goes, kept ones included, and the
    // command's wait ends.
    let out = odoo(
        cp,
        &ns.name,
        &[
            "delete",
            "shop",
            "--purge",
            "--yes",
            "--wait",
            "--timeout",
            "5m",
        ],
    )?;
    assert!(out.status.success(), "{out:?}\n{}", op.log_tail(30));
    let prefix: String = database.chars().take(36).collect();
    let left = databases_like(&format!("{}%", prefix.replace('_', "\\_"))).await?;
    assert!(left.is_empty(), "{left:?}");
    ns.delete().await;
    Ok(())
}
