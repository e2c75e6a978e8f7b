//! Retention that frees storage, on the simulated cluster with the real S3 server
//! and the real agent: a schedule's tiers over simulated days leave exactly the
//! backups they keep, as resources and as objects in the bucket; every pruned
//! archive is deleted by an agent pod and announced with the bytes freed; the
//! newest verified backup and a held one survive `keepLast: 0`; a held backup
//! refuses deletion (the plugin and the API server's policy), and `kubectl odoo
//! backup delete` removes the archive unless told to keep it.
//!
//! The backups themselves are made by the test (objects put in the bucket, the
//! resources' status written as the backup controller writes it), so that their
//! slots can lie on past days; the bucket is read with the test's own client, not
//! the operator's or the agent's.

use std::collections::BTreeMap;

use k8s_openapi::jiff::{Timestamp, ToSpan};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use odoo_model::{OdooBackupJob, OdooBackupSchedule, OdooInstance};
use odoo_tests::local_pods::LocalPods;
use odoo_tests::operator::{OperatorProcess, operator_namespace_with};
use odoo_tests::s3::{create_credentials, destination, shared_s3};
use odoo_tests::{TestNamespace, plugin, simulated_cluster};
use serde_json::json;

const SCHEDULE: &str = "nightly";

/// One of the test's backups: its archive's key, and the bytes it and its
/// digest hold.
struct Made {
    key: String,
    size: u64,
}

async fn names(ns: &TestNamespace) -> Vec<String> {
    let mut names: Vec<String> = ns
        .api::<OdooBackupJob>()
        .list(&ListParams::default())
        .await
        .map(|l| l.items.iter().map(ResourceExt::name_any).collect())
        .unwrap_or_default();
    names.sort();
    names
}

async fn keys(bucket: &str) -> Vec<String> {
    let mut keys = shared_s3().list(bucket).await.expect("listing the bucket");
    keys.sort();
    keys
}

/// A succeeded backup of the schedule for `slot`, with its archive and digest
/// in the bucket as the agent stores them.
async fn make_backup(
    ns: &TestNamespace,
    schedule: Option<&OdooBackupSchedule>,
    bucket: &str,
    name: &str,
    slot: Timestamp,
) -> anyhow::Result<Made> {
    let key = format!("{}/shop/{name}.zip", ns.name);
    let bytes = format!("archive of {name}\n").repeat(100 + name.len() * 7);
    let sha = odoo_model::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes.as_bytes()));
    let size = bytes.len() as u64;
    let s3 = shared_s3();
    s3.put(bucket, &key, bytes.into_bytes()).await?;
    let digest_key = odoo_model::agent::digest_key(&key);
    let digest = odoo_model::agent::digest_line(&sha, &key);
    let digest_size = digest.len() as u64;
    s3.put(bucket, &digest_key, digest.into_bytes()).await?;
    let mut metadata = json!({
        "name": name,
        "labels": { "odoo-operator.dev/instance": "shop" },
        "annotations": { "odoo-operator.dev/scheduled-time": slot.to_string() },
    });
    if let Some(schedule) = schedule {
        metadata["labels"]["odoo-operator.dev/schedule"] = json!(SCHEDULE);
        metadata["ownerReferences"] = json!([schedule.controller_owner_ref(&())]);
    }
    let job: OdooBackupJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupJob",
        "metadata": metadata,
        "spec": {
            "instanceRef": { "name": "shop" },
            "destination": serde_json::to_value(destination(bucket))?,
        },
    }))?;
    let api = ns.api::<OdooBackupJob>();
    api.create(&PostParams::default(), &job).await?;
    api.patch_status(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": {
            "phase": "Succeeded",
            "completionTime": slot.to_string(),
            "location": format!("s3://{bucket}/{key}"),
            "sizeBytes": size,
            "sha256": sha,
            "message": "made by the test",
        }})),
    )
    .await?;
    Ok(Made {
        key,
        size: size + digest_size,
    })
}

