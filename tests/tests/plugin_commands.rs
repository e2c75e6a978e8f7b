//! The plugin's writing commands and `events`, run through real kubectl against the
//! test API server. No operator runs here: the tests assert on the stored objects and
//! on what a user sees (exit codes, output).

use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::api::{Api, ObjectMeta, PostParams};
use odoo_model::instance::DeletionPolicy;
use odoo_model::{OdooInstance, OdooInstanceSpec};
use odoo_tests::plugin::{odoo, plugin_path, text};
use odoo_tests::{TestNamespace, api_server};

const BEFORE_STOP: &str = "odoo-operator.dev/replicas-before-stop";

async fn create(ns: &TestNamespace, name: &str, replicas: i32) -> anyhow::Result<OdooInstance> {
    let spec = OdooInstanceSpec {
        replicas,
        ..Default::default()
    };
    Ok(ns
        .api::<OdooInstance>()
        .create(&PostParams::default(), &OdooInstance::new(name, spec))
        .await?)
}

#[tokio::test]
async fn stop_then_start_restores_the_replicas_and_keeps_the_rest() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "stopstart").await?;
    let api: Api<OdooInstance> = ns.api();
    // Created by the plugin, so a later partial apply by the same field manager would
    // drop the hosts if stop/start forgot what create applied.
    let out = odoo(
        cp,
        &ns.name,
        &[
            "create",
            "shop",
            "--replicas",
            "3",
            "--host",
            "erp.example.com",
        ],
    )?;
    assert!(out.status.success(), "create: {out:?}");

    let out = odoo(cp, &ns.name, &["stop", "shop"])?;
    assert!(out.status.success(), "stop: {out:?}");
    assert_eq!(text(&out.stdout), "odoo/shop stopped\n");
    let stopped = api.get("shop").await?;
    assert_eq!(stopped.spec.replicas, 0);
    assert_eq!(
        stopped.annotations().get(BEFORE_STOP).map(String::as_str),
        Some("3")
    );
    assert_eq!(
        stopped.spec.ingress.as_ref().map(|i| i.hosts.clone()),
        Some(vec!["erp.example.com".to_owned()])
    );

    // Stopping again changes nothing and is not an error.
    let again = odoo(cp, &ns.name, &["stop", "shop"])?;
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(text(&again.stderr).contains("already stopped"), "{again:?}");
    assert_eq!(
        api.get("shop")
            .await?
            .annotations()
            .get(BEFORE_STOP)
            .map(String::as_str),
        Some("3")
    );

    // A server dry run stores nothing.
    let dry = odoo(cp, &ns.name, &["start", "shop", "--dry-run=server"])?;
    assert!(dry.status.success(), "{dry:?}");
    assert!(text(&dry.stdout).contains("(server dry run)"), "{dry:?}");
    assert_eq!(api.get("shop").await?.spec.replicas, 0);

    let out = odoo(cp, &ns.name, &["start", "shop"])?;
    assert!(out.status.success(), "start: {out:?}");
    assert_eq!(text(&out.stdout), "odoo/shop started\n");
    let started = api.get("shop").await?;
    assert_eq!(started.spec.replicas, 3);
    assert!(
        !started.annotations().contains_key(BEFORE_STOP),
        "{:?}",
        started.annotations()
    );
    assert_eq!(
        started.spec.ingress.map(|i| i.hosts),
        Some(vec!["erp.example.com".to_owned()])
    );

    // Without a remembered count, start uses 1.
    create(&ns, "blog", 0).await?;
    let out = odoo(cp, &ns.name, &["start", "blog", "-o", "json"])?;
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json["spec"]["replicas"], 1);
    assert_eq!(api.get("blog").await?.spec.replicas, 1);
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn scale_sets_the_counts_and_refuses_those_the_schema_refuses() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "scale").await?;
    let api: Api<OdooInstance> = ns.api();
    create(&ns, "shop", 1).await?;

    let out = odoo(
        cp,
        &ns.name,
        &["scale", "shop", "--replicas", "4", "--cron-replicas", "0"],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "odoo/shop scaled\n");
    let scaled = api.get("shop").await?;
    assert_eq!((scaled.spec.replicas, scaled.spec.cron.replicas), (4, 0));

    // Below 0 or above the schema's maximum: refused before anything is sent.
    for (count, why) in [
        ("-1", "-1 is not in 0..=100"),
        ("1000", "1000 is not in 0..=100"),
    ] {
        let refused = odoo(cp, &ns.name, &["scale", "shop", "--replicas", count])?;
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        assert!(text(&refused.stderr).contains(why), "{refused:?}");
    }
    assert_eq!(api.get("shop").await?.spec.replicas, 4);

    let missing = odoo(cp, &ns.name, &["scale", "nosuch", "--replicas", "1"])?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    assert!(
        api.get_opt("nosuch").await?.is_none(),
        "scale must not create"
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn delete_keeps_the_data_unless_purge_is_confirmed() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "delete").await?;
    let api: Api<OdooInstance> = ns.api();

    // Without --purge: Retain is stored first (seen in a server dry run), then deleted.
    let mut purging = OdooInstanceSpec {
        deletion_policy: DeletionPolicy::Delete,
        ..Default::default()
    };
    purging.replicas = 1;
    api.create(
        &PostParams::default(),
        &OdooInstance::new("keep", purging.clone()),
    )
    .await?;
    let dry = odoo(
        cp,
        &ns.name,
        &["delete", "keep", "--dry-run=server", "-o", "json"],
    )?;
    assert!(dry.status.success(), "{dry:?}");
    let shown: serde_json::Value = serde_json::from_slice(&dry.stdout)?;
    assert_eq!(shown["spec"]["deletionPolicy"], "Retain");
    assert_eq!(
        api.get("keep").await?.spec.deletion_policy,
        DeletionPolicy::Delete,
        "a dry run stores nothing"
    );
    let out = odoo(
        cp,
        &ns.name,
        &["delete", "keep", "--wait", "--timeout", "30s"],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "odoo/keep deleted\n");
    assert!(text(&out.stderr).contains("are kept"), "{out:?}");
    assert!(api.get_opt("keep").await?.is_none());

    // --purge without a terminal and without --yes: refused, nothing changed.
    create(&ns, "shop", 1).await?;
    let refused = odoo(cp, &ns.name, &["delete", "shop", "--purge"])?;
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(text(&refused.stderr).contains("--yes"), "{refused:?}");
    let still = api.get("shop").await?;
    assert_eq!(still.spec.deletion_policy, DeletionPolicy::Retain);
    assert!(still.metadata.deletion_timestamp.is_none());

    // With --yes: Delete is stored before the deletion. A finalizer (the operator's
    // role) holds the object so the stored policy can be read.
    let mut held = api.get("shop").await?;
    held.metadata.finalizers = Some(vec!["odoo-operator.dev/finalizer".into()]);
    api.replace("shop", &PostParams::default(), &held).await?;
    let out = odoo(cp, &ns.name, &["delete", "shop", "--purge", "--yes"])?;
    assert!(out.status.success(), "{out:?}");
    let terminating = api.get("shop").await?;
    assert_eq!(terminating.spec.deletion_policy, DeletionPolicy::Delete);
    assert!(terminating.metadata.deletion_timestamp.is_some());

    // --wait gives up with exit 4 (timeout, as with status --for) while the finalizer stays.
    let timed_out = odoo(
        cp,
        &ns.name,
        &[
            "delete",
            "shop",
            "--purge",
            "--yes",
            "--wait",
            "--timeout",
            "2s",
        ],
    )?;
    assert_eq!(timed_out.status.code(), Some(4), "{timed_out:?}");
    assert!(
        text(&timed_out.stderr).contains("still exists after 2s"),
        "{timed_out:?}"
    );
    let mut release = api.get("shop").await?;
    release.metadata.finalizers = None;
    api.replace("shop", &PostParams::default(), &release)
        .await?;
    assert!(api.get_opt("shop").await?.is_none());

    // --purge --wait also waits for the volume: a claim still held while it is
    // deleted (as pvc-protection holds one that a finished job pod uses) keeps the
    // command waiting, and its timeout names the volume.
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let claims: Api<PersistentVolumeClaim> = ns.api();
    let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
        "metadata": { "name": "held-filestore", "finalizers": ["test.odoo-operator.dev/held"] },
        "spec": { "accessModes": ["ReadWriteMany"], "resources": { "requests": { "storage": "1Gi" } } },
    }))?;
    claims.create(&PostParams::default(), &claim).await?;
    claims.delete("held-filestore", &Default::default()).await?;
    create(&ns, "held", 1).await?;
    let waiting = odoo(
        cp,
        &ns.name,
        &[
            "delete",
            "held",
            "--purge",
            "--yes",
            "--wait",
            "--timeout",
            "3s",
        ],
    )?;
    assert_eq!(waiting.status.code(), Some(4), "{waiting:?}");
    assert!(
        text(&waiting.stderr).contains("volume held-filestore is still being deleted after 3s"),
        "{waiting:?}"
    );
    assert!(api.get_opt("held").await?.is_none(), "the instance is gone");
    let mut release = claims.get("held-filestore").await?;
    release.metadata.finalizers = None;
    claims
        .replace("held-filestore", &PostParams::default(), &release)
        .await?;
    create(&ns, "gone", 1).await?;
    let out = odoo(
        cp,
        &ns.name,
        &[
            "delete",
            "gone",
            "--purge",
            "--yes",
            "--wait",
            "--timeout",
            "30s",
        ],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert!(
        text(&out.stderr).contains("odoo/gone and volume gone-filestore are gone"),
        "{out:?}"
    );

    let missing = odoo(cp, &ns.name, &["delete", "nosuch"])?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    assert!(
        text(&missing.stderr).contains(&format!(
            "error: odoo/nosuch not found in namespace {}",
            ns.name
        )),
        "{missing:?}"
    );
    ns.delete().await;
    Ok(())
}

