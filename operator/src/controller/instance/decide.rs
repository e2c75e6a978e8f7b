//! Decide: the facts and the stored status give the transition (through the table),
//! the image the Deployments may run, what the phase keeps in place and when to look
//! again. Pure: everything it needs was read before, everything it asks for is done
//! after.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::{SignedDuration, Timestamp, Unit};
use kube::Resource;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::{InstancePhase, JobPhase, OdooInstance};
use serde_json::Value;

use super::dereference::Facts;
use crate::config::OperatorConfig;
use crate::runtime::observe::UpgradeView;
use crate::state::ensure::{ImageChoice, Plan, plan};
use crate::state::{Observed, table};
use crate::status::{self, types};
use crate::validate::{ValidInstance, ValidationError};

/// An event a step of the pass emits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub warning: bool,
    pub reason: Reason,
    pub message: String,
}

impl Note {
    pub fn normal(reason: Reason, message: String) -> Note {
        Note {
            warning: false,
            reason,
            message,
        }
    }

    pub fn warning(reason: Reason, message: String) -> Note {
        Note {
            warning: true,
            reason,
            message,
        }
    }
}

/// What this pass's provisioning found: the database holds an Odoo schema already
/// or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provisioned {
    pub initialized: bool,
}

/// Provisioning failed: the cluster could not be reached, or refused. Decided into
/// a condition and an event (see `desired::after_database_failure`) before the
/// reconcile retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseFailure {
    pub cluster: String,
    pub unreachable: bool,
    /// What failed, with the server's address.
    pub message: String,
    /// The error as the driver gave it, for the retry.
    pub error: String,
}

impl DatabaseFailure {
    /// The DatabaseReady condition's reason.
    pub fn reason(&self) -> Reason {
        if self.unreachable {
            Reason::Unreachable
        } else {
            Reason::ProvisioningFailed
        }
    }

    /// The Warning event that goes with the condition.
    pub fn note(&self) -> Note {
        let reason = if self.unreachable {
            Reason::DatabaseUnreachable
        } else {
            Reason::DatabaseProvisioningFailed
        };
        Note::warning(reason, self.message.clone())
    }
}

/// What the reconcile does next.
#[derive(Debug, Clone)]
pub enum Step {
    /// Spec fields the operator has defaults for are unset: write them (the update
    /// starts the next reconcile) and decide nothing else on a spec that will change.
    WriteDefaults {
        patch: Value,
        fields: Vec<&'static str>,
    },
    Reconcile(Box<Decision>),
}

pub use crate::build::deployment::Workloads;

/// An upgraded image taken back: the upgrade job to mark and what the event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    pub job: String,
    pub message: String,
}

/// The decision of one reconcile.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The resolved instance, or why the spec cannot work (then the phase is Error).
    pub valid: Result<ValidInstance, ValidationError>,
    pub from: InstancePhase,
    pub transition: Option<&'static table::Transition>,
    /// The phase after the transition (`from` when none fires).
    pub phase: InstancePhase,
    /// What the phase keeps in place.
    pub plan: Plan,
    /// The image the instance is approved to run (`status.image`); `None` while the
    /// spec is invalid, which leaves the stored one.
    pub approved: Option<String>,
    /// The Deployments' replicas and image, when the phase manages them.
    pub workloads: Option<Workloads>,
    pub rollback: Option<Rollback>,
    /// The stored conditions with what the transition's action changed.
    pub conditions: Vec<Condition>,
    /// `status.message`: the validation error, the transition's guard, or as stored.
    pub message: String,
    pub requeue: Action,
}

impl Decision {
    /// The one-shot action of the transition, if any.
    pub fn action(&self) -> Option<table::Action> {
        self.transition.and_then(|t| t.action)
    }
}

