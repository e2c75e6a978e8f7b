//! `kubectl odoo` on many instances at once (`-l`, `--max-parallel`): a fleet
//! upgrade runs at most N upgrade jobs at a time and ends with a summary and the
//! worst outcome as its exit code; stop, start and status take the same selection.
//!
//! kwok stands in for the kubelet of web pods; the upgrade jobs' `odoo --update`
//! (strategy InPlace) runs the simulated image's stand-in in the local-pods harness
//! (tests/src/local_pods/simulated_odoo.rs), and the image tag
//! `simulated/odoo:19.0-fails-in-jobs` makes a job's pod fail.

use std::time::Duration;

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, OdooInstance, OdooUpgradeJob};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::plugin::{odoo, text};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

const OLD: &str = "simulated/odoo:18.0-20250101";
const BROKEN: &str = "simulated/odoo:19.0-fails-in-jobs";
const FLEET: usize = 10;

fn member(i: usize) -> String {
    format!("fleet-{i}")
}

async fn create(api: &Api<OdooInstance>, name: &str, labels: serde_json::Value) {
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": name, "labels": labels },
        "spec": { "image": OLD, "replicas": 1, "autoUpgrade": { "strategy": "InPlace" } },
    }))
    .expect("instance");
    api.create(&PostParams::default(), &instance)
        .await
        .expect("create instance");
}

