//! What every step of an upgrade on a copy shares: what a step reads, the step
//! moves (checked against the table), and the abandon of a copy. Pure.

use kube::ResourceExt;
use odoo_model::upgrade_job::{OdooUpgradeJobStatus, UpgradeStep};
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use super::super::facts::{Facts, Step};
use super::super::outcome::{NEXT_STEP, running};
use crate::state::upgrade_steps::{self, Node};

/// Moves the job to step `to`, a move the table must have.
pub(crate) fn enter(status: &mut OdooUpgradeJobStatus, to: UpgradeStep) {
    let from = status.step.map_or(Node::Start, Node::Step);
    check(from, Node::Step(to));
    status.step = Some(to);
}

/// The job's end from where it stands, a move the table must have.
pub(super) fn ended(status: &OdooUpgradeJobStatus, phase: JobPhase) -> JobPhase {
    let to = if phase == JobPhase::Succeeded {
        Node::Succeeded
    } else {
        Node::Failed
    };
    check(status.step.map_or(Node::Start, Node::Step), to);
    phase
}

/// A move outside the table is a bug: the tests (debug builds) stop at it, a
/// release logs it.
pub(super) fn check(from: Node, to: Node) {
    debug_assert!(
        upgrade_steps::allowed(from, to),
        "move {from} → {to} is not in the table"
    );
    if !upgrade_steps::allowed(from, to) {
        tracing::error!(%from, %to, "an upgrade step move outside the table");
    }
}

/// What one step reads: the job, its instance, what the pass learnt, and the
/// names it works with.
pub(super) struct At<'a> {
    pub(super) job: &'a OdooUpgradeJob,
    pub(super) instance: &'a OdooInstance,
    pub(super) f: &'a Facts,
    pub(super) live: &'a str,
    pub(super) copy: String,
    pub(super) target: String,
}

impl At<'_> {
    pub(super) fn logs(&self, job_name: &str) -> String {
        format!(
            "logs: kubectl logs job/{job_name} -n {}",
            self.job.namespace().unwrap_or_default()
        )
    }

    /// Leaves the copy for Discarding with why the upgrade stops there.
    pub(super) fn abandon(&self, mut status: OdooUpgradeJobStatus, why: String) -> Step {
        enter(&mut status, UpgradeStep::Discarding);
        running(status, Some(why), NEXT_STEP)
    }
}