/// The decision for `instance` with `facts`, at `now`.
pub fn decide(
    instance: &OdooInstance,
    facts: &Facts,
    config: &OperatorConfig,
    now: Timestamp,
) -> Step {
    let valid = match crate::defaults::for_instance(instance, config, facts.clusters.as_ref()) {
        Ok(Some((patch, fields))) => return Step::WriteDefaults { patch, fields },
        Ok(None) => facts.valid.clone(),
        Err(e) => Err(e),
    };
    let spec = &instance.spec;
    let current = instance.status.clone().unwrap_or_default();
    let from = current.phase.unwrap_or(InstancePhase::Provisioning);
    let spec_image = valid.as_ref().ok().map(|v| v.images.spec.clone());
    // The approved image is what the Deployments run. With automatic upgrades it
    // changes only when an upgrade job succeeded (or is rolled back); without, it
    // follows the spec at once.
    let approved = match (&current.image, spec.auto_upgrade.enabled) {
        (Some(image), true) => Some(image.clone()),
        _ => spec_image.clone(),
    };
    let deadline = approved
        .as_deref()
        .and_then(|a| rollback_deadline(instance, facts.upgrade.as_ref(), a));
    let rolled_out = rollout_complete(facts.web.as_ref(), spec.replicas);
    let upgrade_attempted = spec_image
        .as_ref()
        .is_some_and(|image| facts.upgrade_targets.contains(image));
    let observed = Observed {
        image_current: approved == spec_image,
        upgrade_attempted,
        rollout_timed_out: deadline.is_some_and(|d| now > d) && !rolled_out,
        ..observed(instance, facts, valid.is_ok())
    };
    let transition = table::next(from, &observed);
    let phase = transition.map_or(from, |t| t.to);
    let images = image_action(instance, facts, transition, approved, now);
    let message = match (&valid, transition) {
        (Err(e), _) => e.to_string(),
        (Ok(_), Some(t)) => t.guard.name.to_owned(),
        (Ok(_), None) => current.message.clone().unwrap_or_default(),
    };
    let (web, cron) = valid
        .as_ref()
        .map_or((0, 0), |_| crate::validate::wanted_replicas(&instance.spec));
    let plan = plan(phase, web, cron);
    let workloads = plan
        .workloads
        .filter(|_| valid.is_ok())
        .map(|w| workloads(w, phase, facts, current.image.as_ref(), &images.approved));
    let requeue = requeue(
        transition.is_some(),
        valid.is_ok(),
        deadline,
        rolled_out,
        now,
    );
    Step::Reconcile(Box::new(Decision {
        valid,
        from,
        transition,
        phase,
        plan,
        approved: images.approved,
        workloads,
        rollback: images.rollback,
        conditions: images.conditions,
        message,
        requeue,
    }))
}

/// What the table reads of the instance and its facts; the image's three fields
/// are the decision's own (see [`decide`]).
fn observed(instance: &OdooInstance, facts: &Facts, spec_valid: bool) -> Observed {
    let spec = &instance.spec;
    let conditions = instance
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    Observed {
        spec_valid,
        database_ready: status::is_true(conditions, types::DATABASE_READY),
        database_initialized: status::is_true(conditions, types::INITIALIZED),
        init_enabled: spec.init.enabled,
        jobs: facts.jobs,
        desired_replicas: spec.replicas,
        ready_replicas: ready_replicas(facts.web.as_ref()),
        image_current: false,
        upgrade_job: facts.upgrade.as_ref().map(|u| u.phase),
        auto_upgrade: spec.auto_upgrade.enabled,
        upgrade_attempted: false,
        rollout_timed_out: false,
    }
}

/// What the transition's action makes of the approved image and the conditions.
struct Images {
    approved: Option<String>,
    rollback: Option<Rollback>,
    conditions: Vec<Condition>,
}

/// Adopting an upgraded image approves its target (and clears RolledBack); a
/// rollback approves the previous image again and says so. Other transitions
/// keep the approved image and the stored conditions.
fn image_action(
    instance: &OdooInstance,
    facts: &Facts,
    transition: Option<&'static table::Transition>,
    mut approved: Option<String>,
    now: Timestamp,
) -> Images {
    let mut conditions = instance.status.clone().unwrap_or_default().conditions;
    let mut rollback = None;
    let mut set = |type_, ok, reason, message: String| {
        status::set_condition(
            &mut conditions,
            type_,
            ok,
            reason,
            &message,
            instance.meta().generation,
            &Time(now),
        );
    };
    match transition.and_then(|t| t.action) {
        Some(table::Action::AdoptUpgradedImage) => {
            if let Some(target) = facts.upgrade.as_ref().and_then(|u| u.target.clone()) {
                approved = Some(target);
            }
            let rolled_back = instance
                .status
                .as_ref()
                .is_some_and(|s| status::is_true(&s.conditions, types::ROLLED_BACK));
            if rolled_back {
                let message = format!("upgraded to {}", approved.clone().unwrap_or_default());
                set(types::ROLLED_BACK, false, Reason::Upgraded, message);
            }
        }
        Some(table::Action::RollbackImage) => {
            if let Some(u) = &facts.upgrade
                && let Some(previous) = &u.previous_image
            {
                rollback = Some(Rollback {
                    job: u.name.clone(),
                    message: format!(
                        "web pods of {} were not ready within {}s after {}; reverted to {previous} (the database stays upgraded)",
                        approved.clone().unwrap_or_default(),
                        instance.spec.auto_upgrade.rollback_window_seconds,
                        u.name
                    ),
                });
                approved = Some(previous.clone());
            }
            let message = format!(
                "reverted to {}; the database stays upgraded",
                approved.clone().unwrap_or_default()
            );
            set(types::ROLLED_BACK, true, Reason::NotReadyInWindow, message);
        }
        _ => {}
    }
    Images {
        approved,
        rollback,
        conditions,
    }
}

