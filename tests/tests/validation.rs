//! What the API server refuses, and the message the user sees. Every rule here lives
//! in the generated CRD schema (types, bounds, patterns, CEL), so `kubectl apply`
//! fails at once with these words.

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use odoo_model::{
    OdooBackupJob, OdooBackupSchedule, OdooClusterMigration, OdooInitJob, OdooInstance,
    OdooRestoreJob, OdooUpgradeJob,
};
use odoo_tests::{TestNamespace, api_server};
use serde_json::{Value, json};

fn dynamic<K: Resource<DynamicType = ()>>(ns: &TestNamespace) -> Api<DynamicObject> {
    Api::namespaced_with(ns.client.clone(), &ns.name, &ApiResource::erase::<K>(&()))
}

fn object<K: Resource<DynamicType = ()>>(name: &str, spec: Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "metadata": { "name": name },
        "spec": spec,
    }))
    .expect("a valid object envelope")
}

/// Creates the object and returns the API server's refusal message.
async fn refused<K: Resource<DynamicType = ()>>(
    ns: &TestNamespace,
    name: &str,
    spec: Value,
) -> String {
    match dynamic::<K>(ns)
        .create(&PostParams::default(), &object::<K>(name, spec))
        .await
    {
        Ok(_) => panic!("{} {name} was accepted, expected a refusal", K::kind(&())),
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 422, "unexpected status: {status:?}");
            status.message
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn assert_says(message: &str, expected: &str) {
    assert!(
        message.contains(expected),
        "message {message:?} does not contain {expected:?}"
    );
}

#[tokio::test]
async fn instance_spec_values_out_of_range_are_refused() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "invalid").await?;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"image": "odoo:latest"}),
            "image must be pinned to a tag or digest",
        ),
        (
            json!({"image": "registry.local:5000/odoo"}),
            "image must be pinned to a tag or digest",
        ),
        (
            json!({"replicas": -1}),
            "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
        ),
        (
            json!({"replicas": 101}),
            "should be less than or equal to 100",
        ),
        (json!({"workers": 65}), "spec.workers"),
        (
            json!({"environment": "Prod"}),
            "spec.environment: Unsupported value: \"Prod\"",
        ),
        (
            json!({"deletionPolicy": "Destroy"}),
            "supported values: \"Retain\", \"Delete\"",
        ),
        (
            json!({"configOptions": {"Limit-Time": "60"}}),
            "configOptions keys are odoo.conf option names",
        ),
        (
            json!({"ingress": {"hosts": []}}),
            "spec.ingress.hosts: Invalid value: 0: spec.ingress.hosts in body should have at least 1 items",
        ),
        (
            json!({"ingress": {"hosts": ["Shop_Example.com"]}}),
            "spec.ingress.hosts[0]",
        ),
        (
            json!({"webhook": {"url": "ftp://example.com/hook"}}),
            "webhook.url must be an http:// or https:// URL",
        ),
        (
            json!({"filestore": {"storageSize": "lots"}}),
            "filestore.storageSize must be a positive quantity",
        ),
        (
            json!({"database": {"name": "Shop DB"}}),
            "spec.database.name",
        ),
        (json!({"cron": {"replicas": 11}}), "spec.cron.replicas"),
    ];
    for (i, (spec, expected)) in cases.into_iter().enumerate() {
        let message = refused::<OdooInstance>(&ns, &format!("bad-{i}"), spec.clone()).await;
        assert_says(&message, expected);
    }
    ns.delete().await;
    Ok(())
}

async fn apply_spec(
    api: &Api<DynamicObject>,
    obj: &DynamicObject,
) -> Result<DynamicObject, kube::Error> {
    api.patch(
        &obj.name_any(),
        &PatchParams::apply("odoo-tests").force(),
        &Patch::Apply(obj),
    )
    .await
}

