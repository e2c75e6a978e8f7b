//! A job that has not started: it waits for its time, for the instance's other
//! jobs and for a settled instance, then records its target, the previous image
//! and its strategy, and says so on the instance. Pure.

use std::time::Duration;

use k8s_openapi::jiff::{Timestamp, Unit};
use kube::ResourceExt;
use odoo_model::Reason;
use odoo_model::upgrade_job::{UpgradeStep, UpgradeStrategy};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooUpgradeJob};

use super::facts::{Effect, Facts, Step, current};
use super::outcome::{NEXT_STEP, QUEUED};
use super::plan;
use crate::controller::step::{Again, Ending, JobStep, On};

/// Phases in which an instance can be upgraded: it has a schema and is not busy.
fn upgradable(phase: Option<InstancePhase>) -> bool {
    phase.is_some_and(|p| {
        p.is_settled() || matches!(p, InstancePhase::Upgrading | InstancePhase::UpgradeFailed)
    })
}

/// How long until the job's time, when it is still to come.
fn until_scheduled(job: &OdooUpgradeJob, now: Timestamp) -> Option<(Timestamp, Duration)> {
    let at = job.spec.scheduled_at.as_ref().map(|t| t.0)?;
    if at <= now {
        return None;
    }
    let wait = (at - now).total(Unit::Second).unwrap_or(60.0);
    Some((at, Duration::from_secs_f64(wait.clamp(1.0, 3600.0))))
}

/// A job not started yet: why it waits, or its start.
pub fn step(job: &OdooUpgradeJob, instance: &OdooInstance, f: &Facts) -> Step {
    let mut status = current(job);
    if let Some((at, wait)) = until_scheduled(job, f.seen.now) {
        status.job.message = Some(format!("scheduled for {at}"));
        return JobStep::End(Ending::new(status, JobPhase::Scheduled, Again::After(wait)));
    }
    let Some(busy) = &f.busy else {
        return JobStep::Do(Effect::ReadBusy);
    };
    let waiting = match (busy, upgradable(instance.phase())) {
        (Some(other), _) => Some(format!("queued: waiting for {other} to finish")),
        (None, false) => Some(format!(
            "queued: waiting for the instance to be initialized and settled (it is {})",
            instance.phase_text()
        )),
        (None, true) => None,
    };
    if let Some(message) = waiting {
        status.job.message = Some(message);
        return JobStep::End(Ending::new(status, JobPhase::Pending, Again::After(QUEUED)));
    }
    start(job, instance, f)
}

/// The strategy of a job: its own, else the instance's; a rehearsal always copies.
pub fn strategy_of(job: &OdooUpgradeJob, instance: &OdooInstance) -> UpgradeStrategy {
    if job.spec.rehearsal {
        return UpgradeStrategy::Copy;
    }
    job.spec
        .strategy
        .unwrap_or(instance.spec.auto_upgrade.strategy)
}

/// The first step of the strategy, and what the job says as it starts.
fn opening(
    strategy: UpgradeStrategy,
    rehearsal: bool,
    instance: &str,
    database: &str,
    target: &str,
) -> (Option<UpgradeStep>, String) {
    match (strategy, rehearsal) {
        (UpgradeStrategy::InPlace, _) => (
            None,
            format!("upgrading {instance} to {target} in place; cron is stopped first"),
        ),
        (UpgradeStrategy::Copy, false) => (
            Some(UpgradeStep::Stopping),
            format!("upgrading a copy of {database} to {target}; {instance} stops first"),
        ),
        (UpgradeStrategy::Copy, true) => (
            Some(UpgradeStep::Copying),
            format!(
                "rehearsing the upgrade to {target} on a copy of {database}; {instance} keeps serving"
            ),
        ),
    }
}

