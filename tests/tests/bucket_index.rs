//! A backup's record in its bucket's index, on the simulated cluster with the real
//! operator, agent, PostgreSQL and S3 servers: an operator killed after the archive
//! was stored and proven (and, with `verify: Restore`, verified in a scratch
//! database since dropped), before the record was written, leaves the backup
//! unfinished (not Succeeded, no record); a fresh operator writes the record and
//! only then ends it Succeeded, without verifying again. The record is read from
//! the bucket by the test's own client and checked against the archive the test
//! reads and hashes itself.

use std::time::Duration;

use kube::api::{Api, PostParams};
use odoo_model::{JobPhase, OdooBackupJob, OdooInstance};
use odoo_tests::operator::{
    CRASH_AT, OperatorProcess, backup_finished, operator_namespace, running_simulated_instance,
};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::s3::{create_credentials, destination, shared_s3};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::{Value, json};

const POINT: &str = "backup-before-index-record";

#[tokio::test]
async fn a_backup_killed_before_its_index_record_is_recorded_by_the_next_operator()
-> anyhow::Result<()> {
    killed_before_the_record("index", "None").await
}

#[tokio::test]
async fn a_verified_backup_killed_before_its_index_record_is_not_verified_again()
-> anyhow::Result<()> {
    killed_before_the_record("index-verified", "Restore").await
}

async fn killed_before_the_record(prefix: &str, verify: &str) -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, prefix).await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let args = ["--watch-namespace", ns.name.as_str()];
    let mut op = OperatorProcess::start_with_env(cp, &op_ns, &args, &[(CRASH_AT, POINT)])?;
    let pods = ns.local_pods()?;
    let bucket = ns.name.clone();
    shared_s3().create_bucket(&bucket)?;
    create_credentials(&ns).await?;
    let instances: Api<OdooInstance> = ns.api();
    let running = running_simulated_instance(&instances, "shop", json!({}), &op).await?;
    let database = running.spec.database.name.clone().expect("defaulted name");
    let backups: Api<OdooBackupJob> = ns.api();
    let backup: OdooBackupJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupJob",
        "metadata": { "name": "nightly-1" },
        "spec": { "instanceRef": { "name": "shop" }, "verify": verify,
                  "destination": serde_json::to_value(destination(&bucket))? },
    }))?;
    let created = backups.create(&PostParams::default(), &backup).await?;

    let exit = op.wait_exit(Duration::from_secs(300)).await;
    assert!(
        exit.is_some() && op.crashed_at(POINT),
        "the operator did not stop at {POINT}: {exit:?}\n{:?}\n{}",
        pods.runs(),
        op.log_tail(30)
    );
    // The archive is stored; the backup is not Succeeded and has no record.
    let keys = shared_s3().list(&bucket).await?;
    let archive = keys
        .iter()
        .find(|k| k.ends_with(".zip"))
        .cloned()
        .unwrap_or_else(|| panic!("no archive in {keys:?}"));
    assert!(
        !keys.iter().any(|k| k.starts_with("_odoo-index/")),
        "{keys:?}"
    );
    let left = backups.get("nightly-1").await?;
    assert_ne!(
        left.status.and_then(|s| s.job.phase),
        Some(JobPhase::Succeeded)
    );

    let mut op = OperatorProcess::start(cp, &op_ns, &args)?;
    let done = backup_finished(&backups, "nightly-1", &op).await;
    assert_eq!(
        done.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}",
        done.job.message
    );
    // Its record, where the index puts it, describes the archive as the test reads it.
    let stamp = created
        .metadata
        .creation_timestamp
        .expect("created")
        .0
        .strftime("%Y%m%dT%H%M%SZ");
    let record_key = format!("_odoo-index/{}/shop/{stamp}-nightly-1.json", ns.name);
    let record: Value = serde_json::from_slice(&shared_s3().get(&bucket, &record_key).await?)?;
    let bytes = shared_s3().get(&bucket, &archive).await?;
    let sha = odoo_model::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert_eq!(record["key"], json!(archive));
    assert_eq!(record["sha256"], json!(sha));
    assert_eq!(record["sizeBytes"], json!(bytes.len()));
    assert_eq!(record["namespace"], json!(ns.name));
    assert_eq!(record["instance"], json!("shop"));
    assert_eq!(record["backup"], json!("nightly-1"));
    assert_eq!(record["database"], json!(database));
    op.kill();
    ns.delete().await;
    Ok(())
}
