//! The operator killed (SIGKILL) in different phases and restarted converges to the
//! same end state as an uninterrupted run: every step is resumable from what is
//! stored in the API server.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, OdooInitJob, OdooInstance};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::{Value, json};

fn instance(name: &str, spec: Value) -> anyhow::Result<OdooInstance> {
    Ok(serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": name }, "spec": spec,
    }))?)
}

/// What must be identical however the operator got there.
async fn end_state(ns: &TestNamespace, name: &str) -> anyhow::Result<Value> {
    let i = ns.api::<OdooInstance>().get(name).await?;
    let web = ns.api::<Deployment>().get(&format!("{name}-web")).await?;
    let cron = ns.api::<Deployment>().get(&format!("{name}-cron")).await?;
    let init_jobs: Vec<String> = ns
        .api::<OdooInitJob>()
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .filter(|j| j.spec.instance_ref.name == name)
        .map(|j| format!("{:?}", j.status.and_then(|s| s.job.phase)))
        .collect();
    Ok(json!({
        "phase": i.status.as_ref().and_then(|s| s.phase),
        "ready": i.status.as_ref().and_then(|s| s.ready.clone()),
        "web": web.spec.as_ref().and_then(|s| s.replicas),
        "cron": cron.spec.as_ref().and_then(|s| s.replicas),
        "image": web.spec.and_then(|s| s.template.spec).map(|s| s.containers[0].image.clone()),
        "initJobs": init_jobs,
    }))
}

#[tokio::test]
async fn a_killed_operator_converges_from_any_phase() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "restart").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let api: Api<OdooInstance> = ns.api();
    let pool = format!("pool-{}", ns.name);

    let mut op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    // The reference: an instance that never sees a restart.
    api.create(
        &PostParams::default(),
        &instance("reference", json!({ "replicas": 2 }))?,
    )
    .await?;
    // Stopped.
    api.create(
        &PostParams::default(),
        &instance("stopped", json!({ "replicas": 0 }))?,
    )
    .await?;
    // Uninitialized: initialization off.
    api.create(
        &PostParams::default(),
        &instance(
            "uninit",
            json!({ "replicas": 2, "init": { "enabled": false } }),
        )?,
    )
    .await?;
    // Initializing: its pods wait for a node pool that does not exist yet.
    api.create(
        &PostParams::default(),
        &instance(
            "initializing",
            json!({ "replicas": 2, "nodeSelector": { "pool": pool } }),
        )?,
    )
    .await?;
    wait_for_phase(&api, "reference", InstancePhase::Running, &op).await;
    wait_for_phase(&api, "stopped", InstancePhase::Stopped, &op).await;
    wait_for_phase(&api, "uninit", InstancePhase::Uninitialized, &op).await;
    wait_for_phase(&api, "initializing", InstancePhase::Initializing, &op).await;

    // Kill it, change what each instance waits for while it is down, restart.
    op.kill();
    api.patch(
        "stopped",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "replicas": 2 } })),
    )
    .await?;
    api.patch(
        "uninit",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "init": { "enabled": true } } })),
    )
    .await?;
    let nodes: Api<Node> = Api::all(ns.client.clone());
    nodes
        .patch(
            "kwok-node-0",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "labels": { "pool": pool } } })),
        )
        .await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let reference = end_state(&ns, "reference").await?;
    for name in ["stopped", "uninit", "initializing"] {
        wait_for_phase(&api, name, InstancePhase::Running, &op).await;
        let state = end_state(&ns, name).await?;
        assert_eq!(state, reference, "{name} converged differently");
    }
    nodes
        .patch(
            "kwok-node-0",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "labels": { "pool": null } } })),
        )
        .await?;
    ns.delete().await;
    Ok(())
}