/// Starts the upgrade: records the target, the previous image and the strategy,
/// holds the job for cleanup before a copy is made, and says so on the instance.
fn start(job: &OdooUpgradeJob, instance: &OdooInstance, f: &Facts) -> Step {
    let Some(resolved) = &f.resolved else {
        return JobStep::Do(Effect::Resolve);
    };
    let mut status = current(job);
    let recorded = instance.status.clone().unwrap_or_default();
    let target = job.target_of(instance);
    let strategy = strategy_of(job, instance);
    let database = resolved.v.database.name.clone();
    let (step, message) = opening(
        strategy,
        job.spec.rehearsal,
        &instance.name_any(),
        &database,
        &target,
    );
    // A real upgrade says whether (and how) its target was rehearsed: the newer of
    // what the instance records (which outlives a deleted rehearsal job) and the
    // upgrade jobs themselves (the instance records a rehearsal a moment after
    // it ends).
    let rehearsed = if job.spec.rehearsal {
        String::new()
    } else {
        let Some(seen) = &f.rehearsed else {
            return JobStep::Do(Effect::ReadRehearsed);
        };
        match odoo_model::last::newer_rehearsal(recorded.last_rehearsal.clone(), seen.clone()) {
            Some(r) if r.image == target => format!("; {}", r.describe()),
            _ => "; not rehearsed".to_owned(),
        }
    };
    if let Some(step) = step {
        // Before the copy is made: a deletion from here on removes it.
        if f.seen.held.is_none() {
            return JobStep::Hold;
        }
        status.copy_database = Some(plan::copy_name(&database, job));
        super::copy::enter(&mut status, step);
    }
    status.image = Some(target.clone());
    status.previous_image = recorded.image.clone();
    status.previous_cron_replicas = Some(instance.spec.cron.replicas);
    status.strategy = Some(strategy);
    let message = format!("{message}{rehearsed}");
    let reason = if job.spec.rehearsal {
        Reason::RehearsalStarted
    } else {
        Reason::UpgradeStarted
    };
    let from = recorded.image.unwrap_or_default();
    let said = format!("{from} → {target} ({strategy}): {message}");
    status.job.message = Some(message);
    let ending = Ending::new(status, JobPhase::Running, Again::After(NEXT_STEP));
    JobStep::End(ending.told(On::Instance, false, reason, said))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::step::{ended, message, told};
    use odoo_model::instance::{OdooInstanceStatus, Rehearsal};

    use super::super::facts::Resolved;
    use super::super::test_support::job;

    fn instance(phase: InstancePhase) -> OdooInstance {
        let mut instance = OdooInstance::new("shop", Default::default());
        instance.status = Some(OdooInstanceStatus {
            phase: Some(phase),
            image: Some("odoo:18.0-a".into()),
            ..Default::default()
        });
        instance
    }

    #[test]
    fn a_job_scheduled_later_waits_for_its_time_without_reading_anything() {
        let mut j = job();
        let now: Timestamp = "2026-12-04T10:00:00Z".parse().expect("time");
        let at: Timestamp = "2026-12-04T10:05:00Z".parse().expect("time");
        j.spec.scheduled_at = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(at));
        let mut f = Facts::default();
        f.seen.now = now;
        let e = ended(step(&j, &instance(InstancePhase::Running), &f));
        assert_eq!(e.phase, JobPhase::Scheduled);
        assert_eq!(message(&e), "scheduled for 2026-12-04T10:05:00Z");
        assert_eq!(e.again, Again::After(Duration::from_secs(300)));
    }

    #[test]
    fn it_queues_behind_another_job_and_an_unsettled_instance() {
        let j = job();
        let running = instance(InstancePhase::Running);
        assert_eq!(
            step(&j, &running, &Facts::default()),
            JobStep::Do(Effect::ReadBusy)
        );
        let f = Facts {
            busy: Some(Some("OdooBackupJob/b".into())),
            ..Facts::default()
        };
        let e = ended(step(&j, &running, &f));
        assert_eq!(e.phase, JobPhase::Pending);
        assert_eq!(message(&e), "queued: waiting for OdooBackupJob/b to finish");
        assert_eq!(e.again, Again::After(QUEUED));
        let f = Facts {
            busy: Some(None),
            ..Facts::default()
        };
        let e = ended(step(&j, &instance(InstancePhase::Provisioning), &f));
        let message = message(&e);
        assert_eq!(
            message,
            "queued: waiting for the instance to be initialized and settled (it is Provisioning)"
        );
    }

    #[test]
    fn a_copy_upgrade_is_held_for_cleanup_then_starts_and_says_so_on_the_instance() {
        let j = job();
        let i = instance(InstancePhase::Running);
        let mut f = Facts {
            busy: Some(None),
            ..Facts::default()
        };
        // The database is the resolved view's, not the spec's as written.
        assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::Resolve));
        f.resolved = Some(Resolved::sample("shop_live"));
        assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::ReadRehearsed));
        f.rehearsed = Some(None);
        assert_eq!(step(&j, &i, &f), JobStep::Hold);
        f.seen.held = Some(Box::new(j.clone()));
        let e = ended(step(&j, &i, &f));
        assert_eq!(e.phase, JobPhase::Running);
        assert_eq!(e.status.step, Some(UpgradeStep::Stopping));
        assert_eq!(e.status.image.as_deref(), Some("odoo:19.0-b"));
        assert_eq!(e.status.previous_image.as_deref(), Some("odoo:18.0-a"));
        let copy = e.status.copy_database.as_deref().unwrap_or_default();
        assert!(copy.contains("_upgrading_"), "{copy}");
        let message = message(&e);
        assert_eq!(
            message,
            "upgrading a copy of shop_live to odoo:19.0-b; shop stops first; not rehearsed"
        );
        assert_eq!(told(&e), [(On::Instance, false, Reason::UpgradeStarted)]);
        assert_eq!(
            e.events[0].text,
            format!("odoo:18.0-a → odoo:19.0-b (Copy): {message}")
        );
    }

    #[test]
    fn an_in_place_upgrade_names_a_rehearsal_of_its_target_and_is_not_held() {
        let mut j = job();
        j.spec.strategy = Some(UpgradeStrategy::InPlace);
        let rehearsal = Rehearsal {
            job: "try".into(),
            image: "odoo:19.0-b".into(),
            succeeded: true,
            finished_at: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                Timestamp::UNIX_EPOCH,
            ),
            duration_seconds: Some(42),
            message: None,
        };
        let f = Facts {
            busy: Some(None),
            resolved: Some(Resolved::sample("shop")),
            rehearsed: Some(Some(rehearsal.clone())),
            ..Facts::default()
        };
        let e = ended(step(&j, &instance(InstancePhase::Running), &f));
        assert_eq!(e.status.step, None);
        assert_eq!(e.status.copy_database, None);
        let message = message(&e);
        assert_eq!(
            message,
            "upgrading shop to odoo:19.0-b in place; cron is stopped first; rehearsed odoo:19.0-b 1970-01-01 00:00 UTC in 0m42s, succeeded"
        );
    }

    #[test]
    fn a_rehearsal_copies_without_stopping_and_reads_no_earlier_rehearsal() {
        let mut j = job();
        j.spec.rehearsal = true;
        j.spec.strategy = Some(UpgradeStrategy::InPlace);
        let mut f = Facts {
            busy: Some(None),
            resolved: Some(Resolved::sample("shop")),
            ..Facts::default()
        };
        f.seen.held = Some(Box::new(j.clone()));
        let e = ended(step(&j, &instance(InstancePhase::Running), &f));
        assert_eq!(e.status.strategy, Some(UpgradeStrategy::Copy));
        assert_eq!(e.status.step, Some(UpgradeStep::Copying));
        assert_eq!(told(&e), [(On::Instance, false, Reason::RehearsalStarted)]);
    }
}
