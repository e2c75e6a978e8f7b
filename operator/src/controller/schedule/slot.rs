//! A due slot's run: its OdooBackupJob, the events that announce it, and what the
//! status and retention learn of it.
//!
//! Names its siblings and the controller's modules directly, never its parent.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, PostParams};
use kube::core::ObjectMeta;
use kube::{Resource, ResourceExt};
use odoo_model::Reason;
use odoo_model::api_error::is_conflict;
use odoo_model::backup_job::{BackupTemplate, BackupVerify};
use odoo_model::labels::{SCHEDULE_LABEL, SCHEDULED_TIME_ANNOTATION, instance_labels};
use odoo_model::{OdooBackupJob, OdooBackupJobSpec, OdooBackupSchedule, OdooBackupScheduleStatus};

use super::retention::Backup;
use super::timing::{self, Cron, Due};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// A slot started later than this after its time is announced as a catch-up.
const LATE: SignedDuration = SignedDuration::from_secs(60);

/// Runs the due slot: creates its job (unless a retried reconcile did already),
/// announces it, and records it in `status` and, when the listing missed it, in
/// `backups`, so retention counts it.
pub(super) async fn run(
    ctx: &Context,
    s: &OdooBackupSchedule,
    cron: &Cron,
    due: Due,
    now: Timestamp,
    status: &mut OdooBackupScheduleStatus,
    backups: &mut Vec<Backup>,
) -> Result<(), Error> {
    let job = cron.job_name(&s.name_any(), due.slot);
    let verified = verified(status.backups_created, s.spec.verify_every);
    if create_job(ctx, s, &job, due.slot, verified).await? {
        status.backups_created += 1;
        ctx.event(
            s,
            false,
            Reason::BackupCreated,
            format!("created OdooBackupJob {job} for {}", due.slot),
        )
        .await;
    }
    if catch_up(due, now) {
        ctx.event(
            s,
            false,
            Reason::CatchUpBackup,
            format!(
                "catch-up backup for the slot {} (missed while the operator was not running); {} earlier missed slots were skipped",
                due.slot,
                timing::describe_count(due.skipped)
            ),
        )
        .await;
    }
    status.last_schedule_time = Some(Time(due.slot));
    status.last_backup_job = Some(job.clone());
    if !backups.iter().any(|b| b.name == job) {
        backups.push(Backup {
            name: job,
            phase: None,
            time: due.slot,
            verified: false,
            held: false,
            in_use: false,
        });
    }
    Ok(())
}

/// Whether the next job keeps the template's verification: every `verifyEvery`th
/// one, counted by the jobs created so far (every one when unset or 0).
fn verified(backups_created: u64, verify_every: Option<u32>) -> bool {
    backups_created.is_multiple_of(u64::from(verify_every.unwrap_or(1).max(1)))
}

/// Whether the slot runs as a catch-up: earlier slots were skipped, or it starts
/// late.
fn catch_up(due: Due, now: Timestamp) -> bool {
    due.skipped > 0 || now.duration_since(due.slot) > LATE
}

/// Creates the slot's job; false when it exists already (a retried reconcile).
/// `verified`: this one is among every `verifyEvery`th and keeps the template's
/// verification; the others are not verified.
async fn create_job(
    ctx: &Context,
    s: &OdooBackupSchedule,
    name: &str,
    slot: Timestamp,
    verified: bool,
) -> Result<bool, Error> {
    let instance = &s.spec.instance_ref.name;
    let mut labels = instance_labels(instance, "backup");
    labels.insert(SCHEDULE_LABEL.to_owned(), s.name_any());
    let job = OdooBackupJob {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: s.namespace(),
            labels: Some(labels),
            annotations: Some(BTreeMap::from([(
                SCHEDULED_TIME_ANNOTATION.to_owned(),
                slot.to_string(),
            )])),
            owner_references: s.controller_owner_ref(&()).map(|o| vec![o]),
            ..ObjectMeta::default()
        },
        spec: OdooBackupJobSpec {
            instance_ref: s.spec.instance_ref.clone(),
            backup: BackupTemplate {
                verify: if verified {
                    s.spec.template.verify
                } else {
                    BackupVerify::None
                },
                ..s.spec.template.clone()
            },
            hold: false,
        },
        status: None,
    };
    let api: Api<OdooBackupJob> =
        Api::namespaced(ctx.client.clone(), &s.namespace().unwrap_or_default());
    match api.create(&PostParams::default(), &job).await {
        Ok(_) => Ok(true),
        Err(e) if is_conflict(&e) => Ok(false),
        Err(e) => Err(Error::kube(format!("creating OdooBackupJob {name}"))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verify_every_th_job_is_verified() {
        let pattern = |every| (0..6).map(|n| verified(n, every)).collect::<Vec<_>>();
        assert_eq!(pattern(None), [true; 6]);
        assert_eq!(pattern(Some(0)), [true; 6]);
        assert_eq!(pattern(Some(3)), [true, false, false, true, false, false]);
    }

    #[test]
    fn a_skipped_or_late_slot_is_a_catch_up() {
        let slot: Timestamp = "2026-01-01T02:00:00Z".parse().expect("a valid timestamp");
        let on_time = Due { slot, skipped: 0 };
        assert!(!catch_up(on_time, slot + SignedDuration::from_secs(60)));
        assert!(catch_up(on_time, slot + SignedDuration::from_secs(61)));
        assert!(catch_up(Due { slot, skipped: 1 }, slot));
    }
}
