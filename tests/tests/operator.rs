//! The operator binary out of cluster against a real API server: it reports ready
//! only once its CRDs are installed and Established.

use std::time::Duration;

use odoo_tests::process::{free_port, on_spawner_thread, spawn_guarded, tail};
use odoo_tests::{ControlPlane, Options, eventually, http_status, workspace_binary};

#[test]
fn operator_is_ready_only_once_its_crds_are_established() -> anyhow::Result<()> {
    let operator = workspace_binary("odoo-operator", "odoo-operator");
    // A control plane of its own, without the CRDs the shared harness installs.
    let cp = on_spawner_thread(|| ControlPlane::start(Options::default()))?;
    let port = free_port();
    let log = cp.dir.join("operator.log");
    let args = vec![
        "--kubeconfig".to_owned(),
        cp.kubeconfig.display().to_string(),
        "--health-addr".to_owned(),
        format!("127.0.0.1:{port}"),
        // The leader Lease lives in the operator's namespace, which must exist.
        "--namespace".to_owned(),
        "default".to_owned(),
    ];
    let (op, log) = on_spawner_thread(move || (spawn_guarded(&operator, &args, &log), log));
    let mut op = op?;

    assert!(
        eventually(Duration::from_secs(30), || http_status(port, "/healthz")
            == Some(200)),
        "{}",
        tail(&log, 20)
    );
    assert_eq!(
        http_status(port, "/readyz"),
        Some(503),
        "ready without CRDs"
    );
    assert!(
        eventually(Duration::from_secs(15), || tail(&log, 50)
            .contains("odooinstances.odoo-operator.dev is not installed")),
        "the log should name the missing CRD:\n{}",
        tail(&log, 20)
    );

    cp.install_crds()?;
    // The operator re-checks every 5 seconds.
    assert!(
        eventually(Duration::from_secs(20), || http_status(port, "/readyz")
            == Some(200)),
        "{}",
        tail(&log, 20)
    );

    op.kill()?;
    op.wait()?;
    drop(cp);
    Ok(())
}