#[tokio::test]
async fn filestore_never_shrinks_and_database_name_is_immutable() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "immutable").await?;
    let api = dynamic::<OdooInstance>(&ns);
    let base = json!({"filestore": {"storageSize": "10Gi"}, "database": {"name": "shop"}});
    apply_spec(&api, &object::<OdooInstance>("shop", base)).await?;

    // Raising is allowed, also across units.
    apply_spec(
        &api,
        &object::<OdooInstance>(
            "shop",
            json!({"filestore": {"storageSize": "20480Mi"}, "database": {"name": "shop"}}),
        ),
    )
    .await?;
    let shrink = apply_spec(
        &api,
        &object::<OdooInstance>(
            "shop",
            json!({"filestore": {"storageSize": "5Gi"}, "database": {"name": "shop"}}),
        ),
    )
    .await
    .expect_err("shrinking must be refused");
    assert_says(
        &shrink.to_string(),
        "filestore.storageSize may not decrease",
    );

    let rename = apply_spec(
        &api,
        &object::<OdooInstance>(
            "shop",
            json!({"filestore": {"storageSize": "20Gi"}, "database": {"name": "other"}}),
        ),
    )
    .await
    .expect_err("renaming the database must be refused");
    assert_says(&rename.to_string(), "database.name is immutable once set");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn job_resources_refuse_incomplete_or_ambiguous_specs() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "jobs").await?;
    let s3 = json!({"endpoint": "http://s3.local:9000", "bucket": "backups", "credentials": {"secretName": "s3"}});

    let both = refused::<OdooBackupJob>(
        &ns,
        "both",
        json!({"instanceRef": {"name": "shop"}, "destination": {"s3": s3, "pvc": {"claimName": "backups"}}}),
    )
    .await;
    assert_says(&both, "destination needs exactly one of s3 or pvc");

    let no_instance = refused::<OdooBackupJob>(
        &ns,
        "noref",
        json!({"destination": {"pvc": {"claimName": "b"}}}),
    )
    .await;
    assert_says(&no_instance, "spec.instanceRef: Required value");

    let escape = refused::<OdooBackupJob>(
        &ns,
        "escape",
        json!({"instanceRef": {"name": "shop"}, "destination": {"pvc": {"claimName": "b", "path": "../etc/passwd"}}}),
    )
    .await;
    assert_says(&escape, "pvc.path is relative to the volume root");

    let no_source = refused::<OdooRestoreJob>(
        &ns,
        "nosource",
        json!({"instanceRef": {"name": "shop"}, "source": {}}),
    )
    .await;
    assert_says(
        &no_source,
        "source needs exactly one of backupJob, s3, pvc or latestBackupOf",
    );

    let bad_sum = refused::<OdooRestoreJob>(
        &ns,
        "badsum",
        json!({"instanceRef": {"name": "shop"}, "source": {"backupJob": "b1"}, "sha256": "abc"}),
    )
    .await;
    assert_says(&bad_sum, "spec.sha256");

    let schedule = refused::<OdooBackupSchedule>(
        &ns,
        "daily",
        json!({"instanceRef": {"name": "shop"}, "schedule": "every day", "template": {"destination": {"pvc": {"claimName": "b"}}}}),
    )
    .await;
    assert_says(&schedule, "schedule must be a five-field cron expression");

    let mode = refused::<OdooRestoreJob>(
        &ns,
        "mode",
        json!({"instanceRef": {"name": "shop"}, "source": {"backupJob": "b1"}, "mode": "Clone"}),
    )
    .await;
    assert_says(&mode, "supported values: \"Copy\", \"Move\"");

    let in_place_rehearsal = refused::<OdooUpgradeJob>(
        &ns,
        "rehearse",
        json!({"instanceRef": {"name": "shop"}, "image": "simulated/odoo:18.0-1", "rehearsal": true, "strategy": "InPlace"}),
    )
    .await;
    assert_says(
        &in_place_rehearsal,
        "a rehearsal upgrades a copy: strategy InPlace cannot rehearse",
    );
    let strategy = refused::<OdooUpgradeJob>(
        &ns,
        "sideways",
        json!({"instanceRef": {"name": "shop"}, "strategy": "Sideways"}),
    )
    .await;
    assert_says(&strategy, "supported values: \"Copy\", \"InPlace\"");
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn job_specs_are_immutable_after_creation() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "jobimmutable").await?;
    let init = dynamic::<OdooInitJob>(&ns);
    apply_spec(
        &init,
        &object::<OdooInitJob>("init", json!({"instanceRef": {"name": "shop"}})),
    )
    .await?;
    let changed = apply_spec(
        &init,
        &object::<OdooInitJob>(
            "init",
            json!({"instanceRef": {"name": "shop"}, "demo": true}),
        ),
    )
    .await
    .expect_err("changing an init job must be refused");
    assert_says(&changed.to_string(), "an OdooInitJob's spec is immutable");

    let migration = dynamic::<OdooClusterMigration>(&ns);
    apply_spec(
        &migration,
        &object::<OdooClusterMigration>(
            "move",
            json!({"instanceRef": {"name": "shop"}, "targetCluster": "pg-b"}),
        ),
    )
    .await?;
    // Confirming the source drop later is allowed…
    apply_spec(
        &migration,
        &object::<OdooClusterMigration>("move", json!({"instanceRef": {"name": "shop"}, "targetCluster": "pg-b", "dropSourceAfter": true})),
    )
    .await?;
    // …retargeting is not.
    let retarget = apply_spec(
        &migration,
        &object::<OdooClusterMigration>(
            "move",
            json!({"instanceRef": {"name": "shop"}, "targetCluster": "pg-c"}),
        ),
    )
    .await
    .expect_err("retargeting a migration must be refused");
    assert_says(
        &retarget.to_string(),
        "instanceRef and targetCluster are immutable",
    );

    // A backup may be held and released; what it stored may not change.
    let backup = dynamic::<odoo_model::OdooBackupJob>(&ns);
    let spec = |extra: Value| {
        let mut spec = json!({"instanceRef": {"name": "shop"}, "destination": {"pvc": {"claimName": "backups"}}});
        if let (Some(spec), Value::Object(extra)) = (spec.as_object_mut(), extra) {
            spec.extend(extra);
        }
        object::<odoo_model::OdooBackupJob>("nightly", spec)
    };
    apply_spec(&backup, &spec(json!({}))).await?;
    apply_spec(&backup, &spec(json!({"hold": true}))).await?;
    apply_spec(&backup, &spec(json!({"hold": false}))).await?;
    for change in [
        json!({"format": "Dump"}),
        json!({"verify": "Archive"}),
        json!({"destination": {"pvc": {"claimName": "elsewhere"}}}),
    ] {
        let refused = apply_spec(&backup, &spec(change.clone()))
            .await
            .expect_err("changing a backup must be refused");
        assert_says(
            &refused.to_string(),
            "an OdooBackupJob's spec is immutable but for hold",
        );
    }
    ns.delete().await;
    Ok(())
}

