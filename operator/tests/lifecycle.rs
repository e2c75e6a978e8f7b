//! The OdooInstance lifecycle on the simulated cluster with a real PostgreSQL server:
//! create → Provisioning → Initializing → Starting → Running, the children the
//! operator builds, stop/start and scale, storage expansion, config rollout, and
//! deletion under both policies.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Secret};
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::{InstancePhase, OdooInstance, names};
use odoo_operator::pg::clusters::PgClusters;
use odoo_tests::operator::{OperatorProcess, clusters_yaml, operator_namespace, wait_for_phase};
use odoo_tests::postgres::{Postgres, shared_postgres};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

/// The operator's own view of the test server, to check what it did there.
fn cluster(pg: &Postgres) -> PgClusters {
    odoo_operator::pg::clusters::parse(&clusters_yaml(pg)).expect("valid clusters yaml")
}

async fn database_exists(pg: &Postgres, db: &str) -> anyhow::Result<bool> {
    let clusters = cluster(pg);
    Ok(odoo_operator::pg::provision::database_exists(clusters.get("main")?, db).await?)
}

async fn deployment(ns: &TestNamespace, name: &str) -> Deployment {
    ns.api::<Deployment>()
        .get(name)
        .await
        .expect("deployment exists")
}

#[tokio::test]
async fn an_instance_goes_from_create_to_running_and_through_its_lifecycle() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "lifecycle").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let op = OperatorProcess::start(
        cp,
        &op_ns,
        &[
            "--watch-namespace",
            &ns.name,
            "--default-image",
            "simulated/odoo:18.0-20250101",
        ],
    )?;
    let api: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "replicas": 2, "workers": 2, "ingress": { "hosts": ["shop.example.com"] } },
    }))?;
    api.create(&PostParams::default(), &instance).await?;

    let running = wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    // Defaults were written into the spec.
    assert_eq!(
        running.spec.image.as_deref(),
        Some("simulated/odoo:18.0-20250101")
    );
    assert_eq!(running.spec.database.cluster.as_deref(), Some("main"));
    let db = running
        .spec
        .database
        .name
        .clone()
        .expect("database name defaulted");
    let status = running.status.clone().unwrap_or_default();
    assert_eq!(status.ready.as_deref(), Some("2/2"));
    assert_eq!(status.url.as_deref(), Some("https://shop.example.com"));
    assert_eq!(status.odoo_version.as_deref(), Some("18.0"));

    // The init job ran and succeeded.
    let init: Api<odoo_model::OdooInitJob> = ns.api();
    let init = init.get("shop-init").await?;
    assert_eq!(
        init.status.and_then(|s| s.job.phase),
        Some(odoo_model::JobPhase::Succeeded)
    );

    // Children: web and cron split, secure pods, config from a Secret, owner refs.
    let web = deployment(&ns, &names::web_deployment("shop")).await;
    let cron = deployment(&ns, &names::cron_deployment("shop")).await;
    let web_pod = web
        .spec
        .clone()
        .unwrap_or_default()
        .template
        .spec
        .unwrap_or_default();
    let c = &web_pod.containers[0];
    assert!(
        c.args
            .clone()
            .unwrap_or_default()
            .contains(&"--max-cron-threads=0".to_owned()),
        "web runs no cron: {:?}",
        c.args
    );
    let ports: Vec<i32> = c
        .ports
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|p| p.container_port)
        .collect();
    assert_eq!(ports, [8069, 8072]);
    assert!(
        c.readiness_probe
            .as_ref()
            .and_then(|p| p.http_get.as_ref())
            .is_some_and(|h| h.path.as_deref() == Some("/web/health"))
    );
    let sc = c.security_context.clone().unwrap_or_default();
    assert_eq!(
        (sc.read_only_root_filesystem, sc.allow_privilege_escalation),
        (Some(true), Some(false))
    );
    assert_eq!(
        web_pod.security_context.and_then(|s| s.run_as_non_root),
        Some(true)
    );
    let volumes = web_pod.volumes.unwrap_or_default();
    assert!(
        volumes.iter().any(
            |v| v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) == Some("shop-config")
        )
    );
    assert!(volumes.iter().any(|v| {
        v.persistent_volume_claim
            .as_ref()
            .is_some_and(|p| p.claim_name == "shop-filestore")
    }));
    assert!(
        c.env
            .clone()
            .unwrap_or_default()
            .iter()
            .all(|e| e.value.is_none()),
        "no env literals"
    );
    assert_eq!(web.owner_references()[0].name, "shop");
    let labels = web.labels();
    assert_eq!(
        labels.get("odoo-operator.dev/instance").map(String::as_str),
        Some("shop")
    );
    assert_eq!(
        labels
            .get("app.kubernetes.io/component")
            .map(String::as_str),
        Some("web")
    );
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("odoo-operator")
    );
    let cron_args = cron
        .spec
        .clone()
        .unwrap_or_default()
        .template
        .spec
        .unwrap_or_default()
        .containers[0]
        .args
        .clone()
        .unwrap_or_default();
    assert!(
        cron_args
            .iter()
            .any(|a| a.starts_with("--max-cron-threads=") && a != "--max-cron-threads=0"),
        "{cron_args:?}"
    );
    assert_eq!(cron.spec.as_ref().and_then(|s| s.replicas), Some(1));
    let pvc = ns
        .api::<PersistentVolumeClaim>()
        .get("shop-filestore")
        .await?;
    assert!(
        pvc.owner_references().is_empty(),
        "the filestore must outlive the instance"
    );
    assert_eq!(
        pvc.spec.clone().unwrap_or_default().access_modes,
        Some(vec!["ReadWriteMany".to_owned()])
    );

    // The database exists and the generated password works.
    let password = String::from_utf8(
        ns.api::<Secret>()
            .get("shop-db")
            .await?
            .data
            .unwrap_or_default()["password"]
            .0
            .clone(),
    )?;
    let role = names::database_role(&ns.name, "shop");
    let clusters = cluster(pg);
    odoo_operator::pg::provision::role_can_login(clusters.get("main")?, &role, &password, &db)
        .await?;
    // No password anywhere but Secrets: not in ConfigMaps, the instance, or the logs.
    let configmaps = ns.api::<ConfigMap>().list(&Default::default()).await?;
    let events = ns
        .api::<k8s_openapi::api::core::v1::Event>()
        .list(&Default::default())
        .await?;
    assert!(!events.items.is_empty());
    assert!(
        !format!("{:?}", events.items).contains(&password),
        "the password leaked into an event"
    );
    let everything = format!(
        "{:?}{:?}{:?}{}",
        configmaps.items,
        api.get("shop").await?,
        web,
        op.log_tail(10_000)
    );
    assert!(
        !everything.contains(&password),
        "the database password leaked"
    );

    // Stop and start.
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "replicas": 0 } })),
    )
    .await?;
    wait_for_phase(&api, "shop", InstancePhase::Stopped, &op).await;
    assert_eq!(
        deployment(&ns, "shop-cron")
            .await
            .spec
            .and_then(|s| s.replicas),
        Some(0),
        "cron stops too"
    );
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "replicas": 1 } })),
    )
    .await?;
    wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;

    // kubectl scale goes through the scale subresource.
    cp.kubectl_output(&["scale", "-n", &ns.name, "odoo/shop", "--replicas=3"])?;
    let scaled = wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    assert_eq!(scaled.status.and_then(|s| s.ready), Some("3/3".to_owned()));

    // Raising storage expands the claim; a config change rolls the pods.
    let hash_before = deployment(&ns, "shop-web")
        .await
        .spec
        .unwrap_or_default()
        .template
        .metadata
        .unwrap_or_default()
        .annotations
        .unwrap_or_default();
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "filestore": { "storageSize": "20Gi" }, "configOptions": { "limit_time_cpu": "120" } } })),
    )
    .await?;
    wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    let requests = ns
        .api::<PersistentVolumeClaim>()
        .get("shop-filestore")
        .await?
        .spec
        .unwrap_or_default()
        .resources
        .unwrap_or_default()
        .requests
        .unwrap_or_default();
    assert_eq!(requests["storage"].0, "20Gi");
    let hash_after = deployment(&ns, "shop-web")
        .await
        .spec
        .unwrap_or_default()
        .template
        .metadata
        .unwrap_or_default()
        .annotations
        .unwrap_or_default();
    assert_ne!(
        hash_before.get(odoo_model::labels::CONFIG_HASH_ANNOTATION),
        hash_after.get(odoo_model::labels::CONFIG_HASH_ANNOTATION)
    );

    // Delete under Retain keeps the database and the volume.
    api.delete("shop", &Default::default()).await?;
    let gone = odoo_tests::eventually(Duration::from_secs(30), || {
        cp.kubectl_output(&["get", "odoo", "shop", "-n", &ns.name])
            .is_err()
    });
    assert!(gone, "instance not deleted:\n{}", op.log_tail(30));
    assert!(
        ns.api::<PersistentVolumeClaim>()
            .get_opt("shop-filestore")
            .await?
            .is_some()
    );
    assert!(database_exists(pg, &db).await?, "Retain keeps the database");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn delete_policy_drops_the_database_and_the_volume() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "deletion").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "tmp" },
        "spec": { "deletionPolicy": "Delete", "image": "simulated/odoo:17.0-20240101" },
    }))?;
    api.create(&PostParams::default(), &instance).await?;
    let running = wait_for_phase(&api, "tmp", InstancePhase::Running, &op).await;
    let db = running.spec.database.name.clone().expect("database name");
    assert!(database_exists(pg, &db).await?);

    // First the drop fails (the admin password in pg-clusters is wrong): the
    // finalizer stays and a Warning event says why.
    let secrets: Api<Secret> = Api::namespaced(ns.client.clone(), &op_ns);
    let broken = clusters_yaml(pg).replace(&pg.password, "not-the-password");
    secrets
        .patch(
            "pg-clusters",
            &PatchParams::default(),
            &Patch::Merge(json!({ "stringData": { "clusters.yaml": broken } })),
        )
        .await?;
    api.delete("tmp", &Default::default()).await?;
    let mut reasons = Vec::new();
    for _ in 0..100 {
        let events = ns
            .api::<k8s_openapi::api::core::v1::Event>()
            .list(&Default::default())
            .await?;
        reasons = events
            .items
            .into_iter()
            .filter(|e| e.type_.as_deref() == Some("Warning"))
            .filter_map(|e| e.reason)
            .collect();
        if reasons.iter().any(|r| r == "DropFailed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        reasons.iter().any(|r| r == "DropFailed"),
        "{reasons:?}\n{}",
        op.log_tail(20)
    );
    let held = api.get("tmp").await?;
    assert!(held.metadata.deletion_timestamp.is_some());
    assert_eq!(
        held.metadata.finalizers,
        Some(vec![odoo_model::labels::INSTANCE_FINALIZER.to_owned()])
    );
    assert!(database_exists(pg, &db).await?, "nothing dropped yet");

    // Fixed: deletion completes.
    secrets
        .patch(
            "pg-clusters",
            &PatchParams::default(),
            &Patch::Merge(json!({ "stringData": { "clusters.yaml": clusters_yaml(pg) } })),
        )
        .await?;
    let gone = odoo_tests::eventually(Duration::from_secs(60), || {
        cp.kubectl_output(&["get", "odoo", "tmp", "-n", &ns.name])
            .is_err()
    });
    assert!(gone, "instance not deleted:\n{}", op.log_tail(30));
    assert!(
        !database_exists(pg, &db).await?,
        "Delete drops the database:\n{}",
        op.log_tail(30)
    );
    assert!(
        ns.api::<PersistentVolumeClaim>()
            .get_opt("tmp-filestore")
            .await?
            .is_none_or(|p| p.metadata.deletion_timestamp.is_some())
    );
    ns.delete().await;
    Ok(())
}

