//! The end of a switch with `previousDatabase: Drop`: the database and files a
//! restore or a Copy upgrade replaced stay until the instance runs on the new ones
//! (until then they are what a user would go back to), then the files go, then
//! their database. Files that cannot go keep their database.

use kube::ResourceExt;
use odoo_model::OdooInstance;
use odoo_model::instance::InstancePhase;

use super::{filestore_jobs, job};
use crate::pg::PgCluster;
use crate::runtime::agent_pod::{Agent, Switched};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// Where dropping the kept database and files stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropping {
    /// The removal of the files runs (or was just started).
    Waiting,
    /// Files and database are gone.
    Dropped,
    /// The files could not be removed: they and their database stay.
    FilesLeft(String),
}

impl Dropping {
    /// What a job that replaced a database says once dropping the one it kept
    /// settled, after `ran` (the instance ran on the replacement); `None` while
    /// it runs. A dropped database is no longer named as the `previous` one.
    pub fn outcome(&self, ran: &str, kept: &str, previous: &mut Option<String>) -> Option<String> {
        match self {
            Dropping::Waiting => None,
            Dropping::FilesLeft(why) => Some(format!(
                "{ran}, but the previous files could not be removed ({why}), so the previous database is kept with them as {kept}"
            )),
            Dropping::Dropped => {
                *previous = None;
                Some(format!(
                    "{ran}, and the previous database {kept} and its files were dropped"
                ))
            }
        }
    }
}

/// Whether the instance runs, at its current generation, on `image` when given:
/// Odoo served from the database now live. Otherwise what it is doing, for the
/// job's message.
pub fn instance_runs(instance: &OdooInstance, image: Option<&str>) -> Result<(), String> {
    let s = instance.status.clone().unwrap_or_default();
    let phase = instance.phase_text();
    let current = s.observed_generation == instance.metadata.generation;
    let on_image = image.is_none_or(|i| s.image.as_deref() == Some(i));
    if s.phase == Some(InstancePhase::Running) && current && on_image {
        Ok(())
    } else {
        Err(format!("it is {phase}"))
    }
}

/// Removes the kept files with `drop_job` (the switch run again with removal: it
/// finds the switch made and only removes what is kept), then drops the kept
/// database once the files are gone. Safe to repeat at every pass.
pub async fn drop_kept(
    ctx: &Context,
    v: &ValidInstance,
    cluster: &PgCluster,
    drop_job: &k8s_openapi::api::batch::v1::Job,
    kept: &str,
) -> Result<Dropping, Error> {
    let ns = v.namespace.clone();
    let name = drop_job.name_any();
    let files_left = match filestore_jobs::switch_of(ctx, &ns, &name).await? {
        Agent::Missing => {
            crate::apply::apply(&ctx.client, drop_job).await?;
            return Ok(Dropping::Waiting);
        }
        Agent::Running => return Ok(Dropping::Waiting),
        Agent::Ended(Switched::Done(report)) => report.previous_left,
        Agent::Ended(Switched::Undone(why) | Switched::Unknown(why)) => Some(why),
    };
    if let Some(why) = files_left {
        return Ok(Dropping::FilesLeft(format!(
            "{why}; logs: kubectl logs job/{name} -n {ns}"
        )));
    }
    crate::crash::point("kept-before-drop");
    // The marker check refuses a database that is not this instance's.
    crate::pg::restore::drop_database(cluster, kept, &v.owner(), false)
        .await
        .map_err(|e| job::db_error(&v.database.cluster, e))?;
    Ok(Dropping::Dropped)
}
