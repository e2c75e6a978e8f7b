//! The switch's decisions without a cluster: the instance stops first, the
//! databases switch, then the files; a failure puts back only what its agent says
//! it left untouched.

use odoo_model::Reason;
use odoo_model::agent::{SwitchOutcome, SwitchReport};
use odoo_model::restore_job::RestoreStep;
use odoo_model::{InstancePhase, JobPhase};

use odoo_model::OdooRestoreJob;

use super::pass::*;
use super::step;
use super::tests::{at, discards_then_fails, ended, instance, message, on_both, resolved, told};
use crate::controller::kept::Dropping;
use crate::controller::step::{Again, JobStep, On};
use crate::runtime::agent_pod::{Agent, Switched};

fn switched(previous_left: Option<&str>) -> Agent<Switched> {
    Agent::Ended(Switched::Done(SwitchReport {
        outcome: SwitchOutcome::Switched,
        previous_removed: false,
        previous_left: previous_left.map(str::to_owned),
    }))
}

/// The switch's pass once the instance is down and the databases switched.
fn databases_switched(previous: &str) -> (OdooRestoreJob, Facts) {
    let mut job = at(RestoreStep::Switching);
    job.spec.previous_database = match previous {
        "Drop" => odoo_model::restore_job::PreviousDatabase::Drop,
        _ => odoo_model::restore_job::PreviousDatabase::Keep,
    };
    if let Some(s) = job.status.as_mut() {
        s.database_switched = true;
    }
    let mut f = resolved();
    f.serving = Some(None);
    (job, f)
}

#[test]
fn the_databases_switch_only_once_nothing_serves_from_them() {
    let job = at(RestoreStep::Switching);
    let mut f = resolved();
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadServing));
    f.serving = Some(Some("waiting for shop to enter Restoring".into()));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(message(&e), "waiting for shop to enter Restoring");
    assert_eq!(e.again, Again::After(INSTANCE_CHANGING));
    f.serving = Some(None);
    assert_eq!(step(&job, &f), JobStep::Do(Effect::SwitchDatabases));
    f.databases = Some(Ok(()));
    let e = ended(step(&job, &f));
    assert!(e.status.database_switched);
    assert_eq!(
        message(&e),
        "team_a_shop now holds the restored data; switching the filestore"
    );
    f.databases = Some(Err("permission denied".into()));
    discards_then_fails(
        &job,
        f,
        "switching databases failed: permission denied; team_a_shop was kept",
    );
}

#[test]
fn the_filestore_switch_job_is_made_once_and_followed() {
    let (job, mut f) = databases_switched("Keep");
    assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadSwitch));
    f.switch = Some(Agent::Missing);
    assert_eq!(step(&job, &f), JobStep::Do(Effect::StartSwitch));
    f.switch_started = true;
    let e = ended(step(&job, &f));
    assert_eq!(e.status.job.job_name.as_deref(), Some("r-switch"));
    assert_eq!(e.again, Again::After(SWITCHING));
    f.switch = Some(Agent::Running);
    assert_eq!(
        ended(step(&job, &f)).status,
        job.status.clone().unwrap_or_default()
    );
}

#[test]
fn files_that_may_have_moved_keep_everything_and_say_so_once() {
    let (mut job, mut f) = databases_switched("Drop");
    f.switch = Some(Agent::Ended(Switched::Unknown("rename failed".into())));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(
        message(&e),
        "switching the filestore failed and the files may have moved: rename failed; team_a_shop holds the restored data and the previous database is kept as team_a_shop_pre_restore_1; nothing was reverted or dropped. Check the volume, then delete job/r-switch -n team-a to run the switch again; logs: kubectl logs job/r-switch -n team-a"
    );
    assert_eq!(told(&e), [(On::Job, true, Reason::SwitchUnknown)]);
    assert_eq!(e.again, Again::After(HALF_SWITCHED));
    // Said once: the next pass finds the same words recorded.
    job.status = Some(e.status);
    let e = ended(step(&job, &f));
    assert!(e.events.is_empty());
}

#[test]
fn files_put_back_by_the_agent_bring_the_previous_database_back() {
    let (job, mut f) = databases_switched("Keep");
    f.switch = Some(Agent::Ended(Switched::Undone("disk full".into())));
    assert_eq!(step(&job, &f), JobStep::Do(Effect::Revert));
    f.reverted = true;
    discards_then_fails(
        &job,
        f,
        "switching the filestore failed: disk full; the previous database team_a_shop is back in place; logs: kubectl logs job/r-switch -n team-a",
    );
}

#[test]
fn a_switched_restore_succeeds_or_with_drop_waits_for_the_instance_to_run() {
    let (job, mut f) = databases_switched("Keep");
    f.switch = Some(switched(None));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(e.status.step, None);
    assert_eq!(
        message(&e),
        "restored /backup/k.zip into team_a_shop; the previous database is kept as team_a_shop_pre_restore_1"
    );
    assert_eq!(told(&e), on_both(false, Reason::Restored));
    assert_eq!(e.again, Again::OnChange);
    // Files the switch could not remove keep their database, Drop or not.
    let (job, mut f) = databases_switched("Drop");
    f.switch = Some(switched(Some("busy")));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(
        message(&e),
        "restored /backup/k.zip into team_a_shop; the previous files could not be removed (busy), so the previous database is kept with them as team_a_shop_pre_restore_1"
    );
    f.switch = Some(switched(None));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(e.status.step, Some(RestoreStep::Starting));
    assert_eq!(
        message(&e),
        "restored /backup/k.zip into team_a_shop; the previous database team_a_shop_pre_restore_1 is dropped once shop runs on the restored one"
    );
    assert_eq!(told(&e), [(On::Job, false, Reason::Switched)]);
}

#[test]
fn the_previous_database_goes_only_once_the_instance_runs_on_the_restored_one() {
    let job = at(RestoreStep::Starting);
    let mut f = resolved();
    f.seen.instance = Some(Box::new(instance(Some(InstancePhase::Starting))));
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(
        message(&e),
        "restored /backup/k.zip into team_a_shop; the previous database team_a_shop_pre_restore_1 is dropped once shop runs on the restored one (it is Starting)"
    );
    assert_eq!(e.again, Again::After(STARTING));
    let mut f = resolved();
    assert_eq!(step(&job, &f), JobStep::Do(Effect::DropKept));
    f.dropping = Some(Dropping::Waiting);
    assert_eq!(
        ended(step(&job, &f)).status,
        job.status.clone().unwrap_or_default()
    );
    f.dropping = Some(Dropping::Dropped);
    let e = ended(step(&job, &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(e.status.previous_database_name, None);
    assert_eq!(
        message(&e),
        "restored /backup/k.zip into team_a_shop; shop ran on it, and the previous database team_a_shop_pre_restore_1 and its files were dropped"
    );
    f.dropping = Some(Dropping::FilesLeft("busy".into()));
    let e = ended(step(&job, &f));
    assert_eq!(
        e.status.previous_database_name.as_deref(),
        Some("team_a_shop_pre_restore_1")
    );
    assert_eq!(
        message(&e),
        "restored /backup/k.zip into team_a_shop; shop ran on it, but the previous files could not be removed (busy), so the previous database is kept with them as team_a_shop_pre_restore_1"
    );
}
