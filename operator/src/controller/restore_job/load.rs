//! Pending and Loading, pure: the restore waits its turn, resolves the archive and
//! names the temporary database; then the empty temporary database is made and the
//! agent loads the archive into it, and the operator checks what was loaded before
//! anything goes on. A failure here drops the temporary database and leaves the
//! live one untouched.

use kube::ResourceExt;
use odoo_model::Reason;
use odoo_model::agent::RestoreReport;
use odoo_model::restore_job::RestoreStep;
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob};

use super::outcome::{current, ending, fail, fail_discarding, meanwhile, unchanged, untouched};
use super::pass::{At, Effect, Facts, LOADING, NEXT_STEP, QUEUED, Step};
use crate::controller::restore_plan::{self as plan, Unusable};
use crate::controller::step::{Again, JobStep, On};
use crate::runtime::agent_pod::Agent;

/// Pending: waits its turn, resolves the archive and names the temporary database.
pub(super) fn start(job: &OdooRestoreJob, instance: &OdooInstance, f: &Facts) -> Step {
    if let Some(what) = settling(instance) {
        return queued(job, &what);
    }
    match &f.queued {
        None => return JobStep::Do(Effect::ReadQueue),
        Some(Some(what)) => return queued(job, what),
        Some(None) => {}
    }
    let source = match &f.source {
        None => return JobStep::Do(Effect::Resolve),
        Some(Err(Unusable::Wait(what))) => return queued(job, what),
        Some(Err(Unusable::Refused(why))) => return fail(job, why.clone()),
        Some(Ok(source)) => source,
    };
    let Some(v) = f.valid.as_deref() else {
        return JobStep::Do(Effect::ReadInstance);
    };
    if f.seen.held.is_none() {
        return JobStep::Hold;
    }
    let temporary = plan::temporary_name(&v.database.name, &job.uid().unwrap_or_default());
    let chosen = source
        .chosen
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let mut status = current(job);
    status.job.message = Some(format!(
        "loading {}{chosen} into the temporary database {temporary}; {}",
        source.location,
        meanwhile(instance, &v.database.name)
    ));
    status.location = Some(source.location.clone());
    // The digest the archive must have: the load is checked against it.
    status.sha256 = source.sha256.clone();
    status.temporary_database = Some(temporary);
    status.step = Some(RestoreStep::Loading);
    let mut ending = ending(status, JobPhase::Running, Again::After(NEXT_STEP));
    if let Some(c) = &source.chosen {
        ending = ending.told(
            On::Job,
            false,
            Reason::BackupChosen,
            format!("restoring {c}"),
        );
    }
    JobStep::End(ending)
}

/// Pending, waiting for `what`.
fn queued(job: &OdooRestoreJob, what: &str) -> Step {
    let mut status = current(job);
    status.job.message = Some(format!("queued: waiting for {what}"));
    super::outcome::end(status, JobPhase::Pending, Again::After(QUEUED))
}

/// What the instance must do before a restore may begin, if anything.
fn settling(instance: &OdooInstance) -> Option<String> {
    match instance.phase() {
        Some(phase) if phase.is_settled() => None,
        // A new instance without init, waiting for this database
        // (`kubectl odoo restore --into`).
        Some(InstancePhase::Uninitialized) => None,
        _ => Some(format!(
            "the instance to be initialized and settled (it is {})",
            instance.phase_text()
        )),
    }
}

pub(super) fn load_name(job: &OdooRestoreJob) -> String {
    format!("{}-load", job.name_any())
}

/// Loading: the empty temporary database, then the load Job, then its outcome.
pub(super) fn load(job: &OdooRestoreJob, instance: &OdooInstance, f: &Facts) -> Step {
    let Some(at) = At::resolved(job, instance, f) else {
        return JobStep::Do(Effect::ReadInstance);
    };
    match &f.load {
        None => JobStep::Do(Effect::ReadLoad),
        Some(Agent::Missing) => start_load(job, f),
        Some(Agent::Running) => unchanged(job, LOADING),
        Some(Agent::Ended(Err(why))) => {
            not_loaded(at, format!("loading the archive failed: {why}"))
        }
        Some(Agent::Ended(Ok(report))) => match &f.proof {
            None => JobStep::Do(Effect::Prove),
            Some(Err(why)) => not_loaded(at, why.clone()),
            Some(Ok(proof)) => loaded(at, report, proof),
        },
    }
}

/// No load Job yet: the source is resolved again (its backup may be gone), then
/// the temporary database and the Job are made, and recorded.
fn start_load(job: &OdooRestoreJob, f: &Facts) -> Step {
    if f.load_started {
        let mut status = current(job);
        status.job.job_name = Some(load_name(job));
        let ending = ending(status, JobPhase::Running, Again::After(LOADING));
        return JobStep::End(ending.crash_after("restore-loading"));
    }
    match &f.source {
        None => JobStep::Do(Effect::Resolve),
        Some(Err(Unusable::Wait(what) | Unusable::Refused(what))) => fail(job, what.clone()),
        Some(Ok(_)) => JobStep::Do(Effect::StartLoad),
    }
}

/// The load failed or did not prove: the temporary database goes, then the
/// restore fails with the live database untouched.
fn not_loaded(at: At<'_>, why: String) -> Step {
    let At {
        job,
        instance,
        v,
        f,
    } = at;
    let ns = job.namespace().unwrap_or_default();
    let why = format!(
        "{why}; the temporary database was dropped and {}; logs: kubectl logs job/{} -n {ns}",
        untouched(instance, &v.database.name),
        load_name(job)
    );
    fail_discarding(job, f, why)
}

/// The archive is loaded and proven: the restore records what it holds and the
/// name the live database will be kept under, and goes on to Opening.
fn loaded(at: At<'_>, r: &RestoreReport, proof: &str) -> Step {
    let At {
        job,
        instance,
        v,
        f,
    } = at;
    let mut status = current(job);
    let temporary = status.temporary_database.clone().unwrap_or_default();
    status.sha256 = Some(r.archive.sha256.clone());
    status.progress_bytes = i64::try_from(r.archive.size_bytes).ok();
    status.odoo_version = r.archive.odoo_version.clone().or_else(|| {
        r.loaded
            .base_version
            .as_deref()
            .and_then(odoo_model::OdooVersion::parse)
            .map(|v| v.to_string())
    });
    status.previous_database_name = Some(plan::kept_name(&v.database.name, f.seen.now));
    status.step = Some(RestoreStep::Opening);
    status.job.message = Some(format!(
        "archive loaded and {proof}; Odoo ({}) opens it before {} stops for the switch",
        v.images.database,
        instance.name_any()
    ));
    let said = format!("loaded into {temporary} and {proof}; Odoo opens it before the switch");
    let ending = ending(status, JobPhase::Running, Again::After(NEXT_STEP));
    let ending = ending.told(On::Job, false, Reason::RestoreLoaded, said);
    JobStep::End(ending.crash_after("restore-loaded"))
}
