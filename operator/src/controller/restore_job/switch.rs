//! Switching: the loaded temporary database takes the live name in one transaction,
//! then the filestore directories are renamed; the instance is down meanwhile.

use super::super::job::{self};
use super::super::kept::{self, Dropping};
use super::super::restore_plan::{self as plan};
use super::outcome::{discard, fail, still_serving, write};
use super::runs;
use crate::pg::restore::{self as pg_restore, Preparation, Switch};
use crate::runtime::agent_pod;
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::agent::{SwitchOutcome, SwitchReport};
use odoo_model::restore_job::{OdooRestoreJobStatus, PreviousDatabase, RestoreMode, RestoreStep};
use odoo_model::{JobPhase, OdooInstance, OdooRestoreJob};
use std::time::Duration;

use crate::pg::PgCluster;
use crate::validate::ValidInstance;

/// Switching: once the instance is down, rename the databases, then the filestore.
pub(super) async fn switch(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();
    if let Some(waiting) = still_serving(ctx, instance).await? {
        status.job.message = Some(waiting);
        write(ctx, job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(2)));
    }
    let (v, cluster) = job::valid_instance_on_cluster(ctx, instance).await?;
    let temporary = status.temporary_database.clone().unwrap_or_default();
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let at = At {
        ctx,
        job,
        instance,
        v: &v,
        cluster: &cluster,
        names: Switch {
            live: &v.database.name,
            restored: &temporary,
            kept: &kept,
        },
        batch: format!("{}-switch", job.name_any()),
        ns,
    };
    if !status.database_switched {
        return at.switch_databases(status).await;
    }
    let Some(live) = crate::runtime::batch::live_job(ctx, &at.ns, &at.batch).await? else {
        crate::apply::apply(
            &ctx.client,
            &plan::switch_job(job, &v, &temporary, &kept, &ctx.config.agent_image),
        )
        .await?;
        status.job.job_name = Some(at.batch.clone());
        write(ctx, job, status, JobPhase::Running).await?;
        return Ok(Action::requeue(Duration::from_secs(10)));
    };
    if batch::outcome(&live) == Outcome::Running {
        return Ok(Action::requeue(Duration::from_secs(10)));
    }
    let left = agent_pod::report::<SwitchReport>(ctx, &at.ns, &at.batch, "switch").await?;
    match agent_pod::switched(left) {
        agent_pod::Switched::Unknown(why) => at.files_unknown(status, why).await,
        agent_pod::Switched::Undone(why) => at.files_undone(status, why).await,
        agent_pod::Switched::Done(report) => at.files_switched(status, report).await,
    }
}

/// What the switch's steps read.
struct At<'a> {
    ctx: &'a Context,
    job: &'a OdooRestoreJob,
    instance: &'a OdooInstance,
    v: &'a ValidInstance,
    cluster: &'a PgCluster,
    names: Switch<'a>,
    /// The filestore switch's batch Job.
    batch: String,
    ns: String,
}

impl At<'_> {
    /// The temporary database, prepared, takes the live name (the live one is
    /// kept); a failure discards the temporary database and keeps the live one.
    async fn switch_databases(&self, mut status: OdooRestoreJobStatus) -> Result<Action, Error> {
        let (ctx, job, v) = (self.ctx, self.job, self.v);
        let preparation = Preparation {
            new_identity: job.spec.mode == RestoreMode::Copy,
            // From 16.0 on, Odoo's own command neutralized it while Opening.
            neutralize: runs::neutralizes(job, v) && !runs::odoo_neutralizes(&v.image),
        };
        crate::crash::point("restore-before-rename");
        let login = job::tenant_of(ctx, v).await?;
        let switched = async {
            // A pass that crashed after the rename finds it done: the prepared
            // database is already live, and the temporary name is gone.
            if !pg_restore::switched(self.cluster, &self.names).await? {
                pg_restore::prepare(self.cluster, &login, self.names.restored, preparation).await?;
            }
            pg_restore::switch(self.cluster, &self.names).await
        };
        if let Err(e) = switched.await {
            discard(ctx, v, self.names.restored).await?;
            let why = format!(
                "switching databases failed: {e}; {} was kept",
                v.database.name
            );
            return fail(ctx, job, self.instance, status, why).await;
        }
        crate::crash::point("restore-after-rename");
        status.database_switched = true;
        status.job.message = Some(format!(
            "{} now holds the restored data; switching the filestore",
            v.database.name
        ));
        write(ctx, job, status, JobPhase::Running).await?;
        Ok(Action::requeue(Duration::from_secs(1)))
    }

    /// The files may have moved: putting the previous database back could pair it
    /// with the restored files. Nothing is reverted or dropped; the switch is
    /// retried once its Job is deleted (it finishes or confirms a switch).
    async fn files_unknown(
        &self,
        mut status: OdooRestoreJobStatus,
        why: String,
    ) -> Result<Action, Error> {
        let (batch, ns, kept) = (&self.batch, &self.ns, self.names.kept);
        let message = format!(
            "switching the filestore failed and the files may have moved: {why}; {} holds the restored data and the previous database is kept as {kept}; nothing was reverted or dropped. Check the volume, then delete job/{batch} -n {ns} to run the switch again; logs: kubectl logs job/{batch} -n {ns}",
            self.v.database.name
        );
        if status.job.message.as_deref() != Some(message.as_str()) {
            self.ctx
                .event(self.job, true, Reason::SwitchUnknown, message.clone())
                .await;
            status.job.message = Some(message);
            write(self.ctx, self.job, status, JobPhase::Running).await?;
        }
        Ok(Action::requeue(Duration::from_secs(60)))
    }

    /// The agent put the files back where they were (its own word): the previous
    /// database goes back too and the instance serves as before.
    async fn files_undone(
        &self,
        status: OdooRestoreJobStatus,
        why: String,
    ) -> Result<Action, Error> {
        let v = self.v;
        pg_restore::revert(self.cluster, &self.names)
            .await
            .map_err(|e| job::db_error(&v.database.cluster, e))?;
        discard(self.ctx, v, self.names.restored).await?;
        let (batch, ns) = (&self.batch, &self.ns);
        let message = format!(
            "switching the filestore failed: {why}; the previous database {} is back in place; logs: kubectl logs job/{batch} -n {ns}",
            v.database.name
        );
        fail(self.ctx, self.job, self.instance, status, message).await
    }

    /// Database and files are switched: the restore succeeds, or (previous
    /// database Drop) waits until the instance runs on the restored one.
    async fn files_switched(
        &self,
        mut status: OdooRestoreJobStatus,
        report: SwitchReport,
    ) -> Result<Action, Error> {
        let (ctx, job, kept) = (self.ctx, self.job, self.names.kept);
        crate::crash::point("restore-after-filestore-switch");
        let mut message = restored(job, &status, self.v);
        if report.outcome == SwitchOutcome::NoFilesRestored {
            message.push_str("; the archive had no filestore, the current files stay");
        }
        if let Some(left) = &report.previous_left {
            // The previous files stay: so does their database, together.
            message.push_str(&format!(
                "; the previous files could not be removed ({left}), so the previous database is kept with them as {kept}"
            ));
        } else if job.spec.previous_database == PreviousDatabase::Drop {
            // Until Odoo ran on the restored database, the previous one is what
            // a user would go back to: it goes only once the instance runs.
            message.push_str(&format!(
                "; the previous database {kept} is dropped once {} runs on the restored one",
                self.instance.name_any()
            ));
            ctx.event(job, false, Reason::Switched, message.clone())
                .await;
            status.step = Some(RestoreStep::Starting);
            status.job.message = Some(message);
            write(ctx, job, status, JobPhase::Running).await?;
            return Ok(Action::requeue(Duration::from_secs(2)));
        } else {
            message.push_str(&format!("; the previous database is kept as {kept}"));
        }
        succeeded(ctx, job, self.instance, status, message).await
    }
}