/// A namespace watched by the operator, whose instance `shop` never settles (no
/// PostgreSQL cluster: the backup controller leaves the test's backups to the
/// test), agent pods run for real, and a bucket of its own.
async fn setup(
    prefix: &str,
) -> anyhow::Result<(TestNamespace, OperatorProcess, LocalPods, String)> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, prefix).await?;
    let op_ns = operator_namespace_with(&ns, "{}").await?;
    let op = OperatorProcess::start(
        cp,
        &op_ns,
        &[
            "--watch-namespace",
            &ns.name,
            "--agent-image",
            "odoo-operator:test",
        ],
    )?;
    let pods = ns.local_pods()?;
    let bucket = ns.name.clone();
    shared_s3().create_bucket(&bucket)?;
    create_credentials(&ns).await?;
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" }, "spec": {},
    }))?;
    ns.api::<OdooInstance>()
        .create(&PostParams::default(), &instance)
        .await?;
    Ok((ns, op, pods, bucket))
}

/// What retention does to a backup it prunes: the deletion request, then the
/// deletion.
async fn prune(ns: &TestNamespace, name: &str) -> anyhow::Result<()> {
    let api = ns.api::<OdooBackupJob>();
    let backup = api.get(name).await?;
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(backup.archive_deletion_request()),
    )
    .await?;
    api.delete(name, &Default::default()).await?;
    Ok(())
}

/// The note of the first event `reason` about `name`, once there is one.
async fn event_about(ns: &TestNamespace, op: &OperatorProcess, reason: &str, name: &str) -> String {
    op.until(&format!("a {reason} event about {name}"), || async {
        ns.events(reason)
            .await
            .into_iter()
            .find(|e| e.involved_object.name.as_deref() == Some(name))
            .and_then(|e| e.message)
    })
    .await
}

