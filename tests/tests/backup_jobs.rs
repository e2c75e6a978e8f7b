//! Backup jobs on the simulated cluster with a real PostgreSQL server: the job pod
//! the operator builds, the instance's BackingUp phase, and a backup of a Stopped
//! instance. The local-pods harness runs the real agent for the job's pod (kwok
//! runs no containers), so the archive really lands on the volume's directory.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, JobPhase, OdooBackupJob, OdooInstance};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::{TestNamespace, plugin, simulated_cluster};
use serde_json::json;

#[tokio::test]
async fn a_stopped_instance_is_backed_up_by_an_agent_pod() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "backup").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(
        cp,
        &op_ns,
        &[
            "--watch-namespace",
            &ns.name,
            "--agent-image",
            "odoo-operator:test",
        ],
    )?;
    let pods = ns.local_pods()?;
    let api: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "image": "simulated/odoo:18.0-20250101", "replicas": 1 },
    }))?;
    api.create(&PostParams::default(), &instance).await?;
    wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "replicas": 0 } })),
    )
    .await?;
    wait_for_phase(&api, "shop", InstancePhase::Stopped, &op).await;

    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": { "name": "backups" },
        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } },
    }))?;
    ns.api::<PersistentVolumeClaim>()
        .create(&PostParams::default(), &claim)
        .await?;
    let backup: OdooBackupJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupJob",
        "metadata": { "name": "before-maintenance" },
        "spec": { "instanceRef": { "name": "shop" }, "destination": { "pvc": { "claimName": "backups" } } },
    }))?;
    // Never backed up: stale for `backup check`, exit 3 naming it.
    let check = plugin::odoo(cp, &ns.name, &["backup", "check", "--max-age", "1h"])?;
    assert_eq!(check.status.code(), Some(3), "{check:?}");
    let said = plugin::text(&check.stderr);
    assert!(
        said.contains(&format!(
            "1 of 1 instance(s) have no backup newer than 1h: {}/shop",
            ns.name
        )),
        "{said}"
    );
    let jobs: Api<OdooBackupJob> = ns.api();
    jobs.create(&PostParams::default(), &backup).await?;

    // Follow it: the instance enters BackingUp while it runs (as recorded), the job
    // ends Succeeded.
    let mut finished = None;
    for _ in 0..600 {
        let job = jobs.get("before-maintenance").await?;
        if job
            .status
            .as_ref()
            .and_then(|s| s.job.phase)
            .is_some_and(JobPhase::is_finished)
        {
            finished = Some(job);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let job = finished.unwrap_or_else(|| panic!("the backup never finished:\n{}", op.log_tail(30)));
    let status = job.status.clone().unwrap_or_default();
    assert_eq!(
        status.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}",
        status.job.message
    );
    ns.wait_for_transition("shop", InstancePhase::BackingUp, Duration::from_secs(120))
        .await;
    let location = status
        .location
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let prefix = format!("/backup/{}/shop/", ns.name);
    assert!(
        location.starts_with(&prefix) && location.ends_with(".zip"),
        "{location}"
    );
    assert_eq!(status.odoo_version.as_deref(), Some("18.0"));
    // The file on the volume is the archive the status describes.
    let file = pods
        .claim_dir("backups")
        .join(location.trim_start_matches("/backup/"));
    let bytes = std::fs::read(&file)?;
    assert_eq!(status.size_bytes, Some(bytes.len() as i64));
    assert_eq!(
        status.sha256.as_deref(),
        Some(odoo_model::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)).as_str())
    );

    // The pod the operator built: agent copied from the operator image, run in the
    // instance's image with the filestore read-only and the volume destination.
    let batch: Job = ns.api().get("before-maintenance-job").await?;
    let pod = batch.spec.and_then(|s| s.template.spec).expect("pod spec");
    let init = &pod.init_containers.as_ref().expect("init containers")[0];
    assert_eq!(init.image.as_deref(), Some("odoo-operator:test"));
    let c = &pod.containers[0];
    assert_eq!(c.image.as_deref(), Some("simulated/odoo:18.0-20250101"));
    let env = c.env.clone().unwrap_or_default();
    assert!(env.iter().any(
        |e| e.name == "ODOO_AGENT_DESTINATION" && e.value.as_deref() == Some(location.as_str())
    ));
    let volumes = pod.volumes.clone().unwrap_or_default();
    assert!(volumes.iter().any(|v| {
        v.persistent_volume_claim
            .as_ref()
            .is_some_and(|c| c.claim_name == "backups")
    }));

    // Back to Stopped, with the backup recorded on the instance.
    let stopped = wait_for_phase(&api, "shop", InstancePhase::Stopped, &op).await;
    let last = stopped.status.and_then(|s| s.last_backup);
    assert_eq!(
        last.as_ref().map(|b| b.name.as_str()),
        Some("before-maintenance")
    );
    assert_eq!(last.and_then(|b| b.size_bytes), status.size_bytes);

    // Fresh now; not for --verified (it was not verified).
    let check = plugin::odoo(cp, &ns.name, &["backup", "check", "--max-age", "1h"])?;
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let verified = ["backup", "check", "--max-age", "1h", "--verified"];
    let check = plugin::odoo(cp, &ns.name, &verified)?;
    assert_eq!(check.status.code(), Some(3), "{check:?}");
    assert!(
        plugin::text(&check.stdout).contains("before-maintenance"),
        "{check:?}"
    );
    // Its age in `list`, its record in `status`.
    let list = plugin::text(&plugin::odoo(cp, &ns.name, &["list"])?.stdout);
    let header: Vec<&str> = list
        .lines()
        .next()
        .unwrap_or_default()
        .split("  ")
        .filter(|c| !c.is_empty())
        .map(str::trim)
        .collect();
    let row: Vec<&str> = list
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let column = header
        .iter()
        .position(|h| *h == "LAST BACKUP")
        .expect("LAST BACKUP column");
    assert!(
        row[column].ends_with('s') || row[column].ends_with('m'),
        "{list}"
    );
    let shown = plugin::text(&plugin::odoo(cp, &ns.name, &["status", "shop"])?.stdout);
    assert!(
        shown.contains("last backup before-maintenance at ") && shown.contains("not verified)"),
        "{shown}"
    );
    // The operator's metric for alerts, per instance.
    let series = format!(
        "odoo_instance_last_backup_timestamp_seconds{{namespace=\"{}\",instance=\"shop\"}} ",
        ns.name
    );
    let metrics = op.metrics();
    assert!(metrics.contains(&series), "{metrics}");
    // The chart's alert reads that series: the one metric it names is the one the
    // operator serves, and for a backup seconds old it holds no instance.
    let rule = odoo_tests::helm::Helm::offline()?.template(
        "rule",
        &ns.name,
        &[
            ("metrics.prometheusRule.enabled", "true"),
            ("metrics.prometheusRule.backupMaxAgeSeconds", "3600"),
        ],
    )?;
    let expr = rule
        .lines()
        .find_map(|l| l.trim().strip_prefix("expr: "))
        .expect("the alert's expression");
    let (query, limit) = expr.split_once(" > ").expect("a threshold");
    assert_eq!(limit, "3600", "{expr}");
    assert!(
        query.contains("(odoo_instance_last_backup_timestamp_seconds)"),
        "{expr}"
    );
    let completed: i64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .and_then(|v| v.trim().parse().ok())
        .expect("the series' value");
    let age = k8s_openapi::jiff::Timestamp::now().as_second() - completed;
    assert!((0..3600).contains(&age), "{age}");
    ns.delete().await;
    Ok(())
}