fn event(ns: &str, name: &str, about: ObjectReference, type_: &str, message: &str) -> Event {
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    Event {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(ns.into()),
            ..Default::default()
        },
        involved_object: about,
        type_: Some(type_.into()),
        reason: Some("TestReason".into()),
        message: Some(message.into()),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        count: Some(1),
        ..Default::default()
    }
}

#[tokio::test]
async fn events_show_only_the_instance_and_its_children() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "events").await?;
    let shop = create(&ns, "shop", 1).await?;
    let events: Api<Event> = ns.api();
    let reference = |kind: &str, name: &str, api_version: &str| ObjectReference {
        api_version: Some(api_version.into()),
        kind: Some(kind.into()),
        name: Some(name.into()),
        namespace: Some(ns.name.clone()),
        ..Default::default()
    };
    let mut instance = reference("OdooInstance", "shop", "odoo-operator.dev/v1alpha1");
    instance.uid = shop.uid();
    let pp = PostParams::default();
    for e in [
        event(
            &ns.name,
            "shop.1",
            instance.clone(),
            "Warning",
            "database unreachable",
        ),
        event(&ns.name, "shop.2", instance, "Normal", "phase Running"),
        event(
            &ns.name,
            "web.1",
            reference("Deployment", "shop-web", "apps/v1"),
            "Normal",
            "scaled up web",
        ),
        event(
            &ns.name,
            "other.1",
            reference("ConfigMap", "unrelated", "v1"),
            "Warning",
            "not about shop",
        ),
        event(
            &ns.name,
            "samename.1",
            reference("ConfigMap", "shop", "v1"),
            "Warning",
            "same name, other kind",
        ),
    ] {
        events.create(&pp, &e).await?;
    }

    let out = odoo(cp, &ns.name, &["events", "shop"])?;
    assert!(out.status.success(), "{out:?}");
    let table = text(&out.stdout);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or_default()
        .split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        "{table}"
    );
    assert!(table.contains("OdooInstance/shop"), "{table}");
    assert!(table.contains("database unreachable"), "{table}");
    assert!(table.contains("Deployment/shop-web"), "{table}");
    assert!(!table.contains("not about shop"), "{table}");
    assert!(!table.contains("same name, other kind"), "{table}");

    let warnings = odoo(
        cp,
        &ns.name,
        &["events", "shop", "--types", "Warning", "-o", "json"],
    )?;
    assert!(warnings.status.success(), "{warnings:?}");
    let list: serde_json::Value = serde_json::from_slice(&warnings.stdout)?;
    let messages: Vec<&str> = list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|e| e["message"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(messages, ["database unreachable"]);

    let missing = odoo(cp, &ns.name, &["events", "nosuch"])?;
    assert_eq!(missing.status.code(), Some(5), "{missing:?}");
    ns.delete().await;
    Ok(())
}

/// `--purge` on a terminal asks for the name; `script(1)` provides the terminal.
#[tokio::test]
async fn purge_on_a_terminal_asks_for_the_name() -> anyhow::Result<()> {
    use std::io::Write;
    use std::process::Stdio;
    // hack/prereqs.sh installs it: a missing script(1) fails here, never skips.
    std::process::Command::new("script")
        .arg("--version")
        .output()
        .expect("script(1) (bsdutils) is installed by hack/prereqs.sh");
    let cp = api_server();
    let ns = TestNamespace::new(cp, "prompt").await?;
    let api: Api<OdooInstance> = ns.api();
    create(&ns, "shop", 1).await?;
    let command = format!("kubectl odoo delete shop --purge -n {}", ns.name);
    for (answer, code, gone) in [("blog\n", 1, false), ("shop\n", 0, true)] {
        let mut child = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("PATH", plugin_path())
            .env("KUBECONFIG", &cp.kubeconfig)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        // The terminal buffers the line until the plugin reads it.
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(answer.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        let screen = text(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{screen}");
        assert!(screen.contains("Type the instance name (shop)"), "{screen}");
        assert_eq!(api.get_opt("shop").await?.is_none(), gone, "{screen}");
    }
    ns.delete().await;
    Ok(())
}
