//! OdooBackupSchedule: creates an OdooBackupJob at each slot of its cron schedule
//! and deletes old ones beyond its retention.
//!
//! Each slot's job is named `<schedule>-<UTC slot time>`, so a reconcile retried
//! after a failed status write finds the job it created instead of making a second.
//! Slots missed while the operator was down (or the schedule suspended or invalid)
//! are not replayed: at most one catch-up runs, for the newest missed slot while
//! the operator was down, and an event says how many were skipped. The reconcile
//! asks to run again exactly at the next slot.
//!
//! Retention deletes a pruned OdooBackupJob with its archive (see [`prune`]); a
//! schedule deleted by hand leaves its backups' archives in storage.

mod retention;
mod slot;
mod timing;

use odoo_model::Reason;
use odoo_model::api_error::is_not_found;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::backup_use::backups_in_use;
use odoo_model::labels::{SCHEDULE_LABEL, SCHEDULED_TIME_ANNOTATION};
use odoo_model::{
    JobPhase, OdooBackupJob, OdooBackupSchedule, OdooBackupScheduleStatus, OdooRestoreJob,
};
use serde_json::json;

pub use retention::{Backup, Policy, Tiers, describe_policy, parse_max_age, policy, to_delete};
pub use timing::{Cron, Due, TimingError};

use crate::runtime::context::Context;
use crate::runtime::entry::{self, Controlled, Passing};
use crate::runtime::error::Error;
use crate::status::set_condition;

/// The schedule's one condition: True while it creates backups.
const READY: &str = "Ready";

impl Controlled for OdooBackupSchedule {
    const CONTROLLER: &'static str = "schedule";

    fn pass<'a>(schedule: &'a Self, ctx: &'a Arc<Context>) -> Passing<'a> {
        Box::pin(async move {
            let result = reconcile_schedule(schedule, ctx).await;
            if result.is_ok() {
                entry::succeeded::<OdooBackupSchedule>(ctx, schedule);
            }
            result
        })
    }
}

async fn reconcile_schedule(s: &OdooBackupSchedule, ctx: &Context) -> Result<Action, Error> {
    let api: Api<OdooBackupJob> =
        Api::namespaced(ctx.client.clone(), &s.namespace().unwrap_or_default());
    let now = Timestamp::now();
    let current = s.status.clone().unwrap_or_default();
    let mut status = OdooBackupScheduleStatus {
        observed_generation: s.meta().generation,
        ..current.clone()
    };

    // An expression or zone that cannot work is permanent: say so once, then wait.
    let cron = match Cron::parse(&s.spec.schedule, s.spec.time_zone.as_deref(), now) {
        Ok(cron) => cron,
        Err(e) => return invalid_schedule(ctx, s, &current, status, &e, now).await,
    };

    let Listed {
        mut backups,
        jobs,
        last_success,
    } = list_backups(ctx, &api, s).await?;
    if s.spec.suspend {
        set_ready(
            &mut status,
            s,
            now,
            false,
            Reason::Suspended,
            "no new backups while spec.suspend is true",
        );
        status.next_schedule_time = None;
    } else {
        if let Some(due) = cron.due(since(s, &current, &backups, now), now) {
            slot::run(ctx, s, &cron, due, now, &mut status, &mut backups).await?;
        }
        let zone = s.spec.time_zone.as_deref().unwrap_or("UTC");
        let message = format!("backups at '{}' ({zone})", s.spec.schedule);
        set_ready(&mut status, s, now, true, Reason::Scheduled, &message);
        status.next_schedule_time = cron.next_after(now).map(Time);
    }

    let policy = policy(s, cron.zone().clone());
    prune(ctx, s, &api, (&backups, &jobs), &policy, now).await?;
    status.last_successful_time = last_successful(&current, last_success);
    write_status(ctx, s, &current, &status).await?;
    Ok(requeue_at(status.next_schedule_time.as_ref()))
}

