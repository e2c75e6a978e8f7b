//! Status: the one writer of the instance's status. The desired status (see
//! [`super::desired`]) is written when it changed, then come the events, the
//! transition's metric and its callback.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use odoo_model::{InstancePhase, OdooInstance, Reason};
use serde_json::json;
use tracing::info;

use super::decide::{Decision, Note, Provisioned};
use super::dereference::Facts;
use super::desired::desired;
use crate::runtime::context::Context;
use crate::runtime::error::Error;

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
        ctx.event(instance, note.warning, note.reason, note.message)
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
        ctx.event_written(instance, note.warning, note.reason, note.message)
            .await;
    }
    let current = instance.status.clone().unwrap_or_default();
    if desired != current {
        // A field the desired status no longer has (an active job that ended) is
        // sent as null: a merge patch leaves out-of-date fields otherwise.
        let status = crate::runtime::batch::with_removals(&current, &desired);
        patch(
            ctx,
            instance,
            json!({ "status": status }),
            "writing the status",
        )
        .await?;
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
        Err(e) => (Error::from(e.clone()).reason(), e.to_string()),
        Ok(_) => (Reason::entered(t.to), t.guard.name.to_owned()),
    };
    Some(Note {
        warning,
        reason,
        message: format!("{} → {}: {why}", decision.from, t.to),
    })
}

/// The records the finished jobs give (the last backup, the last verified one,
/// the last rehearsal) when a pass fails before its status write: alone, so a
/// pass held by a refused child or an unreachable cluster does not leave them
/// stale. Nothing is written when they are as stored.
pub async fn write_records(
    ctx: &Context,
    instance: &OdooInstance,
    facts: &Facts,
) -> Result<(), Error> {
    let current = instance.status.clone().unwrap_or_default();
    let recorded = super::desired::recorded(current.clone(), &facts.records);
    if recorded == current {
        return Ok(());
    }
    let records = json!({ "status": {
        "lastBackup": recorded.last_backup,
        "lastVerifiedBackup": recorded.last_verified_backup,
        "lastRehearsal": recorded.last_rehearsal,
    }});
    patch(ctx, instance, records, "recording the last backup").await
}

/// One merge patch of the instance's status; the version written is remembered,
/// so the pass its watch event starts reads a cache that caught up (see `fresh`).
async fn patch(
    ctx: &Context,
    instance: &OdooInstance,
    status: serde_json::Value,
    doing: &'static str,
) -> Result<(), Error> {
    let written = Api::<OdooInstance>::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    )
    .patch_status(
        &instance.name_any(),
        &PatchParams::default(),
        &Patch::Merge(status),
    )
    .await
    .map_err(Error::kube(doing))?;
    ctx.written
        .record(instance, written.resource_version().as_deref());
    Ok(())
}
