//! Backup schedules against a real API server and the real operator: jobs appear at
//! their slots (every 5 s here, with the seconds field), retention prunes once jobs
//! finish, suspend stops creation, a restarted operator runs one catch-up, and an
//! invalid time zone is reported.
//!
//! The backup runner is not part of these tests: nothing runs the OdooBackupJobs,
//! so the tests mark them Succeeded or Failed themselves by patching their status.

use std::time::{Duration, Instant};

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::ResourceExt;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use odoo_model::{OdooBackupJob, OdooBackupSchedule};
use odoo_tests::operator::{OperatorProcess, operator_namespace_with};
use odoo_tests::{TestNamespace, api_server};
use serde_json::{Value, json};

const SCHEDULE_LABEL: &str = "odoo-operator.dev/schedule";
const SLOT_ANNOTATION: &str = "odoo-operator.dev/scheduled-time";

async fn create_schedule(ns: &TestNamespace, name: &str, extra: Value) -> anyhow::Result<()> {
    let mut spec = json!({
        "instanceRef": { "name": "shop" },
        "schedule": "*/5 * * * * *",
        "template": { "destination": { "pvc": { "claimName": "backups" } } },
    });
    if let (Some(spec), Value::Object(extra)) = (spec.as_object_mut(), extra) {
        spec.extend(extra);
    }
    let schedule: OdooBackupSchedule = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupSchedule",
        "metadata": { "name": name }, "spec": spec,
    }))?;
    ns.api::<OdooBackupSchedule>()
        .create(&PostParams::default(), &schedule)
        .await?;
    Ok(())
}

fn slot(job: &OdooBackupJob) -> Timestamp {
    job.annotations()
        .get(SLOT_ANNOTATION)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{} has no slot annotation", job.name_any()))
}

/// The schedule's jobs, oldest slot first.
async fn jobs(ns: &TestNamespace, schedule: &str) -> Vec<OdooBackupJob> {
    let mut jobs = ns
        .api::<OdooBackupJob>()
        .list(&ListParams::default().labels(&format!("{SCHEDULE_LABEL}={schedule}")))
        .await
        .expect("listing jobs")
        .items;
    jobs.sort_by_key(slot);
    jobs
}

fn phase(job: &OdooBackupJob) -> Option<odoo_model::JobPhase> {
    job.status.as_ref().and_then(|s| s.job.phase)
}

/// Plays the backup runner's part: records an outcome in the job's status.
async fn finish(ns: &TestNamespace, job: &str, phase: &str) -> anyhow::Result<()> {
    ns.api::<OdooBackupJob>()
        .patch_status(
            job,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": {
                "phase": phase, "completionTime": Timestamp::now().to_string(),
            }})),
        )
        .await?;
    Ok(())
}

/// Polls `f` every 250 ms until it returns Some, or panics after `timeout`.
async fn until<T, F: std::future::Future<Output = Option<T>>>(
    timeout: Duration,
    what: &str,
    op: &OperatorProcess,
    mut f: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "{what} did not happen within {timeout:?}\noperator log:\n{}",
            op.log_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn operator(ns: &TestNamespace) -> anyhow::Result<(OperatorProcess, String)> {
    // The instance exists but never settles (the pg-clusters Secret lists no
    // cluster), so the backup controller keeps the schedule's jobs queued and the
    // test plays the runner by writing their outcome.
    let op_ns = operator_namespace_with(ns, "{}").await?;
    let instance: odoo_model::OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" }, "spec": {},
    }))?;
    ns.api::<odoo_model::OdooInstance>()
        .create(&kube::api::PostParams::default(), &instance)
        .await?;
    let op = OperatorProcess::start(api_server(), &op_ns, &["--watch-namespace", &ns.name])?;
    Ok((op, op_ns))
}