/// Sets the Ready condition as of `now`, for the generation this reconcile read.
fn set_ready(
    status: &mut OdooBackupScheduleStatus,
    s: &OdooBackupSchedule,
    now: Timestamp,
    ok: bool,
    reason: Reason,
    message: &str,
) {
    set_condition(
        &mut status.conditions,
        READY,
        ok,
        reason,
        message,
        s.meta().generation,
        &Time(now),
    );
}

/// A schedule that cannot come due: not Ready, no next time, an event only when
/// the condition changes (so once, not at every reconcile), then nothing until
/// the spec changes.
async fn invalid_schedule(
    ctx: &Context,
    s: &OdooBackupSchedule,
    current: &OdooBackupScheduleStatus,
    mut status: OdooBackupScheduleStatus,
    e: &TimingError,
    now: Timestamp,
) -> Result<Action, Error> {
    set_ready(
        &mut status,
        s,
        now,
        false,
        Reason::InvalidSchedule,
        &e.to_string(),
    );
    status.next_schedule_time = None;
    if status.conditions != current.conditions {
        ctx.event(s, true, Reason::InvalidSchedule, e.to_string())
            .await;
    }
    write_status(ctx, s, current, &status).await?;
    Ok(Action::await_change())
}

/// The newest completion of a succeeded job, as recorded or as listed now: a
/// pruned job's completion stays recorded.
fn last_successful(current: &OdooBackupScheduleStatus, listed: Option<Timestamp>) -> Option<Time> {
    [current.last_successful_time.as_ref().map(|t| t.0), listed]
        .into_iter()
        .flatten()
        .max()
        .map(Time)
}

/// Wakes at the next slot, measured from after the reconcile's own writes; a
/// schedule without one waits for a change.
fn requeue_at(next: Option<&Time>) -> Action {
    match next {
        Some(next) => Action::requeue(
            Duration::try_from(next.0.duration_since(Timestamp::now())).unwrap_or(Duration::ZERO),
        ),
        None => Action::await_change(),
    }
}

/// The time after which slots count: the last slot run, or when the schedule
/// became active (created, resumed, fixed) — so a suspended schedule does not
/// replay what it skipped, and a new one does not run for a slot before it existed.
fn since(
    s: &OdooBackupSchedule,
    current: &OdooBackupScheduleStatus,
    backups: &[Backup],
    now: Timestamp,
) -> Timestamp {
    let active_since = match current.conditions.iter().find(|c| c.type_ == READY) {
        Some(c) if c.status == "True" => c.last_transition_time.0,
        // Becomes active in this reconcile.
        Some(_) => now,
        None => s.creation_timestamp().map_or(now, |t| t.0),
    };
    let last_run = current.last_schedule_time.as_ref().map(|t| t.0);
    // Jobs tell the slots already run even when the cached status lags behind.
    let newest_job = backups.iter().map(|b| b.time).max();
    [Some(active_since), last_run, newest_job]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(now)
}

/// A schedule's backup jobs: what retention must know of each, the objects, and
/// when the newest succeeded one completed.
struct Listed {
    backups: Vec<Backup>,
    jobs: Vec<OdooBackupJob>,
    last_success: Option<Timestamp>,
}

/// The schedule's backup jobs, with what retention must know of each, and when
/// the newest succeeded one completed. The namespace's restores say which backups
/// are in use (a restore may read a backup of another schedule's instance).
async fn list_backups(
    ctx: &Context,
    api: &Api<OdooBackupJob>,
    s: &OdooBackupSchedule,
) -> Result<Listed, Error> {
    let all = api
        .list(&ListParams::default())
        .await
        .map_err(Error::kube("listing the namespace's OdooBackupJobs"))?
        .items;
    let restores: Api<OdooRestoreJob> =
        Api::namespaced(ctx.client.clone(), &s.namespace().unwrap_or_default());
    let restores = restores
        .list(&ListParams::default())
        .await
        .map_err(Error::kube("listing the namespace's OdooRestoreJobs"))?
        .items;
    let in_use = backups_in_use(&restores, &all);
    let uid = s.uid();
    let mut last_success = None;
    let mut backups = Vec::new();
    let mut jobs = Vec::new();
    // A same-named schedule deleted earlier left jobs the garbage collector takes.
    for job in all.into_iter().filter(|j| {
        j.labels().get(SCHEDULE_LABEL) == Some(&s.name_any())
            && j.owner_references()
                .iter()
                .any(|o| Some(&o.uid) == uid.as_ref())
    }) {
        let status = job.status.clone().unwrap_or_default().job;
        let time = job
            .annotations()
            .get(SCHEDULED_TIME_ANNOTATION)
            .and_then(|t| t.parse().ok())
            .or(job.creation_timestamp().map(|t| t.0))
            .unwrap_or_else(Timestamp::now);
        if status.phase == Some(JobPhase::Succeeded) {
            let done = status.completion_time.map_or(time, |t| t.0);
            last_success = last_success.max(Some(done));
        }
        let name = job.name_any();
        let backup = Backup {
            phase: status.phase,
            time,
            verified: job.verified(),
            held: job.spec.hold,
            in_use: in_use.iter().any(|u| u.backup == name),
            name,
        };
        backups.push(backup);
        jobs.push(job);
    }
    Ok(Listed {
        backups,
        jobs,
        last_success,
    })
}

