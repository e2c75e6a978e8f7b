//! Status: the desired status of the instance (pure), one write when it changed,
//! then the events, the transition's metric and its callback.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooInstanceStatus, OdooVersion, names};
use serde_json::json;
use tracing::info;

use super::decide::{Decision, Note, ready_replicas};
use super::dereference::Facts;
use super::effects::Provisioned;
use crate::controller::Context;
use crate::controller::error::Error;
use crate::status::{self, types};
use crate::validate::ValidInstance;

/// Writes the desired status when it differs from the stored one, then emits the
/// events, and announces the transition (log, metric, event, callback).
///
/// `done` are the Normal events of the pass's effects (Secrets generated, database
/// provisioned). They are told in one event, the transition's when there is one,
/// so a pass makes one event, not one per step.
pub async fn write(
    ctx: &Context,
    instance: &OdooInstance,
    facts: &Facts,
    decision: &Decision,
    provisioned: Option<Provisioned>,
    done: Vec<Note>,
) -> Result<(), Error> {
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let (desired, notes) = desired(instance, facts, decision, provisioned, &now);
    let transition = transition_note(decision);
    let (mut folded, warnings): (Vec<Note>, Vec<Note>) = done.into_iter().partition(|n| !n.warning);
    // Without a transition, the last step's event tells the others.
    let own = match transition {
        Some(_) => None,
        None => folded.pop().map(|mut last| {
            for earlier in folded.drain(..).rev() {
                last.message = format!("{}; {}", earlier.message, last.message);
            }
            last
        }),
    };
    for note in notes.into_iter().chain(warnings).chain(own) {
        ctx.event(instance, note.warning, &note.reason, note.message)
            .await;
    }
    // The transition's event is written before the status that records it: an
    // operator that dies in between tells it again on its next pass (a second
    // event, or a repeat counted on the first within one process), where the other
    // order would lose it for good.
    if let Some(mut note) = transition {
        for done in folded {
            note.message.push_str("; ");
            note.message.push_str(&done.message);
        }
        ctx.event_written(instance, note.warning, &note.reason, note.message)
            .await;
    }
    let current = instance.status.clone().unwrap_or_default();
    if desired != current {
        // A field the desired status no longer has (an active job that ended) is
        // sent as null: a merge patch leaves out-of-date fields otherwise.
        let status = crate::controller::batch::with_removals(&current, &desired);
        let written = Api::<OdooInstance>::namespaced(
            ctx.client.clone(),
            &instance.namespace().unwrap_or_default(),
        )
        .patch_status(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": status })),
        )
        .await
        .map_err(Error::kube("writing the status"))?;
        ctx.written
            .record(instance, written.resource_version().as_deref());
    }
    if decision.transition.is_some() {
        let (from, to) = (decision.from, decision.phase);
        info!(name = %instance.name_any(), namespace = instance.namespace().unwrap_or_default(),
            %from, %to, guard = decision.transition.map_or("", |t| t.guard.name), "phase transition");
        ctx.metrics
            .phase_transition(&from.to_string(), &to.to_string());
        ctx.callbacks.phase_changed(instance, from, to);
    }
    Ok(())
}

