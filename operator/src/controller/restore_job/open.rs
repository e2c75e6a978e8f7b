//! Opening: Odoo from the instance's image opens the loaded temporary database
//! before it is switched in, while the instance keeps serving the live one. A
//! database that loaded and passed the operator's checks may still be one Odoo
//! cannot run (a column its models read is missing, a module's code fails on the
//! data): that is found here, where the temporary database is dropped and the
//! live one is untouched, not after the switch with the instance down.
//!
//! With `neutralize`, Odoo's own `odoo neutralize` runs first (images from 16.0
//! on), and the database must then be marked neutralized: an exit code alone
//! proves nothing.

use odoo_model::Reason;
use std::time::Duration;

use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::restore_job::{OdooRestoreJobStatus, RestoreStep};
use odoo_model::{JobPhase, OdooInstance, OdooRestoreJob};

use super::super::job;
use super::outcome::{discard, fail, meanwhile, untouched, write};
use super::runs::{self, OdooRun};
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// Where Odoo's runs stand: each is started, followed and checked in turn.
pub(super) async fn open(
    ctx: &Context,
    job: &OdooRestoreJob,
    instance: &OdooInstance,
    mut status: OdooRestoreJobStatus,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();
    let v = job::valid_instance(ctx, instance).await?;
    let temporary = status.temporary_database.clone().unwrap_or_default();
    for run in OdooRun::of(runs::neutralizes(job, &v), &v.image) {
        let name = run.job_name(job);
        let Some(live) = batch::live_job(ctx, &ns, &name).await? else {
            crate::apply::apply(&ctx.client, &run.job(job, &v, &temporary)).await?;
            status.job.job_name = Some(name);
            status.job.message = Some(format!(
                "{}; {}",
                doing(run, &v.image, &temporary),
                meanwhile(instance, &v.database.name)
            ));
            write(ctx, job, status, JobPhase::Running).await?;
            crate::crash::point("restore-opening");
            return Ok(Action::requeue(Duration::from_secs(5)));
        };
        let failed = match batch::outcome(&live) {
            Outcome::Running => return Ok(Action::requeue(Duration::from_secs(5))),
            Outcome::Failed => {
                let error = batch::odoo_failure(ctx, &ns, &name).await?;
                Some(error.unwrap_or_else(|| "its pod failed".into()))
            }
            Outcome::Complete => match run {
                OdooRun::Open => None,
                OdooRun::Neutralize => marked(ctx, &v, &temporary).await?.err(),
            },
        };
        if let Some(why) = failed {
            discard(ctx, &v, &temporary).await?;
            let message = format!(
                "{} failed: {why}; the temporary database was dropped and {}; logs: kubectl logs job/{name} -n {ns}",
                doing(run, &v.image, &temporary),
                untouched(instance, &v.database.name)
            );
            return fail(ctx, job, instance, status, message).await;
        }
    }
    status.step = Some(RestoreStep::Switching);
    let opened = format!("Odoo ({}) opened the restored database", v.image);
    status.job.message = Some(format!(
        "{opened}; stopping {} to switch databases",
        instance.name_any()
    ));
    ctx.event(
        job,
        false,
        Reason::RestoreOpened,
        format!("{opened} {temporary}; the instance stops for the switch"),
    )
    .await;
    write(ctx, job, status, JobPhase::Running).await?;
    Ok(Action::requeue(Duration::from_secs(1)))
}

/// What a run does, for messages.
fn doing(run: OdooRun, image: &str, database: &str) -> String {
    match run {
        OdooRun::Neutralize => format!("Odoo's own `odoo neutralize` ({image}) on {database}"),
        OdooRun::Open => format!("Odoo ({image}) opening {database}"),
    }
}

/// Odoo's neutralization marks the database (`database.is_neutralized`): a run
/// that exited 0 without it did not neutralize.
async fn marked(
    ctx: &Context,
    v: &ValidInstance,
    temporary: &str,
) -> Result<Result<(), String>, Error> {
    let cluster = job::cluster_of(ctx, v).await?;
    let login = job::tenant_of(ctx, v).await?;
    let read =
        crate::pg::tenant_read(crate::pg::compare::neutralized(&cluster, &login, temporary).await)
            .map_err(|e| job::db_error(&v.database.cluster, e))?;
    Ok(match read {
        Ok(true) => Ok(()),
        Ok(false) => Err(
            "it exited 0 but the database is not marked neutralized (database.is_neutralized)"
                .into(),
        ),
        Err(why) => Err(why),
    })
}