/// The most jobs whose lifetimes (creation to completion, as stored) overlap.
fn most_at_once(jobs: &[OdooUpgradeJob]) -> usize {
    let spans: Vec<_> = jobs
        .iter()
        .map(|j| {
            let start = j.creation_timestamp().expect("created").0;
            let end = j
                .status
                .as_ref()
                .and_then(|s| s.job.completion_time.clone())
                .unwrap_or_else(|| panic!("{} has no completion time", j.name_any()))
                .0;
            (start, end)
        })
        .collect();
    spans
        .iter()
        .map(|&(start, _)| {
            // Running at the moment `start`: begun by then and not yet ended.
            spans
                .iter()
                .filter(|&&(s, e)| s <= start && start < e)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Rows of the summary table on stdout (header left out), split into columns.
fn summary(stdout: &str) -> Vec<Vec<String>> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("INSTANCE"))
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_fleet_upgrade_runs_three_at_a_time_and_exits_with_the_worst_outcome()
-> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "fleet").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    for i in 0..FLEET {
        create(&api, &member(i), json!({ "team": "blue" })).await;
    }
    // Not selected: it must be left alone by every command below.
    create(&api, "outsider", json!({ "team": "red" })).await;
    for i in 0..FLEET {
        wait_for_phase(&api, &member(i), InstancePhase::Running, &op).await;
    }
    wait_for_phase(&api, "outsider", InstancePhase::Running, &op).await;

    // One member serves an image whose jobs fail: without automatic upgrades the
    // image rolls out at once, and its next upgrade job will fail.
    let broken = member(3);
    api.patch(
        &broken,
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "image": BROKEN, "autoUpgrade": { "enabled": false } } })),
    )
    .await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let status = api.get(&broken).await?.status.unwrap_or_default();
        if status.image.as_deref() == Some(BROKEN) && status.phase == Some(InstancePhase::Running) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{broken} never served {BROKEN}: {status:?}\n{}",
            op.log_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let upgrade = [
        "upgrade",
        "-l",
        "team=blue",
        "--strategy",
        "InPlace",
        "--max-parallel",
        "3",
        "--wait",
        "--timeout",
        "5m",
    ];
    // Nobody can confirm here: refused, nothing created.
    let refused = odoo(cp, &ns.name, &upgrade)?;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("--yes"),
        "{}",
        text(&refused.stderr)
    );
    let jobs: Api<OdooUpgradeJob> = ns.api();
    assert!(jobs.list(&Default::default()).await?.items.is_empty());

    let out = odoo(cp, &ns.name, &[&upgrade[..], &["--yes"]].concat())?;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(3),
        "stdout:\n{stdout}\nstderr:\n{stderr}\n{}",
        op.log_tail(30)
    );
    assert!(stderr.contains("10 instance(s), 3 at a time"), "{stderr}");
    let rows = summary(&stdout);
    assert_eq!(rows.len(), FLEET, "{stdout}");
    for row in &rows {
        let expected = if row[0] == broken {
            "Failed"
        } else {
            "Succeeded"
        };
        assert_eq!(row[1], expected, "{stdout}");
    }
    assert!(
        stderr.contains("1 of 10 failed to upgrade: fleet-3"),
        "{stderr}"
    );

    let done = jobs.list(&Default::default()).await?.items;
    assert_eq!(done.len(), FLEET, "one job per selected instance");
    assert!(done.iter().all(|j| j.spec.instance_ref.name != "outsider"));
    let at_once = most_at_once(&done);
    assert!(
        (1..=3).contains(&at_once),
        "{at_once} upgrade jobs ran at once"
    );

    // Stop and start the same selection; the outsider keeps running.
    let out = odoo(cp, &ns.name, &["stop", "-l", "team=blue", "--wait"])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = summary(&text(&out.stdout));
    assert_eq!(rows.len(), FLEET, "{}", text(&out.stdout));
    assert!(
        rows.iter().all(|r| r[1] == "Stopped"),
        "{}",
        text(&out.stdout)
    );
    for i in 0..FLEET {
        let stopped = api.get(&member(i)).await?;
        assert_eq!(stopped.spec.replicas, 0);
    }
    assert_eq!(api.get("outsider").await?.spec.replicas, 1);

    let out = odoo(
        cp,
        &ns.name,
        &["status", "-l", "team=blue", "--for", "Stopped"],
    )?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(summary(&text(&out.stdout)).len(), FLEET);

    let out = odoo(
        cp,
        &ns.name,
        &["start", "-l", "team=blue", "--wait", "--max-parallel", "10"],
    )?;
    // The broken member starts like the others (its pods are not jobs), so all
    // ten are ready.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = summary(&text(&out.stdout));
    assert!(
        rows.iter().all(|r| r[1] == "Ready"),
        "{}",
        text(&out.stdout)
    );

    // A table of the selection, and a name with a selection is a usage error.
    let out = odoo(cp, &ns.name, &["status", "-l", "team=blue"])?;
    let table = text(&out.stdout);
    assert_eq!(
        table.lines().filter(|l| l.starts_with("fleet-")).count(),
        FLEET,
        "{table}"
    );
    assert!(!table.contains("outsider"), "{table}");
    let out = odoo(cp, &ns.name, &["stop", "fleet-1", "-l", "team=blue"])?;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not both"),
        "{}",
        text(&out.stderr)
    );
    let out = odoo(cp, &ns.name, &["stop", "-l", "team=green"])?;
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("no Odoo instances match -l team=green"));

    // Ctrl-C during a fleet upgrade: nothing more starts, and what runs is named.
    // Upgrades scheduled an hour ahead wait, so two are surely still running.
    let later = (k8s_openapi::jiff::Timestamp::now()
        + k8s_openapi::jiff::SignedDuration::from_hours(1))
    .to_string();
    let fleet = odoo_tests::plugin::command(
        cp,
        &ns.name,
        &[
            "upgrade",
            "-l",
            "team=blue",
            "--at",
            &later,
            "--max-parallel",
            "2",
            "--wait",
            "--yes",
        ],
    )
    .stderr(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .spawn()?;
    let jobs_before = jobs.list(&Default::default()).await?.items.len();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while jobs.list(&Default::default()).await?.items.len() < jobs_before + 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first two upgrades were never created"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // kubectl runs a plugin in its own place (exec), so the signal reaches it.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &fleet.id().to_string()])
        .status()?;
    assert!(interrupted.success());
    let out = tokio::task::spawn_blocking(move || fleet.wait_with_output()).await??;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: 8 not started; still running (they go on in the cluster): fleet-0, fleet-1"),
        "{stderr}"
    );
    assert_eq!(
        jobs.list(&Default::default()).await?.items.len(),
        jobs_before + 2
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn version_names_an_operator_running_outside_the_cluster_by_its_lease() -> anyhow::Result<()>
{
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "version").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let _op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    // The operator runs as a process here, as in the demo: no Deployment to read.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let out = odoo(cp, &ns.name, &["version"])?;
        let stdout = text(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("Operator:"))
            .unwrap_or_default()
            .to_owned();
        if line.contains("outside the cluster") {
            assert!(line.contains(env!("CARGO_PKG_VERSION")), "{line}");
            // Other tests' operators hold Leases in this cluster too: any live one
            // names a leader, as `namespace/holder`.
            assert!(line.contains("leader ") && line.contains("-op/"), "{line}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the operator's Lease was never found: {stdout}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    ns.delete().await;
    Ok(())
}
