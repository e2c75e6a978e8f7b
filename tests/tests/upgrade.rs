//! Upgrades on the simulated cluster with a real PostgreSQL server, strategy
//! InPlace (the lifecycle around any upgrade; tests/upgrade_copy.rs covers the
//! Copy strategy's data path): an image change runs `odoo --update` with the new
//! image first (cron held at zero), a failure keeps the old image serving, a
//! success rolls the new one out, and a new image whose pods never become ready is
//! rolled back.
//!
//! kwok stands in for the kubelet of web and cron pods, and the local-pods harness
//! runs the Job pods' `odoo` (tests/src/local_pods/simulated_odoo.rs), which writes
//! what Odoo's init and update leave. Image tags make job pods fail
//! (`simulated/odoo:19.0-fails-in-jobs`), an update stop halfway, or pods never pass
//! readiness (`simulated/odoo:19.0-never-ready`, hack/kwok-stages.yaml).

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooUpgradeJob, names};
use odoo_tests::local_pods::simulated_odoo;
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::superuser;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

const OLD: &str = "simulated/odoo:18.0-20250101";

async fn start(
    prefix: &str,
    spec: serde_json::Value,
) -> anyhow::Result<(TestNamespace, OperatorProcess, Api<OdooInstance>)> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, prefix).await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    let mut spec = spec;
    spec["autoUpgrade"]["strategy"] = json!("InPlace");
    spec["init"] = json!({ "modules": ["base", "sale"] });
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": spec,
    }))?;
    api.create(&PostParams::default(), &instance).await?;
    wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    Ok((ns, op, api))
}

async fn database(api: &Api<OdooInstance>) -> anyhow::Result<String> {
    let shop = api.get("shop").await?;
    Ok(shop.spec.database.name.expect("defaulted database name"))
}

/// The state of module `name` in the instance's database.
async fn module_state(api: &Api<OdooInstance>, name: &str) -> anyhow::Result<String> {
    let row = superuser(&database(api).await?)
        .await?
        .query_one(
            "SELECT state::text FROM ir_module_module WHERE name = $1",
            &[&name],
        )
        .await?;
    Ok(row.get(0))
}

async fn set_image(api: &Api<OdooInstance>, image: &str) -> anyhow::Result<()> {
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "image": image } })),
    )
    .await?;
    Ok(())
}

fn image_of(d: &Deployment) -> Option<String> {
    d.spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .first()?
        .image
        .clone()
}

fn replicas_of(d: &Deployment) -> (i32, i32) {
    (
        d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0),
        d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0),
    )
}