/// The Deployments' replicas and image in `phase`.
fn workloads(
    w: crate::state::ensure::Workloads,
    phase: InstancePhase,
    facts: &Facts,
    running: Option<&String>,
    approved: &Option<String>,
) -> Workloads {
    Workloads {
        // Maintenance mode (and an upgrade on a copy) stops web for the upgrade.
        web_replicas: if phase == InstancePhase::Upgrading
            && facts.upgrade.as_ref().is_some_and(|u| u.maintenance)
        {
            0
        } else {
            w.web_replicas
        },
        cron_replicas: w.cron_replicas,
        image: match (w.image, running) {
            (ImageChoice::Running, Some(running)) if phase != InstancePhase::UpgradeFailed => {
                running.clone()
            }
            _ => approved.clone().unwrap_or_default(),
        },
    }
}

/// When to look again: at once after a transition, on a change for an invalid
/// spec, when an upgraded image's probation ends, else in five minutes.
fn requeue(
    moved: bool,
    valid: bool,
    deadline: Option<Timestamp>,
    rolled_out: bool,
    now: Timestamp,
) -> Action {
    if moved {
        Action::requeue(Duration::ZERO)
    } else if !valid {
        Action::await_change()
    } else if let Some(deadline) = deadline
        && !rolled_out
    {
        // An upgraded image on probation: look again when its window closes.
        let left = (deadline - now).total(Unit::Second).unwrap_or(0.0);
        let most = LOOK_AGAIN.as_secs_f64();
        Action::requeue(Duration::from_secs_f64(left.clamp(0.0, most) + 1.0))
    } else {
        Action::requeue(LOOK_AGAIN)
    }
}

/// A settled instance's safety net: every change it depends on wakes it sooner
/// (its children, jobs and Secrets are watched).
const LOOK_AGAIN: Duration = Duration::from_secs(300);

/// Ready web pods.
pub fn ready_replicas(web: Option<&Deployment>) -> i32 {
    web.and_then(|d| d.status.as_ref())
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
}

/// The web Deployment runs only pods of its current template, all ready. Ready
/// replicas alone would count old pods a rolling update keeps while new ones fail.
fn rollout_complete(web: Option<&Deployment>, desired: i32) -> bool {
    let Some(d) = web else { return false };
    let s = d.status.clone().unwrap_or_default();
    let current = s.observed_generation >= d.metadata.generation;
    let updated = s.updated_replicas.unwrap_or(0);
    current
        && updated >= desired
        && s.replicas.unwrap_or(0) <= updated
        && s.ready_replicas.unwrap_or(0) >= desired
}

/// When the image of the newest upgrade must be ready by, if it is on probation:
/// the upgrade succeeded, rolled out (it is the approved image), was not rolled back,
/// and the instance asks for automatic rollback.
fn rollback_deadline(
    instance: &OdooInstance,
    upgrade: Option<&UpgradeView>,
    approved: &str,
) -> Option<Timestamp> {
    let auto = &instance.spec.auto_upgrade;
    let u = upgrade?;
    let on_probation = auto.rollback
        && u.phase == JobPhase::Succeeded
        && !u.rolled_back
        && u.target.as_deref() == Some(approved)
        && u.previous_image.as_deref().is_some_and(|p| p != approved);
    if !on_probation {
        return None;
    }
    let window = SignedDuration::from_secs(i64::from(auto.rollback_window_seconds));
    u.completed?.checked_add(window).ok()
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
