//! The simulated cluster (controller-manager, scheduler and kwok's fake node) runs
//! real workloads: a Deployment becomes available and a Job completes.

use odoo_tests::{TestNamespace, simulated_cluster};

#[tokio::test]
async fn a_deployment_becomes_available_and_a_job_completes() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "simulated").await?;
    let manifests = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {{ name: web, namespace: {ns} }}
spec:
  replicas: 2
  selector: {{ matchLabels: {{ app: web }} }}
  template:
    metadata: {{ labels: {{ app: web }} }}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0
---
apiVersion: batch/v1
kind: Job
metadata: {{ name: once, namespace: {ns} }}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: once
        image: registry.example/once:1.0
"#,
        ns = ns.name
    );
    cp.kubectl_apply_stdin(&manifests)?;
    cp.kubectl_output(&[
        "wait",
        "-n",
        &ns.name,
        "--for=condition=Available",
        "--timeout=120s",
        "deployment/web",
    ])?;
    let ready = cp.kubectl_output(&[
        "get",
        "-n",
        &ns.name,
        "deployment/web",
        "-o",
        "jsonpath={.status.readyReplicas}",
    ])?;
    assert_eq!(ready, "2");
    cp.kubectl_output(&[
        "wait",
        "-n",
        &ns.name,
        "--for=condition=Complete",
        "--timeout=120s",
        "job/once",
    ])?;
    let pods = cp.kubectl_output(&[
        "get",
        "pods",
        "-n",
        &ns.name,
        "-o",
        "jsonpath={.items[*].spec.nodeName}",
    ])?;
    assert!(
        pods.split_whitespace().all(|n| n == "kwok-node-0"),
        "pods scheduled to {pods}"
    );
    ns.delete().await;
    Ok(())
}
