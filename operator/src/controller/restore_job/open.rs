//! Opening, pure: Odoo from the instance's image opens the loaded temporary
//! database before it is switched in, while the instance keeps serving the live
//! one. A database that loaded and passed the operator's checks may still be one
//! Odoo cannot run (a column its models read is missing, a module's code fails on
//! the data): that is found here, where the temporary database is dropped and the
//! live one is untouched, not after the switch with the instance down.
//!
//! With `neutralize`, Odoo's own `odoo neutralize` runs first (images from 16.0
//! on), and the database must then be marked neutralized: an exit code alone
//! proves nothing.

use kube::ResourceExt;
use odoo_model::Reason;
use odoo_model::restore_job::RestoreStep;
use odoo_model::{JobPhase, OdooInstance, OdooRestoreJob};

use super::outcome::{current, ending, fail_discarding, meanwhile, unchanged, untouched};
use super::pass::{At, Effect, Facts, NEXT_STEP, OPENING, Step};
use super::runs::{self, OdooRun};
use crate::controller::step::{Again, JobStep, On};
use crate::runtime::batch::Outcome;

/// Where Odoo's runs stand: each is started, followed and checked in turn.
pub(super) fn open(job: &OdooRestoreJob, instance: &OdooInstance, f: &Facts) -> Step {
    let Some(at) = At::resolved(job, instance, f) else {
        return JobStep::Do(Effect::ReadInstance);
    };
    for run in OdooRun::of(runs::neutralizes(job, at.v), &at.v.images.database) {
        let read = f.runs.iter().find(|(r, _)| *r == run).map(|(_, o)| *o);
        let failed = match read {
            None => return JobStep::Do(Effect::ReadRun(run)),
            Some(None) if f.run_started == Some(run) => return started(at, run),
            Some(None) => return JobStep::Do(Effect::StartRun(run)),
            Some(Some(Outcome::Running)) => return unchanged(job, OPENING),
            Some(Some(Outcome::Failed)) => match &f.failure {
                None => return JobStep::Do(Effect::ReadRunFailure(run)),
                Some(error) => Some(error.clone().unwrap_or_else(|| "its pod failed".into())),
            },
            Some(Some(Outcome::Complete)) => match (run, &f.neutralized) {
                (OdooRun::Open, _) => None,
                (OdooRun::Neutralize, None) => return JobStep::Do(Effect::ReadNeutralized),
                (OdooRun::Neutralize, Some(marked)) => marked.clone().err(),
            },
        };
        if let Some(why) = failed {
            return did_not_open(at, run, why);
        }
    }
    opened(at)
}

/// The run's Job was applied: recorded, with what it does.
fn started(at: At<'_>, run: OdooRun) -> Step {
    let At {
        job, instance, v, ..
    } = at;
    let mut status = current(job);
    let temporary = status.temporary_database.clone().unwrap_or_default();
    status.job.job_name = Some(run.job_name(job));
    status.job.message = Some(format!(
        "{}; {}",
        doing(run, &v.images.database, &temporary),
        meanwhile(instance, &v.database.name)
    ));
    let ending = ending(status, JobPhase::Running, Again::After(OPENING));
    JobStep::End(ending.crash_after("restore-opening"))
}

/// A run failed: the temporary database goes, then the restore fails with the
/// live database untouched.
fn did_not_open(at: At<'_>, run: OdooRun, why: String) -> Step {
    let At {
        job,
        instance,
        v,
        f,
    } = at;
    let ns = job.namespace().unwrap_or_default();
    let temporary = current(job).temporary_database.unwrap_or_default();
    let message = format!(
        "{} failed: {why}; the temporary database was dropped and {}; logs: kubectl logs job/{} -n {ns}",
        doing(run, &v.images.database, &temporary),
        untouched(instance, &v.database.name),
        run.job_name(job)
    );
    fail_discarding(job, f, message)
}

/// Every run passed: the restore goes on to the switch, which stops the instance.
fn opened(at: At<'_>) -> Step {
    let At {
        job, instance, v, ..
    } = at;
    let mut status = current(job);
    let temporary = status.temporary_database.clone().unwrap_or_default();
    status.step = Some(RestoreStep::Switching);
    let opened = format!("Odoo ({}) opened the restored database", v.images.database);
    status.job.message = Some(format!(
        "{opened}; stopping {} to switch databases",
        instance.name_any()
    ));
    let said = format!("{opened} {temporary}; the instance stops for the switch");
    let ending = ending(status, JobPhase::Running, Again::After(NEXT_STEP));
    JobStep::End(ending.told(On::Job, false, Reason::RestoreOpened, said))
}

/// What a run does, for messages.
fn doing(run: OdooRun, image: &str, database: &str) -> String {
    match run {
        OdooRun::Neutralize => format!("Odoo's own `odoo neutralize` ({image}) on {database}"),
        OdooRun::Open => format!("Odoo ({image}) opening {database}"),
    }
}