/// Follows the upgrade job for `image` to its end. While its batch Job exists and
/// runs, the cron Deployment must be at zero (wanted and running): asserted on
/// every poll. Returns the finished job and how many polls saw the batch Job.
async fn follow_upgrade(
    ns: &TestNamespace,
    image: &str,
    op: &OperatorProcess,
) -> (OdooUpgradeJob, usize) {
    let jobs: Api<OdooUpgradeJob> = ns.api();
    let batch: Api<Job> = ns.api();
    let deployments: Api<Deployment> = ns.api();
    let mut seen_running = 0;
    for _ in 0..600 {
        let list = jobs
            .list(&Default::default())
            .await
            .expect("list upgrade jobs");
        if let Some(job) = list
            .items
            .into_iter()
            .find(|j| j.spec.image.as_deref() == Some(image))
        {
            let phase = job.status.as_ref().and_then(|s| s.job.phase);
            if phase.is_some_and(JobPhase::is_finished) {
                return (job, seen_running);
            }
            let running_batch = batch
                .get_opt(&format!("{}-job", job.name_any()))
                .await
                .expect("read batch job")
                .filter(|j| {
                    j.status
                        .as_ref()
                        .and_then(|s| s.completion_time.as_ref())
                        .is_none()
                });
            if running_batch.is_some() {
                let cron = deployments
                    .get(&names::cron_deployment("shop"))
                    .await
                    .expect("cron deployment");
                assert_eq!(
                    replicas_of(&cron),
                    (0, 0),
                    "cron must be stopped while odoo --update runs"
                );
                seen_running += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the upgrade to {image} never finished:\n{}",
        op.log_tail(40)
    );
}

#[tokio::test]
async fn a_failed_upgrade_keeps_the_old_image_and_a_good_one_rolls_out() -> anyhow::Result<()> {
    let (ns, op, api) = start("upgrade", json!({ "image": OLD, "replicas": 1 })).await?;
    let deployments: Api<Deployment> = ns.api();

    // A failing upgrade: the job's pod exits 1.
    let broken = "simulated/odoo:19.0-fails-in-jobs";
    set_image(&api, broken).await?;
    let (job, polls) = follow_upgrade(&ns, broken, &op).await;
    assert_eq!(
        job.status.as_ref().and_then(|s| s.job.phase),
        Some(JobPhase::Failed)
    );
    let message = job.status.and_then(|s| s.job.message).unwrap_or_default();
    assert!(message.contains("kubectl logs job/"), "{message}");
    println!("cron asserted at zero on {polls} polls of a running upgrade");
    let failed = wait_for_phase(&api, "shop", InstancePhase::UpgradeFailed, &op).await;
    assert_eq!(failed.status.and_then(|s| s.image).as_deref(), Some(OLD));
    let web = deployments.get(&names::web_deployment("shop")).await?;
    assert_eq!(
        image_of(&web).as_deref(),
        Some(OLD),
        "the old image keeps serving"
    );
    assert!(!ns.warnings("UpgradeFailed").await.is_empty());
    // Cron is back while the old image serves.
    let mut cron_back = false;
    for _ in 0..100 {
        let cron = deployments.get(&names::cron_deployment("shop")).await?;
        if replicas_of(&cron).0 == 1 {
            cron_back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(cron_back, "cron replicas restored after the failed upgrade");

    // A good image: upgraded first, then rolled out.
    let good = "simulated/odoo:18.0-20250201";
    set_image(&api, good).await?;
    let (job, polls) = follow_upgrade(&ns, good, &op).await;
    assert_eq!(
        job.status.as_ref().and_then(|s| s.job.phase),
        Some(JobPhase::Succeeded)
    );
    assert!(polls > 0, "the batch Job was never seen running");
    let running = wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    assert_eq!(running.status.and_then(|s| s.image).as_deref(), Some(good));
    let web = deployments.get(&names::web_deployment("shop")).await?;
    assert_eq!(image_of(&web).as_deref(), Some(good));
    let cron = deployments.get(&names::cron_deployment("shop")).await?;
    assert_eq!(
        (image_of(&cron).as_deref(), replicas_of(&cron).0),
        (Some(good), 1)
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn an_image_whose_pods_never_get_ready_is_rolled_back() -> anyhow::Result<()> {
    let spec = json!({
        "image": OLD, "replicas": 1,
        "autoUpgrade": { "rollbackWindowSeconds": 30 },
    });
    let (ns, op, api) = start("rollback", spec).await?;
    let deployments: Api<Deployment> = ns.api();
    let bad = "simulated/odoo:19.0-never-ready";
    set_image(&api, bad).await?;
    let (job, _) = follow_upgrade(&ns, bad, &op).await;
    assert_eq!(
        job.status.as_ref().and_then(|s| s.job.phase),
        Some(JobPhase::Succeeded)
    );
    // The new image rolls out and its pods never become ready (the old pod keeps
    // serving meanwhile, as a rolling update does).
    let mut rolled_out = false;
    for _ in 0..100 {
        let web = deployments.get(&names::web_deployment("shop")).await?;
        if image_of(&web).as_deref() == Some(bad) {
            rolled_out = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(rolled_out, "the upgraded image was never rolled out");

    let failed = wait_for_phase(&api, "shop", InstancePhase::UpgradeFailed, &op).await;
    let status = failed.status.clone().unwrap_or_default();
    assert_eq!(status.image.as_deref(), Some(OLD));
    let rolled = status.conditions.iter().find(|c| c.type_ == "RolledBack");
    assert_eq!(
        rolled.map(|c| c.status.as_str()),
        Some("True"),
        "{:?}",
        status.conditions
    );
    let web = deployments.get(&names::web_deployment("shop")).await?;
    assert_eq!(
        image_of(&web).as_deref(),
        Some(OLD),
        "the image was reverted"
    );
    let events = ns.warnings("UpgradeRolledBack").await;
    assert!(
        events
            .iter()
            .any(|m| m.contains("reverted to simulated/odoo:18.0-20250101")),
        "{events:?}"
    );
    // The upgrade job's own controller records the rollback the instance decided.
    let jobs: Api<OdooUpgradeJob> = ns.api();
    op.until("the upgrade job recorded its rollback", || async {
        let job = jobs.get(&job.name_any()).await.ok()?;
        job.status.is_some_and(|s| s.rolled_back).then_some(())
    })
    .await;
    ns.delete().await;
    Ok(())
}

/// `odoo --update` exits 0, yet a module is still marked `to upgrade` (an update
/// that stopped halfway): the exit code is no proof, the job fails saying which
/// module, and the old image keeps serving. A working image then takes the module
/// the rest of the way.
#[tokio::test]
async fn an_update_that_exits_0_but_leaves_a_module_halfway_fails() -> anyhow::Result<()> {
    let (ns, op, api) = start("upgrade-halfway", json!({ "image": OLD, "replicas": 1 })).await?;
    let deployments: Api<Deployment> = ns.api();
    let halfway = simulated_odoo::STOPS_HALFWAY;
    set_image(&api, halfway).await?;
    let (job, _) = follow_upgrade(&ns, halfway, &op).await;
    let status = job.status.clone().unwrap_or_default();
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains("exited successfully")
            && message.contains("sale (to upgrade)")
            && message.contains("kubectl logs job/"),
        "{message}"
    );
    let failed = wait_for_phase(&api, "shop", InstancePhase::UpgradeFailed, &op).await;
    assert_eq!(failed.status.and_then(|s| s.image).as_deref(), Some(OLD));
    let web = deployments.get(&names::web_deployment("shop")).await?;
    assert_eq!(image_of(&web).as_deref(), Some(OLD), "the old image serves");
    assert!(
        ns.warnings("UpgradeFailed")
            .await
            .iter()
            .any(|m| m.contains("sale (to upgrade)")),
        "the instance's event names the module"
    );

    assert_eq!(module_state(&api, "sale").await?, "to upgrade");

    // A working image, asked for under a new job, updates what was left halfway.
    let next = "simulated/odoo:18.0-20250201";
    let jobs: Api<OdooUpgradeJob> = ns.api();
    jobs.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooUpgradeJob",
            "metadata": { "name": "again" },
            "spec": { "instanceRef": { "name": "shop" }, "image": next },
        }))?,
    )
    .await?;
    let running = wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    let again = jobs.get("again").await?.status.unwrap_or_default();
    assert_eq!(
        again.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}",
        again.job.message
    );
    assert_eq!(running.status.and_then(|s| s.image).as_deref(), Some(next));
    ns.delete().await;
    Ok(())
}

/// `kubectl odoo upgrade … --wait` in the test namespace: exit code, stdout, stderr.
fn plugin_upgrade(ns: &TestNamespace, image: &str) -> (Option<i32>, String, String) {
    let out =
        std::process::Command::new(odoo_tests::workspace_binary("kubectl-odoo", "kubectl-odoo"))
            .env("KUBECONFIG", &simulated_cluster().kubeconfig)
            .args([
                "upgrade",
                "shop",
                "-n",
                &ns.name,
                "--image",
                image,
                "--wait",
                "--timeout",
                "3m",
            ])
            .output()
            .expect("run kubectl-odoo");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn kubectl_odoo_upgrade_waits_and_exits_with_the_outcome() -> anyhow::Result<()> {
    let spec = json!({
        "image": OLD, "replicas": 1,
        "autoUpgrade": { "rollbackWindowSeconds": 30 },
    });
    let (ns, op, api) = start("plugin-upgrade", spec).await?;
    let (code, stdout, stderr) = plugin_upgrade(&ns, "simulated/odoo:19.0-fails-in-jobs");
    assert_eq!(
        code,
        Some(3),
        "stdout: {stdout}\nstderr: {stderr}\n{}",
        op.log_tail(20)
    );
    assert!(
        stdout.contains("odooupgradejob/shop-upgrade-") && stdout.contains("created"),
        "{stdout}"
    );
    assert!(
        stderr.contains("failed") && stderr.contains("kubectl logs job/"),
        "{stderr}"
    );
    // The spec never named the broken image, so the instance goes back to serving
    // the old one as before.
    let back = wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    assert_eq!(back.spec.image.as_deref(), Some(OLD));
    assert_eq!(back.status.and_then(|s| s.image).as_deref(), Some(OLD));

    // The plugin's job names the image; on success the operator makes it the spec's.
    let good = "simulated/odoo:18.0-20250301";
    let (code, _, stderr) = plugin_upgrade(&ns, good);
    assert_eq!(code, Some(0), "{stderr}\n{}", op.log_tail(20));
    let running = wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    assert_eq!(running.spec.image.as_deref(), Some(good));
    assert_eq!(running.status.and_then(|s| s.image).as_deref(), Some(good));

    // The job succeeds, then the new pods never get ready and the image is rolled
    // back: --wait lasts until then and exits 3, and the previous image serves.
    let (code, stdout, stderr) = plugin_upgrade(&ns, "simulated/odoo:19.0-never-ready");
    assert_eq!(
        code,
        Some(3),
        "stdout: {stdout}\nstderr: {stderr}\n{}",
        op.log_tail(20)
    );
    assert!(stderr.contains("was rolled back"), "{stderr}");
    let back = api.get("shop").await?;
    assert_eq!(back.status.and_then(|s| s.image).as_deref(), Some(good));

    let (code, _, stderr) = plugin_upgrade(&ns, "odoo:latest");
    assert_eq!(
        code,
        Some(1),
        "an unpinned image is refused by the API server: {stderr}"
    );
    assert!(stderr.contains("pinned"), "{stderr}");
    ns.delete().await;
    Ok(())
}

/// An image whose `odoo --update` exits 0 having written nothing: the exit code is
/// no proof. The job fails, naming the modules the update did not write, and the
/// old image keeps serving.
#[tokio::test]
async fn an_update_whose_odoo_does_nothing_fails() -> anyhow::Result<()> {
    let (ns, op, api) = start("upgrade-idle", json!({ "image": OLD, "replicas": 1 })).await?;
    let idle = simulated_odoo::DOES_NOTHING;
    set_image(&api, idle).await?;
    let (job, _) = follow_upgrade(&ns, idle, &op).await;
    let status = job.status.clone().unwrap_or_default();
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains("exited successfully")
            && message.contains("did not update base, sale")
            && message.contains("not written since it started"),
        "{message}"
    );
    assert!(status.update_started.is_some(), "{status:?}");
    let failed = wait_for_phase(&api, "shop", InstancePhase::UpgradeFailed, &op).await;
    assert_eq!(failed.status.and_then(|s| s.image).as_deref(), Some(OLD));
    ns.delete().await;
    Ok(())
}

/// An init whose `odoo` exits 0 having done nothing fails: the operator finds no
/// module table, and the instance rests at InitFailed instead of serving an empty
/// database.
#[tokio::test]
async fn an_init_whose_odoo_does_nothing_fails() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "init-idle").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "image": simulated_odoo::DOES_NOTHING, "replicas": 1 },
    }))?;
    api.create(&PostParams::default(), &instance).await?;
    wait_for_phase(&api, "shop", InstancePhase::InitFailed, &op).await;
    let init: odoo_model::OdooInitJob = ns.api().get("shop-init").await?;
    let status = init.status.unwrap_or_default().job;
    let message = status.message.unwrap_or_default();
    assert_eq!(status.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains("exited successfully") && message.contains("initialized nothing"),
        "{message}"
    );
    ns.delete().await;
    Ok(())
}
