//! Desired: the status a decision leads to, and the events that go with it (pure);
//! and the decision once this pass's provisioning is projected onto that status.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::Resource;
use odoo_model::Reason;
use odoo_model::{JobPhase, OdooInstance, OdooInstanceStatus, OdooVersion, last, names};

use super::decide::{DatabaseFailure, Decision, Note, Provisioned, Step, decide, ready_replicas};
use super::dereference::Facts;
use crate::config::OperatorConfig;
use crate::controller::records::Records;
use crate::status::{self, types};
use crate::validate::ValidInstance;

/// Sets one condition of the instance at `generation`, `now`.
struct Conditions<'a> {
    list: Vec<Condition>,
    generation: Option<i64>,
    now: &'a Time,
}

impl Conditions<'_> {
    fn set(&mut self, type_: &str, ok: bool, reason: Reason, message: &str) {
        status::set_condition(
            &mut self.list,
            type_,
            ok,
            reason,
            message,
            self.generation,
            self.now,
        );
    }

    fn is_true(&self, type_: &str) -> bool {
        status::is_true(&self.list, type_)
    }

    fn is_false(&self, type_: &str) -> bool {
        status::is_false(&self.list, type_)
    }

    /// Ready, Progressing and Degraded follow the phase, after every other condition.
    fn with_phase(mut self, decision: &Decision) -> Vec<Condition> {
        status::phase_conditions(
            &mut self.list,
            decision.phase,
            &decision.message,
            self.generation,
            self.now,
        );
        self.list
    }
}

/// The status the decision leads to, and the events that go with it.
pub fn desired(
    instance: &OdooInstance,
    facts: &Facts,
    decision: &Decision,
    provisioned: Option<Provisioned>,
    now: &Time,
) -> (OdooInstanceStatus, Vec<Note>) {
    let current = instance.status.clone().unwrap_or_default();
    let generation = instance.meta().generation;
    let mut conditions = Conditions {
        list: decision.conditions.clone(),
        generation,
        now,
    };
    let mut notes = Vec::new();
    let Ok(valid) = &decision.valid else {
        // A spec that cannot work touches nothing but the phase and why.
        let status = OdooInstanceStatus {
            phase: Some(decision.phase),
            message: Some(decision.message.clone()),
            conditions: conditions.with_phase(decision),
            observed_generation: generation,
            active_job: facts.active_job.clone(),
            ..current
        };
        return (recorded(status, &facts.records), notes);
    };
    database_conditions(&mut conditions, valid, facts, provisioned);
    notes.extend(pull_condition(&mut conditions, facts));
    notes.extend(claim_condition(&mut conditions, facts));
    let conditions = conditions.with_phase(decision);
    let web = facts
        .web
        .as_ref()
        .and_then(|d| d.status.clone())
        .unwrap_or_default();
    let ready = ready_replicas(facts.web.as_ref());
    let wanted = instance.spec.replicas;
    let seen = &facts.records;
    let status = OdooInstanceStatus {
        phase: Some(decision.phase),
        message: Some(decision.message.clone()),
        conditions,
        observed_generation: generation,
        replicas: web.replicas.unwrap_or(0),
        ready_replicas: ready,
        // During a rollout old and new pods are both ready: "2/1" would read as more
        // than wanted. The readiness of what is wanted is at most the wanted count.
        ready: Some(format!("{}/{wanted}", ready.min(wanted.max(0)))),
        selector: Some(format!(
            "{}={},{}=web",
            odoo_model::labels::INSTANCE_LABEL,
            valid.name,
            odoo_model::labels::APP_COMPONENT
        )),
        url: Some(url(valid)),
        image: decision.approved.clone(),
        odoo_version: OdooVersion::of_image(&valid.images.database).map(|v| v.to_string()),
        database: Some(valid.database.name.clone()),
        active_job: facts.active_job.clone(),
        kept_databases: facts
            .kept
            .clone()
            .unwrap_or_else(|| current.kept_databases.clone()),
        ..current
    };
    (recorded(status, seen), notes)
}

/// `status` with what the finished jobs give it: the newer of what it holds and
/// what the jobs show, so a pruned or deleted job changes nothing.
pub fn recorded(status: OdooInstanceStatus, seen: &Records) -> OdooInstanceStatus {
    OdooInstanceStatus {
        last_backup: last::newer_backup(status.last_backup.clone(), seen.last_backup.clone()),
        last_verified_backup: last::newer_backup(
            status.last_verified_backup.clone(),
            seen.last_verified_backup.clone(),
        ),
        last_rehearsal: last::newer_rehearsal(
            status.last_rehearsal.clone(),
            seen.last_rehearsal.clone(),
        ),
        ..status
    }
}