/// The event of the decision's transition: `Phase<To>`, or for an invalid spec the
/// reason it is invalid (`InvalidSpec`, `PgClusters`) and the message saying why.
pub fn transition_note(decision: &Decision) -> Option<Note> {
    let t = decision.transition?;
    let warning = matches!(
        t.to,
        InstancePhase::InitFailed
            | InstancePhase::UpgradeFailed
            | InstancePhase::Degraded
            | InstancePhase::Error
    );
    let (reason, why) = match &decision.valid {
        Err(e) => (Error::from(e.clone()).category().to_owned(), e.to_string()),
        Ok(_) => (format!("Phase{}", t.to), t.guard.name.to_owned()),
    };
    Some(Note {
        warning,
        reason,
        message: format!("{} → {}: {why}", decision.from, t.to),
    })
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
    let mut conditions = decision.conditions.clone();
    let mut notes = Vec::new();
    let set = |conditions: &mut Vec<_>, type_, ok, reason: &str, message: &str| {
        status::set_condition(conditions, type_, ok, reason, message, generation, now);
    };
    // Ready, Progressing and Degraded follow the phase, after every other condition.
    let with_phase = |conditions: &mut Vec<_>| {
        status::phase_conditions(
            conditions,
            decision.phase,
            &decision.message,
            generation,
            now,
        );
    };
    let Ok(valid) = &decision.valid else {
        // A spec that cannot work touches nothing but the phase and why.
        with_phase(&mut conditions);
        let status = OdooInstanceStatus {
            phase: Some(decision.phase),
            message: Some(decision.message.clone()),
            conditions,
            observed_generation: generation,
            active_job: facts.active_job.clone(),
            ..current
        };
        return (status, notes);
    };
    if let Some(p) = provisioned {
        let message = format!(
            "database {} on cluster {}",
            valid.database.name, valid.database.cluster
        );
        set(
            &mut conditions,
            types::DATABASE_READY,
            true,
            "Provisioned",
            &message,
        );
        let reason = if p.initialized {
            "SchemaFound"
        } else {
            "Empty"
        };
        set(
            &mut conditions,
            types::INITIALIZED,
            p.initialized,
            reason,
            "",
        );
    }
    if facts.init_job == Some(JobPhase::Succeeded)
        && !status::is_true(&conditions, types::INITIALIZED)
    {
        set(
            &mut conditions,
            types::INITIALIZED,
            true,
            "InitJobSucceeded",
            "",
        );
    }
    // A database restored into an instance that was never initialized (a restore
    // `--into` a new instance) is initialized by the restore: its proof checked
    // that the loaded database is an Odoo one.
    if facts.restore_job == Some(JobPhase::Succeeded)
        && !status::is_true(&conditions, types::INITIALIZED)
    {
        set(&mut conditions, types::INITIALIZED, true, "Restored", "");
    }
    // Image pulls: a condition naming the image, and one event per failure streak
    // (not per reconcile, which would write on every pod status change).
    let was_failing = status::is_false(&conditions, types::IMAGE_PULLED);
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
            set(
                &mut conditions,
                types::IMAGE_PULLED,
                false,
                &f.reason,
                &message,
            );
            if !was_failing {
                notes.push(Note {
                    warning: true,
                    reason: "ImagePullFailed".into(),
                    message,
                });
            }
        }
        None if was_failing => {
            set(&mut conditions, types::IMAGE_PULLED, true, "Pulled", "");
            notes.push(Note {
                warning: false,
                reason: "ImagePulled".into(),
                message: "the image pulls again".into(),
            });
        }
        None => {}
    }
    // A claim of the instance's name still being deleted: its pods wait for it, and
    // the instance says so once per streak.
    let was_waiting = status::is_false(&conditions, types::FILESTORE_READY);
    match &facts.claim_terminating {
        Some(claim) => {
            let message = format!(
                "persistentvolumeclaim {claim} is still being deleted (pods of a previous instance of this name may still use it); the pods wait until it is gone and the operator makes it again"
            );
            set(
                &mut conditions,
                types::FILESTORE_READY,
                false,
                "ClaimTerminating",
                &message,
            );
            if !was_waiting {
                notes.push(Note {
                    warning: true,
                    reason: "FilestoreTerminating".into(),
                    message,
                });
            }
        }
        None if was_waiting => {
            set(&mut conditions, types::FILESTORE_READY, true, "Bound", "");
        }
        None => {}
    }
    with_phase(&mut conditions);
    let web = facts
        .web
        .as_ref()
        .and_then(|d| d.status.clone())
        .unwrap_or_default();
    let ready = ready_replicas(facts.web.as_ref());
    let wanted = instance.spec.replicas;
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
        odoo_version: OdooVersion::of_image(current.image.as_deref().unwrap_or(&valid.image))
            .map(|v| v.to_string()),
        database: Some(valid.database.name.clone()),
        active_job: facts.active_job.clone(),
        kept_databases: facts
            .kept
            .clone()
            .unwrap_or_else(|| current.kept_databases.clone()),
        ..current
    };
    (status, notes)
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