/// Starting (previousDatabase: Drop): the instance starts on the restored database;
/// once it runs, the previous files and database are dropped and the restore is
/// done. Stopped or failing, it keeps them and says why.
pub(super) async fn starting(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
) -> Result<Action, Error> {
    let kept = status.previous_database_name.clone().unwrap_or_default();
    let (v, cluster) = job::valid_instance_on_cluster(ctx, instance).await?;
    let base = restored(job, &status, &v);
    let name = instance.name_any();
    if let Err(doing) = kept::instance_runs(instance, None) {
        let message = format!(
            "{base}; the previous database {kept} is dropped once {name} runs on the restored one ({doing})"
        );
        if status.job.message.as_deref() != Some(message.as_str()) {
            status.job.message = Some(message);
            write(ctx, job, status, JobPhase::Running).await?;
        }
        return Ok(Action::requeue(Duration::from_secs(5)));
    }
    let temporary = status.temporary_database.clone().unwrap_or_default();
    let drop_job = plan::drop_previous_job(job, &v, &temporary, &kept, &ctx.config.agent_image);
    let message = match kept::drop_kept(ctx, &v, &cluster, &drop_job, &kept).await? {
        Dropping::Waiting => return Ok(Action::requeue(Duration::from_secs(5))),
        Dropping::FilesLeft(why) => format!(
            "{base}; {name} ran on it, but the previous files could not be removed ({why}), so the previous database is kept with them as {kept}"
        ),
        Dropping::Dropped => {
            status.previous_database_name = None;
            format!(
                "{base}; {name} ran on it, and the previous database {kept} and its files were dropped"
            )
        }
    };
    succeeded(ctx, job, instance, status, message).await
}

/// What a switched restore did, for its messages.
fn restored(job: &OdooRestoreJob, status: &OdooRestoreJobStatus, v: &ValidInstance) -> String {
    let database = &v.database.name;
    let location = status.location.clone().unwrap_or_default();
    let neutralized = match (runs::neutralizes(job, v), runs::odoo_neutralizes(&v.image)) {
        (false, _) => "",
        (true, true) => "; neutralized by Odoo's own `odoo neutralize`",
        (true, false) => {
            "; neutralized by the operator's statements (the image's Odoo is older than 16.0 or names no series, so it has no `odoo neutralize`)"
        }
    };
    format!("restored {location} into {database}{neutralized}")
}

/// The end of a restore that switched: events, status, callback.
async fn succeeded(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
    message: String,
) -> Result<Action, Error> {
    status.job.message = Some(message.clone());
    ctx.event(job, false, Reason::Restored, message.clone())
        .await;
    ctx.event(instance, false, Reason::Restored, message.clone())
        .await;
    let done = write(ctx, job, status, JobPhase::Succeeded).await?;
    ctx.callbacks.job_finished(
        instance,
        "OdooRestoreJob",
        &job.name_any(),
        JobPhase::Succeeded,
        &message,
    );
    Ok(done)
}