/// DatabaseReady and Initialized: what this pass provisioned, and what an init
/// job or a restore made of the database.
fn database_conditions(
    conditions: &mut Conditions<'_>,
    valid: &ValidInstance,
    facts: &Facts,
    provisioned: Option<Provisioned>,
) {
    if let Some(p) = provisioned {
        let message = format!(
            "database {} on cluster {}",
            valid.database.name, valid.database.cluster
        );
        conditions.set(types::DATABASE_READY, true, Reason::Provisioned, &message);
        let reason = if p.initialized {
            Reason::SchemaFound
        } else {
            Reason::Empty
        };
        conditions.set(types::INITIALIZED, p.initialized, reason, "");
    }
    if facts.jobs.init == Some(JobPhase::Succeeded) && !conditions.is_true(types::INITIALIZED) {
        conditions.set(types::INITIALIZED, true, Reason::InitJobSucceeded, "");
    }
    // A database restored into an instance that was never initialized (a restore
    // `--into` a new instance) is initialized by the restore: its proof checked
    // that the loaded database is an Odoo one.
    if facts.jobs.restore == Some(JobPhase::Succeeded) && !conditions.is_true(types::INITIALIZED) {
        conditions.set(types::INITIALIZED, true, Reason::Restored, "");
    }
}

/// Image pulls: a condition naming the image, and one event per failure streak
/// (not per reconcile, which would write on every pod status change).
fn pull_condition(conditions: &mut Conditions<'_>, facts: &Facts) -> Option<Note> {
    let was_failing = conditions.is_false(types::IMAGE_PULLED);
    match facts.pull_failures.first() {
        Some(f) => {
            let detail = if f.message.is_empty() {
                String::new()
            } else {
                format!(": {}", f.message)
            };
            let message = format!(
                "image {} cannot be pulled ({} in pod {}){detail}",
                f.image, f.reason, f.pod
            );
            conditions.set(types::IMAGE_PULLED, false, f.reason, &message);
            (!was_failing).then(|| Note::warning(Reason::ImagePullFailed, message))
        }
        None if was_failing => {
            conditions.set(types::IMAGE_PULLED, true, Reason::Pulled, "");
            Some(Note::normal(
                Reason::ImagePulled,
                "the image pulls again".into(),
            ))
        }
        None => None,
    }
}

/// A claim of the instance's name still being deleted: its pods wait for it, and
/// the instance says so once per streak.
fn claim_condition(conditions: &mut Conditions<'_>, facts: &Facts) -> Option<Note> {
    let was_waiting = conditions.is_false(types::FILESTORE_READY);
    match &facts.claim_terminating {
        Some(claim) => {
            let message = format!(
                "persistentvolumeclaim {claim} is still being deleted (pods of a previous instance of this name may still use it); the pods wait until it is gone and the operator makes it again"
            );
            conditions.set(
                types::FILESTORE_READY,
                false,
                Reason::ClaimTerminating,
                &message,
            );
            (!was_waiting).then(|| Note::warning(Reason::FilestoreTerminating, message))
        }
        None if was_waiting => {
            conditions.set(types::FILESTORE_READY, true, Reason::Bound, "");
            None
        }
        None => None,
    }
}

fn url(v: &ValidInstance) -> String {
    match &v.ingress {
        Some(i) => {
            let scheme = if i.tls_secret.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}", i.hosts[0])
        }
        None => format!(
            "http://{}.{}.svc:8069",
            names::service(&v.name),
            v.namespace
        ),
    }
}

/// The decision once this pass's provisioning is done: the database it made ready
/// enables the next transition (initialize it, or start on the schema found), so
/// that transition is decided on the status the pass will write and taken in the
/// same pass. Without this a new instance took one more pass, status write and
/// event, each waiting on the watch. `None` when the first decision already moves,
/// nothing was provisioned, or no transition follows.
pub fn after_provisioning(
    instance: &OdooInstance,
    facts: &Facts,
    decision: &Decision,
    provisioned: Option<Provisioned>,
    config: &OperatorConfig,
    now: Timestamp,
) -> Option<Decision> {
    let provisioned = provisioned?;
    if decision.transition.is_some() {
        return None;
    }
    let (status, _) = desired(instance, facts, decision, Some(provisioned), &Time(now));
    let mut projected = instance.clone();
    projected.status = Some(status);
    match decide(&projected, facts, config, now) {
        Step::Reconcile(next) if next.transition.is_some() => Some(*next),
        _ => None,
    }
}

/// The decision when provisioning failed: no transition is taken (its action did
/// not run), DatabaseReady is false naming the server and why, and the message
/// says so. The status writer records it; the reconcile then retries.
pub fn after_database_failure(
    instance: &OdooInstance,
    decision: &Decision,
    failure: &DatabaseFailure,
    now: Timestamp,
) -> Decision {
    let mut conditions = Conditions {
        list: decision.conditions.clone(),
        generation: instance.meta().generation,
        now: &Time(now),
    };
    conditions.set(
        types::DATABASE_READY,
        false,
        failure.reason(),
        &failure.message,
    );
    let from = decision.from;
    Decision {
        transition: None,
        phase: from,
        conditions: conditions.list,
        message: failure.message.clone(),
        ..decision.clone()
    }
}
