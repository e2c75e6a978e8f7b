//! Two operator replicas: one leads and reconciles, the other waits; when the leader
//! dies the other takes over.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};
use odoo_model::{InstancePhase, OdooInstance};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

const RECONCILES: &str = "odoo_operator_reconciles_total{controller=\"instance\"}";

#[tokio::test]
async fn two_replicas_elect_one_leader_and_fail_over() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "ha").await?;
    let op_ns = operator_namespace(&ns, pg).await?;

    let mut first = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    // Give the first a head start so the leader is known.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let second = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let leases: Api<Lease> = Api::namespaced(ns.client.clone(), &op_ns);
    let holder = leases
        .get("odoo-operator-leader")
        .await?
        .spec
        .and_then(|s| s.holder_identity);
    assert!(holder.is_some(), "nobody holds the lease");

    let api: Api<OdooInstance> = ns.api();
    let create = |name: &str| -> anyhow::Result<OdooInstance> {
        Ok(serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": name }, "spec": {},
        }))?)
    };
    api.create(&PostParams::default(), &create("one")?).await?;
    wait_for_phase(&api, "one", InstancePhase::Running, &first).await;
    assert!(
        first.metric(RECONCILES) > 0.0,
        "the leader reconciled nothing"
    );
    assert_eq!(
        second.metric(RECONCILES),
        0.0,
        "the standby reconciled:\n{}",
        second.log_tail(20)
    );

    // The leader dies without releasing; the standby takes over once the lease expires.
    first.kill();
    api.create(&PostParams::default(), &create("two")?).await?;
    // No failover would time out here, with the standby's log.
    wait_for_phase(&api, "two", InstancePhase::Running, &second).await;
    assert!(second.metric(RECONCILES) > 0.0);
    let transitions = leases
        .get("odoo-operator-leader")
        .await?
        .spec
        .and_then(|s| s.lease_transitions);
    assert_eq!(transitions, Some(1));
    ns.delete().await;
    Ok(())
}