#[tokio::test]
async fn jobs_appear_at_their_slots_are_pruned_once_marked_finished_and_stop_when_suspended()
-> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "schedules").await?;
    let (op, _) = operator(&ns).await?;
    create_schedule(&ns, "fast", json!({ "keepLast": 2, "keepFailed": 1 })).await?;

    // Three slots' jobs, each created within moments of its slot.
    let first = until(Duration::from_secs(120), "three jobs", &op, || async {
        let j = jobs(&ns, "fast").await;
        (j.len() >= 3).then_some(j)
    })
    .await;
    for job in &first {
        let slot = slot(job);
        let created = job.creation_timestamp().expect("created").0;
        let late = created.duration_since(slot);
        println!(
            "{}: slot {slot}, created {created} ({late:#})",
            job.name_any()
        );
        // Never before its slot (creation times are stored to the second). How late
        // is a figure of the machine's load, printed above, not asserted: the
        // consecutive slots below show that no slot was skipped or doubled.
        assert!(
            late >= SignedDuration::ZERO,
            "{} created {late:#} before its slot",
            job.name_any()
        );
        assert_eq!(
            job.name_any(),
            format!("fast-{}", slot.strftime("%Y%m%d%H%M%S"))
        );
        assert_eq!(slot.as_second() % 5, 0);
        assert_eq!(job.spec.instance_ref.name, "shop");
        assert_eq!(
            job.labels()
                .get("odoo-operator.dev/instance")
                .map(String::as_str),
            Some("shop")
        );
        assert_eq!(job.owner_references()[0].name, "fast");
    }
    let step = slot(&first[1]).duration_since(slot(&first[0]));
    assert_eq!(step, SignedDuration::from_secs(5), "one job per slot");

    // The runner's part: three succeed, one fails. Retention keeps the newest two
    // succeeded and the failed one.
    let names: Vec<String> = first.iter().map(ResourceExt::name_any).collect();
    for name in &names[..3] {
        finish(&ns, name, "Succeeded").await?;
    }
    let failed = until(Duration::from_secs(120), "a fourth job", &op, || async {
        jobs(&ns, "fast").await.get(3).map(ResourceExt::name_any)
    })
    .await;
    finish(&ns, &failed, "Failed").await?;
    until(Duration::from_secs(120), "pruning", &op, || async {
        let live: Vec<String> = jobs(&ns, "fast")
            .await
            .iter()
            .map(ResourceExt::name_any)
            .collect();
        (!live.contains(&names[0])).then_some(live)
    })
    .await;
    let live = jobs(&ns, "fast").await;
    let succeeded: Vec<String> = live
        .iter()
        .filter(|j| phase(j) == Some(odoo_model::JobPhase::Succeeded))
        .map(ResourceExt::name_any)
        .collect();
    assert_eq!(succeeded, names[1..3], "the newest two succeeded stay");
    assert!(live.iter().any(|j| j.name_any() == failed), "keepFailed 1");
    until(
        Duration::from_secs(120),
        "a BackupsPruned event",
        &op,
        || async { ns.events("BackupsPruned").await.into_iter().next() },
    )
    .await;

    let schedules: Api<OdooBackupSchedule> = ns.api();
    let status = schedules.get("fast").await?.status.unwrap_or_default();
    let last = status.last_schedule_time.expect("lastScheduleTime").0;
    assert_eq!(
        status.last_backup_job.as_deref(),
        Some(format!("fast-{}", last.strftime("%Y%m%d%H%M%S")).as_str())
    );
    assert!(status.last_successful_time.is_some());
    let next = status.next_schedule_time.expect("nextScheduleTime").0;
    // The next slot follows the last one scheduled; under load the status read may
    // fall between a slot's job and its status write, so it may be a slot further.
    let gap = next.duration_since(last).as_secs();
    assert!(
        gap > 0 && gap % 5 == 0 && gap <= 10,
        "next {next} after last {last}"
    );

    // Suspended: no new jobs.
    schedules
        .patch(
            "fast",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspend": true } })),
        )
        .await?;
    until(
        Duration::from_secs(120),
        "Ready=False Suspended",
        &op,
        || async {
            let s = schedules.get("fast").await.ok()?.status?;
            s.conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.reason == "Suspended")
                .then_some(())
        },
    )
    .await;
    let suspended_at = Timestamp::now();
    tokio::time::sleep(Duration::from_secs(12)).await;
    let after = jobs(&ns, "fast").await;
    assert!(
        after
            .iter()
            .all(|j| j.creation_timestamp().expect("created").0 <= suspended_at),
        "a job was created while suspended: {:?}",
        after.iter().map(ResourceExt::name_any).collect::<Vec<_>>()
    );
    let status = schedules.get("fast").await?.status.unwrap_or_default();
    assert_eq!(status.next_schedule_time, None);

    // Resumed: the next slot runs, and the slots passed while suspended do not.
    let resumed_at = Timestamp::now();
    schedules
        .patch(
            "fast",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspend": false } })),
        )
        .await?;
    let newest = until(
        Duration::from_secs(120),
        "a job after resuming",
        &op,
        || async {
            jobs(&ns, "fast")
                .await
                .last()
                .filter(|j| slot(j) > suspended_at)
                .cloned()
        },
    )
    .await;
    assert!(
        slot(&newest) > resumed_at,
        "a slot from the suspension was replayed: {}",
        newest.name_any()
    );
    assert!(ns.events("CatchUpBackup").await.is_empty());
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_restarted_operator_runs_one_catch_up_for_the_slots_it_missed() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "schedules-restart").await?;
    let (mut op, op_ns) = operator(&ns).await?;
    create_schedule(&ns, "nightly", json!({ "keepLast": 50 })).await?;
    until(Duration::from_secs(120), "a first job", &op, || async {
        (!jobs(&ns, "nightly").await.is_empty()).then_some(())
    })
    .await;

    op.kill();
    let before = jobs(&ns, "nightly").await;
    let last_before = slot(before.last().expect("a job"));
    // Down for at least three slots (the new process also waits for the lease).
    tokio::time::sleep(Duration::from_secs(16)).await;
    let op = OperatorProcess::start(api_server(), &op_ns, &["--watch-namespace", &ns.name])?;

    let event = until(
        Duration::from_secs(120),
        "a CatchUpBackup event",
        &op,
        || async { ns.events("CatchUpBackup").await.into_iter().next() },
    )
    .await;
    let after = jobs(&ns, "nightly").await;
    let catch_up = after
        .iter()
        .find(|j| slot(j) > last_before)
        .expect("the catch-up job");
    let gap = slot(catch_up).duration_since(last_before);
    let skipped = gap.as_secs() / 5 - 1;
    println!(
        "last slot before the kill {last_before}, catch-up {} ({gap:#} later): {}",
        slot(catch_up),
        event.message.clone().unwrap_or_default()
    );
    assert!(skipped >= 2, "the operator was down for {gap:#} only");
    assert!(
        event
            .message
            .as_deref()
            .is_some_and(|m| m.contains(&format!("{skipped} earlier missed slots were skipped"))),
        "{event:?}"
    );
    // Regular slots go on after the catch-up.
    until(
        Duration::from_secs(120),
        "a regular job after the catch-up",
        &op,
        || async {
            let jobs = jobs(&ns, "nightly").await;
            jobs.iter()
                .any(|j| slot(j) == slot(catch_up) + SignedDuration::from_secs(5))
                .then_some(())
        },
    )
    .await;
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn an_unknown_time_zone_is_a_warning_and_creates_nothing() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "schedules-invalid").await?;
    let (op, _) = operator(&ns).await?;
    create_schedule(&ns, "lost", json!({ "timeZone": "Mars/Olympus" })).await?;
    let schedules: Api<OdooBackupSchedule> = ns.api();
    let condition = until(Duration::from_secs(120), "Ready=False", &op, || async {
        let s = schedules.get("lost").await.ok()?.status?;
        s.conditions.into_iter().find(|c| c.type_ == "Ready")
    })
    .await;
    assert_eq!(
        (condition.status.as_str(), condition.reason.as_str()),
        ("False", "InvalidSchedule")
    );
    assert!(condition.message.contains("Mars/Olympus"), "{condition:?}");
    let warnings = until(
        Duration::from_secs(120),
        "an InvalidSchedule event",
        &op,
        || async {
            let e = ns.events("InvalidSchedule").await;
            (!e.is_empty()).then_some(e)
        },
    )
    .await;
    assert_eq!(warnings[0].type_.as_deref(), Some("Warning"));
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(jobs(&ns, "lost").await.is_empty());
    ns.delete().await;
    Ok(())
}
