//! Odoo 18.0 itself under the operator. The Job pods of an `odoo:18.0` instance run
//! the real Odoo (hack/odoo.sh; tests/src/local_pods/odoo.rs) against the real
//! PostgreSQL, with the pod's own command, odoo.conf and filestore claim: nothing
//! here writes Odoo's tables. Web and cron pods are still kwok's (simulated).

use std::time::Duration;

use kube::api::{Api, PostParams};
use odoo_model::{InstancePhase, OdooInstance, names};
use odoo_tests::TestNamespace;
use odoo_tests::local_pods::{LocalPods, odoo};
use odoo_tests::operator::{OperatorProcess, operator_namespace};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::scalar;
use odoo_tests::simulated_cluster;
use serde_json::json;

/// Waits, against a deadline meant for a loaded machine (Odoo's own init takes
/// half a minute on two idle cores), until the instance reaches `phase`.
async fn settles(
    instances: &Api<OdooInstance>,
    phase: InstancePhase,
    op: &OperatorProcess,
    pods: &LocalPods,
) -> OdooInstance {
    let start = std::time::Instant::now();
    loop {
        let i = instances.get("shop").await.expect("instance");
        let status = i.status.clone().unwrap_or_default();
        if status.phase == Some(phase) && status.observed_generation == i.metadata.generation {
            return i;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1200),
            "shop did not reach {phase:?}: {status:?}\nruns: {:?}\n{}",
            pods.runs()
                .iter()
                .map(|r| (r.command.clone(), r.exit_code, tail(&r.output)))
                .collect::<Vec<_>>(),
            op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// `kubectl odoo create` of an 18.0 instance, as the operator runs it: its init Job
/// runs `odoo --init base` for real. What Odoo leaves is Odoo's: `base` and the
/// modules it pulls in installed at the 18.0 series, the tables owned by the
/// instance's own role (Odoo logged in as it, from the mounted odoo.conf), and the
/// filestore written under the database's name on the instance's claim.
#[tokio::test]
async fn an_odoo_18_instance_is_initialized_by_odoo_itself() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "odoo18-init").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let pods = LocalPods::start(ns.client.clone(), &ns.name)?;
    let instances: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "image": "odoo:18.0", "replicas": 1 },
    }))?;
    instances.create(&PostParams::default(), &instance).await?;
    let running = settles(&instances, InstancePhase::Running, &op, &pods).await;
    let database = running.spec.database.name.clone().expect("defaulted name");

    let runs: Vec<_> = pods
        .runs()
        .into_iter()
        .filter(|r| r.command == odoo::COMMAND)
        .collect();
    assert_eq!(runs.len(), 1, "one init run: {runs:?}");
    assert_eq!(runs[0].exit_code, 0, "{}", tail(&runs[0].output));
    assert!(
        runs[0].output.contains("Modules loaded"),
        "Odoo's own log: {}",
        tail(&runs[0].output)
    );

    let base = scalar(
        &database,
        "SELECT state || ' ' || latest_version FROM ir_module_module WHERE name = 'base'",
    )
    .await?;
    assert!(base.starts_with("installed 18.0."), "{base}");
    let installed: i64 = scalar(
        &database,
        "SELECT count(*)::text FROM ir_module_module WHERE state = 'installed'",
    )
    .await?
    .parse()?;
    assert!(installed >= 5, "{installed} modules installed");
    let owner = scalar(
        &database,
        "SELECT tableowner FROM pg_tables WHERE tablename = 'res_partner'",
    )
    .await?;
    assert_eq!(owner, names::database_role(&ns.name, "shop"));
    let stored: i64 = scalar(
        &database,
        "SELECT count(*)::text FROM ir_attachment WHERE store_fname IS NOT NULL",
    )
    .await?
    .parse()?;
    if stored > 0 {
        let filestore = pods
            .claim_dir(&names::filestore_pvc("shop"))
            .join("filestore")
            .join(&database);
        assert!(
            filestore.is_dir(),
            "{stored} attachments in the filestore, none at {}",
            filestore.display()
        );
    }
    ns.delete().await;
    Ok(())
}