/// Deletes the jobs beyond the schedule's retention, each stored archive with its
/// job: the job gets the cleanup finalizer and the deletion request in one write
/// (conditional on the version listed), so the backup controller deletes the
/// archive before the resource goes, retrying until it is gone.
async fn prune(
    ctx: &Context,
    s: &OdooBackupSchedule,
    api: &Api<OdooBackupJob>,
    (backups, jobs): (&[Backup], &[OdooBackupJob]),
    policy: &Policy,
    now: Timestamp,
) -> Result<(), Error> {
    let doomed = to_delete(backups, policy, now);
    if doomed.is_empty() {
        return Ok(());
    }
    for name in &doomed {
        let Some(job) = jobs.iter().find(|j| &j.name_any() == name) else {
            continue;
        };
        let stored = job.status.as_ref().is_some_and(|st| st.sha256.is_some());
        if stored && !job.archive_deletion_requested() {
            let request = Patch::Merge(job.archive_deletion_request());
            match api.patch(name, &PatchParams::default(), &request).await {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => continue,
                Err(e) => {
                    return Err(Error::kube(format!(
                        "asking for the archive of OdooBackupJob {name} to be deleted"
                    ))(e));
                }
            }
        }
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(Error::kube(format!("deleting OdooBackupJob {name}"))(e)),
        }
    }
    ctx.event(
        s,
        false,
        Reason::BackupsPruned,
        format!(
            "deleted {} with their archives ({})",
            doomed.join(", "),
            describe_policy(&s.spec)
        ),
    )
    .await;
    Ok(())
}

async fn write_status(
    ctx: &Context,
    s: &OdooBackupSchedule,
    current: &OdooBackupScheduleStatus,
    next: &OdooBackupScheduleStatus,
) -> Result<(), Error> {
    if next == current {
        return Ok(());
    }
    let schedules: Api<OdooBackupSchedule> =
        Api::namespaced(ctx.client.clone(), &s.namespace().unwrap_or_default());
    let mut status = json!(next);
    // A merge patch keeps what it does not mention: clear nextScheduleTime explicitly.
    if next.next_schedule_time.is_none() {
        status["nextScheduleTime"] = serde_json::Value::Null;
    }
    schedules
        .patch_status(
            &s.name_any(),
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": status })),
        )
        .await
        .map_err(Error::kube("writing the schedule status"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_success_is_the_newest_known() {
        let at = |t: &str| t.parse::<Timestamp>().expect("a valid timestamp");
        let recorded = OdooBackupScheduleStatus {
            last_successful_time: Some(Time(at("2026-01-02T00:00:00Z"))),
            ..Default::default()
        };
        let older = Some(at("2026-01-01T00:00:00Z"));
        let newer = Some(at("2026-01-03T00:00:00Z"));
        assert_eq!(
            last_successful(&recorded, older),
            recorded.last_successful_time
        );
        assert_eq!(last_successful(&recorded, newer), newer.map(Time));
        assert_eq!(last_successful(&Default::default(), None), None);
    }
}