#[tokio::test]
async fn retention_tiers_delete_the_archives_they_prune_and_keep_the_newest_verified()
-> anyhow::Result<()> {
    let (ns, op, pods, bucket) = setup("retention").await?;
    let cp = simulated_cluster();
    let schedule: OdooBackupSchedule = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupSchedule",
        "metadata": { "name": SCHEDULE },
        "spec": {
            "instanceRef": { "name": "shop" },
            "schedule": "0 3 * * *",
            "suspend": true,
            "keepLast": 50,
            "template": { "destination": serde_json::to_value(destination(&bucket))? },
        },
    }))?;
    let schedules = ns.api::<OdooBackupSchedule>();
    let schedule = schedules.create(&PostParams::default(), &schedule).await?;

    // Six simulated days before today, two backups each, at 09:00 and 03:00 UTC:
    // d0-09 (yesterday, the newest), d0-03, d1-09, …, d5-03.
    let yesterday = Timestamp::now()
        .to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC)
        .date()
        .checked_sub(1.day())?;
    let mut made = BTreeMap::new();
    for day in 0..6i64 {
        for hour in [9i8, 3] {
            let slot = yesterday
                .checked_sub(day.days())?
                .at(hour, 0, 0, 0)
                .to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC)?
                .timestamp();
            let name = format!("{SCHEDULE}-d{day}-{hour:02}");
            let m = make_backup(&ns, Some(&schedule), &bucket, &name, slot).await?;
            made.insert(name, m);
        }
    }
    assert_eq!(keys(&bucket).await.len(), 24, "12 archives, 12 digests");

    // keepLast 2 keeps both of d0; keepDaily 3 the newest of d0, d1 and d2.
    schedules
        .patch(
            SCHEDULE,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "keepLast": 2, "keepDaily": 3 } })),
        )
        .await?;
    let kept: Vec<String> = ["d0-03", "d0-09", "d1-09", "d2-09"]
        .iter()
        .map(|s| format!("{SCHEDULE}-{s}"))
        .collect();
    op.until("the tiers' backups to remain", || async {
        (names(&ns).await == kept).then_some(())
    })
    .await;
    let mut expected: Vec<String> = kept
        .iter()
        .flat_map(|n| {
            let key = &made[n].key;
            [key.clone(), odoo_model::agent::digest_key(key)]
        })
        .collect();
    expected.sort();
    assert_eq!(
        keys(&bucket).await,
        expected,
        "the bucket holds what is kept"
    );

    // One ArchiveDeleted event per pruned backup, on it, with the bytes freed.
    let deleted = ns.events_eventually("ArchiveDeleted").await;
    let on_backups: Vec<&k8s_openapi::api::core::v1::Event> = deleted
        .iter()
        .filter(|e| e.involved_object.kind.as_deref() == Some("OdooBackupJob"))
        .collect();
    for (name, m) in made.iter().filter(|(n, _)| !kept.contains(n)) {
        let said = on_backups
            .iter()
            .find(|e| e.involved_object.name.as_deref() == Some(name.as_str()))
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| panic!("no ArchiveDeleted event for {name}: {deleted:?}"));
        assert!(
            said.contains(&m.key) && said.contains(&format!(": {} bytes freed", m.size)),
            "{said}"
        );
    }
    let runs = pods.runs();
    let deletions = runs
        .iter()
        .filter(|r| r.command == "delete-archive")
        .count();
    assert_eq!(deletions, 8, "one agent run per pruned archive: {runs:?}");
    let pruned = ns.events_eventually("BackupsPruned").await;
    assert!(
        pruned
            .iter()
            .filter_map(|e| e.message.as_deref())
            .any(|m| m.contains("keepDaily 3")),
        "{pruned:?}"
    );

    // keepLast 0: the newest verified backup (d1-09, older than d0-03) and a held
    // one (d2-09) survive; so does the newest, the schedule's last slot.
    let api = ns.api::<OdooBackupJob>();
    let verified = format!("{SCHEDULE}-d1-09");
    let held = format!("{SCHEDULE}-d2-09");
    api.patch_status(
        &verified,
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": { "verified": {
            "method": "Archive", "result": "Passed", "message": "made by the test",
        }}})),
    )
    .await?;
    api.patch(
        &held,
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "hold": true } })),
    )
    .await?;
    schedules
        .patch(
            SCHEDULE,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "keepLast": 0, "keepDaily": 0 } })),
        )
        .await?;
    let survivors = vec![format!("{SCHEDULE}-d0-09"), verified.clone(), held.clone()];
    let mut sorted = survivors.clone();
    sorted.sort();
    op.until("keepLast 0 to prune d0-03 only", || async {
        (names(&ns).await == sorted).then_some(())
    })
    .await;
    let now_keys = keys(&bucket).await;
    assert!(!now_keys.contains(&made[&format!("{SCHEDULE}-d0-03")].key));
    for name in &survivors {
        assert!(now_keys.contains(&made[name].key), "{name}: {now_keys:?}");
    }

    // A held backup refuses deletion: the plugin says why, and so does the API
    // server to anyone else.
    let refused = plugin::odoo(cp, &ns.name, &["backup", "delete", &held, "--yes"])?;
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
    assert!(
        plugin::text(&refused.stderr).contains("is held (spec.hold: true)"),
        "{refused:?}"
    );
    let by_kubectl = cp
        .kubectl()
        .args(["delete", "odoobackupjob", &held, "-n", &ns.name])
        .output()?;
    assert!(!by_kubectl.status.success(), "{by_kubectl:?}");
    assert!(
        plugin::text(&by_kubectl.stderr).contains(&format!("odoobackupjob/{held} is held")),
        "{by_kubectl:?}"
    );
    assert!(keys(&bucket).await.contains(&made[&held].key));

    // `backup delete` takes the archive along and says what it freed (the newest,
    // which leaves the verified one the newest and retention with nothing to do).
    let newest = format!("{SCHEDULE}-d0-09");
    let out = plugin::odoo(cp, &ns.name, &["backup", "delete", &newest, "--yes"])?;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = plugin::text(&out.stdout);
    assert!(
        said.contains(&made[&newest].key)
            && said.contains(&format!("{} bytes freed", made[&newest].size))
            && said.contains(&format!("odoobackupjob/{newest} deleted")),
        "{said}"
    );
    let after = keys(&bucket).await;
    assert!(!after.contains(&made[&newest].key), "{after:?}");
    assert!(!after.contains(&odoo_model::agent::digest_key(&made[&newest].key)));

    // --keep-archive: the resource goes, the object stays.
    let out = plugin::odoo(
        cp,
        &ns.name,
        &["backup", "delete", &verified, "--keep-archive", "--yes"],
    )?;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        plugin::text(&out.stdout).contains("is still in storage"),
        "{out:?}"
    );
    assert!(!names(&ns).await.contains(&verified));
    assert!(keys(&bucket).await.contains(&made[&verified].key));
    assert_eq!(names(&ns).await, std::slice::from_ref(&held));
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn an_archive_that_is_not_the_backups_own_or_that_a_restore_reads_is_not_deleted()
-> anyhow::Result<()> {
    let (ns, op, _pods, bucket) = setup("archive-kept").await?;
    let cp = simulated_cluster();
    let api = ns.api::<OdooBackupJob>();
    let s3 = shared_s3();

    // The key now holds another archive (say a later backup reused it after the
    // first one was removed by hand): the deletion is refused, the object stays,
    // and so does the backup, with the reason in a warning.
    let swapped = make_backup(&ns, None, &bucket, "swapped", Timestamp::now()).await?;
    let other = b"another backup's archive".to_vec();
    let other_sha = odoo_model::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(&other));
    s3.put(&bucket, &swapped.key, other.clone()).await?;
    s3.put(
        &bucket,
        &odoo_model::agent::digest_key(&swapped.key),
        odoo_model::agent::digest_line(&other_sha, &swapped.key).into_bytes(),
    )
    .await?;
    prune(&ns, "swapped").await?;
    let failed = event_about(&ns, &op, "ArchiveDeleteFailed", "swapped").await;
    assert!(
        failed.contains("is not this backup's archive") && failed.contains(&other_sha),
        "{failed}"
    );
    assert_eq!(s3.get(&bucket, &swapped.key).await?, other, "left in place");
    let waiting = api.get_opt("swapped").await?.expect("the backup stays");
    assert!(waiting.metadata.deletion_timestamp.is_some());
    // The way out: keep the archive, and the backup goes.
    let out = plugin::odoo(
        cp,
        &ns.name,
        &["backup", "delete", "swapped", "--keep-archive", "--yes"],
    )?;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        plugin::text(&out.stdout).contains("is still in storage"),
        "{out:?}"
    );
    assert!(api.get_opt("swapped").await?.is_none());
    assert_eq!(s3.get(&bucket, &swapped.key).await?, other);

    // A deletion that stopped between the archive and its digest: the archive is
    // gone, and the next try removes the digest it left.
    let halfway = make_backup(&ns, None, &bucket, "halfway", Timestamp::now()).await?;
    let store = s3.client(&bucket)?;
    object_store::ObjectStoreExt::delete(&store, &object_store::path::Path::parse(&halfway.key)?)
        .await?;
    prune(&ns, "halfway").await?;
    let said = event_about(&ns, &op, "ArchiveDeleted", "halfway").await;
    assert!(said.contains("was already gone; deleted"), "{said}");
    op.until("the halfway backup to go", || async {
        api.get_opt("halfway").await.ok()?.is_none().then_some(())
    })
    .await;
    let left = keys(&bucket).await;
    assert!(
        !left.contains(&odoo_model::agent::digest_key(&halfway.key)),
        "{left:?}"
    );

    // A restore that has not finished reads the backup: the plugin refuses, and a
    // deletion already asked for waits for the restore.
    let read = make_backup(&ns, None, &bucket, "read", Timestamp::now()).await?;
    let restore: odoo_model::OdooRestoreJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
        "metadata": { "name": "restore-it" },
        "spec": { "instanceRef": { "name": "shop" }, "source": { "backupJob": "read" } },
    }))?;
    let restores = ns.api::<odoo_model::OdooRestoreJob>();
    restores.create(&PostParams::default(), &restore).await?;
    let refused = plugin::odoo(cp, &ns.name, &["backup", "delete", "read", "--yes"])?;
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
    assert!(
        plugin::text(&refused.stderr).contains("read by OdooRestoreJob restore-it"),
        "{refused:?}"
    );
    prune(&ns, "read").await?;
    let said = event_about(&ns, &op, "ArchiveDeletionWaiting", "read").await;
    assert!(said.contains("OdooRestoreJob restore-it"), "{said}");
    assert!(keys(&bucket).await.contains(&read.key));
    assert!(api.get_opt("read").await?.is_some());
    restores.delete("restore-it", &Default::default()).await?;
    op.until("the read backup to go once the restore is gone", || async {
        api.get_opt("read").await.ok()?.is_none().then_some(())
    })
    .await;
    assert!(!keys(&bucket).await.contains(&read.key));
    let deleted = event_about(&ns, &op, "ArchiveDeleted", "read").await;
    assert!(
        deleted.contains(&format!("{} bytes freed", read.size)),
        "{deleted}"
    );
    ns.delete().await;
    Ok(())
}
