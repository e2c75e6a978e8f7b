//! What every step of an upgrade on a copy shares: the pass it reads, the step
//! moves (checked against the table), how an agent Job's report is taken, and
//! how often a waiting step looks again.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::upgrade_job::{OdooUpgradeJobStatus, UpgradeStep};
use odoo_model::{JobPhase, OdooInstance, OdooUpgradeJob};

use super::super::outcome::write;
use crate::controller::job::db_error;
use crate::pg::PgCluster;
use crate::runtime::agent_pod;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::state::upgrade_steps::{self, Node};
use crate::validate::ValidInstance;

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

pub(super) use crate::runtime::agent_pod::Agent;

/// How often a step that waits looks again; the Jobs it owns wake it sooner.
pub(super) const POLL: Duration = Duration::from_secs(10);

/// What one step needs.
pub(super) struct Pass<'a> {
    pub(super) ctx: &'a Context,
    pub(super) job: &'a OdooUpgradeJob,
    pub(super) instance: &'a OdooInstance,
    pub(super) v: ValidInstance,
    pub(super) cluster: PgCluster,
    pub(super) copy: String,
    pub(super) target: String,
}

impl Pass<'_> {
    pub(super) fn ns(&self) -> String {
        self.job.namespace().unwrap_or_default()
    }

    pub(super) fn live(&self) -> &str {
        &self.v.database.name
    }

    pub(super) async fn batch_job(&self, name: &str) -> Result<Option<Job>, Error> {
        crate::runtime::batch::live_job(self.ctx, &self.ns(), name).await
    }

    /// Where the agent Job `name` stands: not made yet, running, or ended with its
    /// report taken (or why none can be).
    pub(super) async fn agent<R: odoo_model::agent::Report>(
        &self,
        name: &str,
        container: &str,
    ) -> Result<Agent<Result<R, String>>, Error> {
        agent_pod::run_of::<R>(self.ctx, &self.ns(), name, container).await
    }

    /// The agent's line as it is, and whether its container completed.
    pub(super) async fn agent_left<R: odoo_model::agent::Report>(
        &self,
        name: &str,
        container: &str,
    ) -> Result<Agent<(bool, agent_pod::Left<R>)>, Error> {
        agent_pod::left_by::<R>(self.ctx, &self.ns(), name, container).await
    }

    pub(super) async fn apply(&self, job: &Job) -> Result<(), Error> {
        crate::apply::apply(&self.ctx.client, job).await?;
        Ok(())
    }

    pub(super) fn db_error(&self, e: crate::pg::PgError) -> Error {
        db_error(&self.v.database.cluster, e)
    }

    pub(super) fn logs(&self, job_name: &str) -> String {
        format!("logs: kubectl logs job/{job_name} -n {}", self.ns())
    }

    /// Leaves the copy for Discarding with why the upgrade stops there.
    pub(super) async fn abandon(
        &self,
        mut status: OdooUpgradeJobStatus,
        why: String,
    ) -> Result<Action, Error> {
        enter(&mut status, UpgradeStep::Discarding);
        status.job.message = Some(why);
        write(self.ctx, self.job, status, JobPhase::Running).await?;
        Ok(Action::requeue(Duration::from_secs(1)))
    }
}