/// A name longer than an instance's children can carry is refused by the API
/// server with the limit, and by the plugin before it sends anything.
#[tokio::test]
async fn instance_names_that_cannot_fit_their_children_are_refused_at_the_door()
-> anyhow::Result<()> {
    use std::io::Write as _;
    use std::process::Stdio;
    let cp = api_server();
    let ns = TestNamespace::new(cp, "long-name").await?;
    let name = "a".repeat(60);
    let manifest = format!(
        "apiVersion: odoo-operator.dev/v1alpha1\nkind: OdooInstance\nmetadata:\n  name: {name}\nspec:\n  image: odoo:18.0\n"
    );
    let mut apply = cp
        .kubectl()
        .args(["apply", "-n", &ns.name, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    apply
        .stdin
        .take()
        .expect("stdin")
        .write_all(manifest.as_bytes())?;
    let out = apply.wait_with_output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted: {out:?}");
    assert_says(&stderr, "may have at most 53 characters");

    // The longest name that fits is accepted.
    let longest = "b".repeat(odoo_model::names::MAX_INSTANCE_NAME);
    dynamic::<OdooInstance>(&ns)
        .create(
            &PostParams::default(),
            &object::<OdooInstance>(&longest, json!({"image": "odoo:18.0"})),
        )
        .await?;

    // The plugin says so before sending: a usage error, and nothing stored.
    let out = odoo_tests::plugin::odoo(cp, &ns.name, &["create", &name])?;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_says(&String::from_utf8_lossy(&out.stderr), "at most 53");
    let api: Api<OdooInstance> = ns.api();
    assert!(api.get_opt(&name).await?.is_none());
    ns.delete().await;
    Ok(())
}
