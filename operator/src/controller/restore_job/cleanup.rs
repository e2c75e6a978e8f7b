//! A restore deleted in flight (the job's finalizer). Before the database switch
//! nothing of it is live: the load Job goes, then the temporary database (marker
//! checked), then its files. Once the restored database is live, the switch runs
//! to its end first, so the live data and files belong together. After it (or once
//! finished) there is nothing temporary left; a database kept for Drop stays.

use std::sync::Arc;
use std::time::Duration;

use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::restore_job::RestoreStep;
use odoo_model::{JobPhase, OdooInstance, OdooRestoreJob};

use super::apply::discard;
use super::load::load_name;
use super::runs;
use crate::controller::job::{self, Started};
use crate::controller::restore_plan as plan;
use crate::controller::step;
use crate::runtime::batch::{self, Outcome};
use crate::runtime::context::Context;
use crate::runtime::error::Error;

/// A Job deleted in the foreground goes within seconds: then the next one.
const JOB_GOING: Duration = Duration::from_secs(2);

/// The removal of the temporary files is a short agent run.
const FILES_GOING: Duration = Duration::from_secs(5);

pub(super) async fn clean_up(
    ctx: &Context,
    job: Arc<OdooRestoreJob>,
    instance: Option<OdooInstance>,
) -> Result<Option<Action>, Error> {
    let status = job.status.clone().unwrap_or_default();
    let finished = status.job.phase.is_some_and(JobPhase::is_finished);
    let Some(temporary) = status.temporary_database.clone() else {
        return Ok(None);
    };
    if finished || status.step == Some(RestoreStep::Starting) {
        return Ok(None);
    }
    let Some(instance) = instance else {
        // Without the instance nothing says whose the database is: it stays.
        ctx.event(
            job.as_ref(),
            true,
            Reason::CleanupSkipped,
            format!("the instance is gone; {temporary} and its files stay"),
        )
        .await;
        return Ok(None);
    };
    if status.database_switched {
        let started = Started {
            job,
            instance: Some(instance),
            deleting: true,
            finished: false,
        };
        return Ok(Some(step::drive(ctx, started).await?));
    }
    let ns = job.namespace().unwrap_or_default();
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(ctx.client.clone(), &ns);
    let v = job::valid_instance(ctx, &instance).await?;
    // Every Job that may have the temporary database open goes first.
    let odoo = runs::OdooRun::of(runs::neutralizes(&job, &v), &v.images.database).into_iter();
    let using = std::iter::once(load_name(&job)).chain(odoo.map(|run| run.job_name(&job)));
    for name in using {
        if batch::live_job(ctx, &ns, &name).await?.is_some() {
            jobs.delete(&name, &kube::api::DeleteParams::foreground())
                .await
                .map_err(Error::kube(format!("deleting Job {name}")))?;
            return Ok(Some(Action::requeue(JOB_GOING)));
        }
    }
    discard(ctx, &v, &temporary).await?;
    let cleanup = plan::discard_files_job(&job, &v, &temporary, &ctx.config.agent_image);
    let Some(files) = batch::live_job(ctx, &ns, &cleanup.name_any()).await? else {
        crate::apply::apply(&ctx.client, &cleanup).await?;
        return Ok(Some(Action::requeue(FILES_GOING)));
    };
    match batch::outcome(&files) {
        Outcome::Running => Ok(Some(Action::requeue(FILES_GOING))),
        Outcome::Complete => {
            ctx.event(
                job.as_ref(),
                false,
                Reason::CleanedUp,
                format!("deleted in flight: {temporary} and its files were removed"),
            )
            .await;
            Ok(None)
        }
        Outcome::Failed => {
            ctx.event(
                job.as_ref(),
                true,
                Reason::CleanupFailed,
                format!(
                    "deleted in flight: {temporary} was dropped, but its files could not be removed: remove filestore/{temporary} from the volume by hand; logs: kubectl logs job/{} -n {ns}",
                    cleanup.name_any()
                ),
            )
            .await;
            Ok(None)
        }
    }
}
