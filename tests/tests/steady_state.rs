//! A steady instance costs the API server nothing: once every instance is Running,
//! reconciles (triggered or periodic) send zero write requests. Counted from the API
//! server's audit log, where the operator has its own user.

use std::time::{Duration, Instant};

use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, OdooInstance};
use odoo_tests::operator::{OperatorProcess, operator_namespace};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

const INSTANCES: usize = 20;
const OPERATOR_USER: &str = "odoo-operator";

/// The operator's writes except its leader-lease renewals (a fixed heartbeat every
/// few seconds, independent of the instances).
fn reconcile_writes(cp: &odoo_tests::ControlPlane) -> Vec<String> {
    cp.audited_writes(OPERATOR_USER)
        .into_iter()
        .filter(|w| !w.contains(" leases/"))
        .collect()
}

#[tokio::test]
async fn steady_instances_cause_no_writes() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "steady").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;

    let api: Api<OdooInstance> = ns.api();
    for i in 0..INSTANCES {
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": format!("shop{i:02}") },
            "spec": { "ingress": { "hosts": [format!("shop{i:02}.example.com")] } },
        }))?;
        api.create(&PostParams::default(), &instance).await?;
    }
    let start = Instant::now();
    loop {
        let list = api.list(&Default::default()).await?;
        let running = list
            .items
            .iter()
            .filter(|i| i.status.as_ref().and_then(|s| s.phase) == Some(InstancePhase::Running))
            .count();
        if running == INSTANCES {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "{running}/{INSTANCES} Running\n{}",
            op.log_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "{INSTANCES} instances Running after {:.1}s",
        start.elapsed().as_secs_f64()
    );
    // The last transitions' follow-up reconciles settle.
    tokio::time::sleep(Duration::from_secs(5)).await;

    // A reconcile with nothing to do: a metadata-only change re-triggers it.
    let before = reconcile_writes(cp).len();
    // The audit log does see the operator: creating 20 instances took many writes.
    assert!(
        before > 5 * INSTANCES,
        "only {before} operator writes audited"
    );
    println!("operator writes to bring {INSTANCES} instances to Running: {before}");
    let reconciles = op.metric("odoo_operator_reconciles_total{controller=\"instance\"}");
    api.patch(
        "shop00",
        &PatchParams::default(),
        &Patch::Merge(json!({ "metadata": { "annotations": { "touched": "1" } } })),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let writes = reconcile_writes(cp);
    let after = op.metric("odoo_operator_reconciles_total{controller=\"instance\"}");
    assert!(
        after > reconciles,
        "the change did not trigger a reconcile ({reconciles} -> {after})"
    );
    assert_eq!(
        writes[before..],
        [] as [String; 0],
        "a no-op reconcile wrote"
    );

    // An idle minute.
    let before = writes.len();
    let leases_before = cp.audited_writes(OPERATOR_USER).len() - before;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let idle: Vec<String> = reconcile_writes(cp).split_off(before);
    let lease_renewals =
        cp.audited_writes(OPERATOR_USER).len() - reconcile_writes(cp).len() - leases_before;
    println!("leader-lease renewals in the same window: {lease_renewals}");
    println!(
        "operator writes during a 60 s idle window with {INSTANCES} instances: {}",
        idle.len()
    );
    assert!(idle.is_empty(), "idle writes: {idle:?}");
    ns.delete().await;
    Ok(())
}