/// Reads `<instance>-db`'s password.
async fn db_password(ns: &TestNamespace, instance: &str) -> anyhow::Result<String> {
    let secret = ns.api::<Secret>().get(&names::db_secret(instance)).await?;
    Ok(String::from_utf8(
        secret.data.unwrap_or_default()["password"].0.clone(),
    )?)
}

/// Two names the operator's first naming merged (equal once cut to PostgreSQL's 63
/// bytes) get their own database and role; a third instance pointed by hand at the
/// first one's database is refused without touching it, and neither its purge nor
/// the second one's drops the first one's data.
#[tokio::test]
async fn instances_whose_names_met_keep_their_databases_apart() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "names-apart").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    let long = |last: char| {
        format!(
            "{}{last}",
            "x".repeat(odoo_model::names::MAX_INSTANCE_NAME - 1)
        )
    };
    let (first, second) = (long('1'), long('2'));
    assert_eq!(
        odoo_model::names::legacy_database_role(&ns.name, &first),
        odoo_model::names::legacy_database_role(&ns.name, &second),
        "the names this test needs: equal in the old naming"
    );
    for name in [&first, &second] {
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": name },
            "spec": { "deletionPolicy": "Delete", "image": "simulated/odoo:17.0-20240101" },
        }))?;
        api.create(&PostParams::default(), &instance).await?;
    }
    let a = wait_for_phase(&api, &first, InstancePhase::Running, &op).await;
    let b = wait_for_phase(&api, &second, InstancePhase::Running, &op).await;
    let (a_db, b_db) = (
        a.spec.database.name.clone().expect("defaulted"),
        b.spec.database.name.clone().expect("defaulted"),
    );
    let (a_role, b_role) = (
        a.spec.database.role.clone().expect("defaulted"),
        b.spec.database.role.clone().expect("defaulted"),
    );
    assert_ne!(a_db, b_db);
    assert_ne!(a_role, b_role);
    let clusters = cluster(pg);
    let main = clusters.get("main")?;
    let a_password = db_password(&ns, &first).await?;
    odoo_operator::pg::provision::role_can_login(main, &a_role, &a_password, &a_db).await?;
    let b_password = db_password(&ns, &second).await?;
    odoo_operator::pg::provision::role_can_login(main, &b_role, &b_password, &b_db).await?;

    // An instance pointed by hand at the first one's database.
    let intruder: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "intruder" },
        "spec": {
            "deletionPolicy": "Delete", "image": "simulated/odoo:17.0-20240101",
            "database": { "name": a_db },
        },
    }))?;
    api.create(&PostParams::default(), &intruder).await?;
    let refused = ns.events_eventually("DatabaseProvisioningFailed").await;
    let message = refused
        .iter()
        .filter_map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        message.contains(&format!("owned by \"{a_role}\"")) && message.contains("refusing"),
        "{message}\n{}",
        op.log_tail(20)
    );
    let held = api.get("intruder").await?;
    assert_ne!(
        held.status.and_then(|s| s.phase),
        Some(InstancePhase::Running)
    );
    odoo_operator::pg::provision::role_can_login(main, &a_role, &a_password, &a_db).await?;

    // The intruder's purge is refused: nothing of the first one's is dropped.
    api.delete("intruder", &Default::default()).await?;
    let failed = ns.events_eventually("DropFailed").await;
    assert!(
        failed
            .iter()
            .filter_map(|e| e.message.as_deref())
            .any(|m| m.contains(&a_db) && m.contains("untouched")),
        "{failed:?}\n{}",
        op.log_tail(20)
    );
    assert!(database_exists(pg, &a_db).await?);
    // Told to keep what it names, it goes.
    api.patch(
        "intruder",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "deletionPolicy": "Retain" } })),
    )
    .await?;
    let gone = odoo_tests::eventually(Duration::from_secs(60), || {
        cp.kubectl_output(&["get", "odoo", "intruder", "-n", &ns.name])
            .is_err()
    });
    assert!(gone, "{}", op.log_tail(30));

    // The second one's purge drops its own database only.
    api.delete(&second, &Default::default()).await?;
    let gone = odoo_tests::eventually(Duration::from_secs(60), || {
        cp.kubectl_output(&["get", "odoo", &second, "-n", &ns.name])
            .is_err()
    });
    assert!(gone, "{}", op.log_tail(30));
    assert!(!database_exists(pg, &b_db).await?);
    assert!(database_exists(pg, &a_db).await?);
    odoo_operator::pg::provision::role_can_login(main, &a_role, &a_password, &a_db).await?;
    ns.delete().await;
    Ok(())
}
