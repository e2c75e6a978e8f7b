//! The Copy strategy's decisions, step by step, without a cluster: which effect
//! comes next, and what the job says, records and tells when a pass ends.

use crate::controller::step::Seen;
use odoo_model::Reason;
use odoo_model::agent::{FilestoreCopyOutcome, FilestoreCopyReport, SwitchOutcome, SwitchReport};
use odoo_model::restore_job::PreviousDatabase;
use odoo_model::upgrade_job::{CopyMethod, OdooUpgradeJobStatus, UpgradeStep, UpgradeStrategy};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooUpgradeJob};

use super::super::facts::{Db, Effect, Facts, Resolved};
use super::super::outcome::{AGENT_RUNS, FOR_A_PERSON, NEXT_STEP, STOPPING_JOB};
use super::super::test_support::{self, adopted};
use super::{cleans_up, deleting, recorded_point, step};
use crate::controller::kept::Dropping;
use crate::controller::step::{Again, JobStep, On, ended, message, on_both, told, walk};
use crate::pg::copy::TemplateCopy;
use crate::runtime::agent_pod::{Agent, Switched};
use crate::runtime::batch::Outcome;

const LIVE: &str = "shop";
const COPY: &str = "shop_upgrading_1";
const KEPT: &str = "shop_pre_upgrade_1";

fn job(step: UpgradeStep) -> OdooUpgradeJob {
    let mut job = test_support::job();
    let mut status = OdooUpgradeJobStatus {
        image: Some("odoo:19.0-b".into()),
        previous_image: Some("odoo:18.0-a".into()),
        strategy: Some(UpgradeStrategy::Copy),
        step: Some(step),
        copy_database: Some(COPY.into()),
        copy_method: Some(CopyMethod::Template),
        previous_database_name: Some(KEPT.into()),
        ..Default::default()
    };
    status.job.phase = Some(JobPhase::Running);
    status.job.message = Some("said before".into());
    job.status = Some(status);
    job
}

fn resolved() -> Facts {
    let seen = Seen {
        instance: Some(Box::new(OdooInstance::new("shop", Default::default()))),
        now: "2026-12-04T10:00:00Z".parse().expect("time"),
        ..Seen::default()
    };
    Facts {
        seen,
        resolved: Some(Resolved::sample(LIVE)),
        ..Facts::default()
    }
}

fn instance() -> OdooInstance {
    OdooInstance::new("shop", Default::default())
}

/// A filestore copy's Job that ended finding no files to copy (or remove).
fn no_files() -> Agent<Result<FilestoreCopyReport, String>> {
    Agent::Ended(Ok(FilestoreCopyReport {
        outcome: FilestoreCopyOutcome::NoFiles,
        files: 0,
        linked: 0,
        bytes: 0,
    }))
}

#[test]
fn it_copies_only_once_web_and_cron_are_down() {
    let j = job(UpgradeStep::Stopping);
    let mut f = Facts::default();
    let i = instance();
    assert_eq!(
        step(&j, &i, &f),
        JobStep::Do(Effect::ReadWorkers { stop_web: true })
    );
    f.workers = Some(Some("waiting for shop to enter Upgrading".into()));
    let e = ended(step(&j, &i, &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Stopping));
    assert_eq!(message(&e), "waiting for shop to enter Upgrading");
    f.workers = Some(None);
    let e = ended(step(&j, &i, &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Copying));
    assert_eq!(message(&e), "shop is stopped; copying its database");
    assert_eq!(e.again, Again::After(NEXT_STEP));
}

#[test]
fn a_database_in_use_is_streamed_into_an_empty_copy_instead() {
    let mut j = job(UpgradeStep::Copying);
    j.status.as_mut().expect("status").copy_method = None;
    let i = instance();
    assert_eq!(
        step(&j, &i, &Facts::default()),
        JobStep::Do(Effect::Resolve)
    );
    let mut f = resolved();
    assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::CopyByTemplate));
    f.template = Some(TemplateCopy::Copied);
    let e = ended(step(&j, &i, &f));
    assert_eq!(e.status.copy_method, Some(CopyMethod::Template));
    assert_eq!(
        message(&e),
        format!("copying {LIVE} into {COPY} (Template)")
    );
    f.template = Some(TemplateCopy::InUse);
    assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::StartStreamedCopy));
    f.started = true;
    let e = ended(step(&j, &i, &f));
    assert_eq!(e.status.copy_method, Some(CopyMethod::Streamed));
}

#[test]
fn the_files_are_linked_only_once_the_copy_is_checked() {
    let j = job(UpgradeStep::Copying);
    let i = instance();
    let mut f = resolved();
    assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::ReadFiles));
    f.files = Some(Agent::Missing);
    assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::CheckCopy));
    f.checked = Some(Ok(vec!["table res_partner: 3 rows, 2 in the copy".into()]));
    let e = ended(step(&j, &i, &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(
        message(&e),
        format!(
            "the copy (Template) differs from {LIVE}: table res_partner: 3 rows, 2 in the copy"
        )
    );
    f.checked = Some(Ok(vec![]));
    assert_eq!(step(&j, &i, &f), JobStep::Do(Effect::StartFiles));
    f.started = true;
    let e = ended(step(&j, &i, &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Copying));
    assert_eq!(e.again, Again::After(AGENT_RUNS));
    assert_eq!(
        message(&e),
        "database copied into shop_upgrading_1 (Template) and checked; linking its files"
    );
}

#[test]
fn a_streamed_copy_that_failed_is_discarded_before_any_check() {
    let mut j = job(UpgradeStep::Copying);
    j.status.as_mut().expect("status").copy_method = Some(CopyMethod::Streamed);
    let mut f = resolved();
    f.files = Some(Agent::Missing);
    assert_eq!(step(&j, &instance(), &f), JobStep::Do(Effect::ReadStream));
    f.stream = Some(None);
    assert_eq!(
        ended(step(&j, &instance(), &f)).again,
        Again::After(AGENT_RUNS)
    );
    f.stream = Some(Some(Err("pg_dump: connection lost".into())));
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(
        message(&e),
        "streaming the database into the copy failed: pg_dump: connection lost; logs: kubectl logs job/up-copy -n team"
    );
}

#[test]
fn copied_files_move_it_to_upgrading_with_the_kill_point_after_that_write() {
    let j = job(UpgradeStep::Copying);
    let mut f = resolved();
    f.files = Some(no_files());
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Upgrading));
    assert_eq!(
        message(&e),
        format!(
            "copied the database into {COPY} (Template) and no files to copy; updating the copy with odoo:19.0-b"
        )
    );
    assert_eq!(
        recorded_point(Some(UpgradeStep::Copying), e.status.step),
        Some("upgrade-copied")
    );
}

#[test]
fn the_update_of_the_copy_is_recorded_before_its_job_is_made() {
    let mut j = job(UpgradeStep::Upgrading);
    let mut f = resolved();
    assert_eq!(step(&j, &instance(), &f), JobStep::Do(Effect::ReadUpdate));
    f.update = Some(None);
    assert_eq!(
        step(&j, &instance(), &f),
        JobStep::Do(Effect::ReadClock(Db::Copy))
    );
    f.clock = Some(f.seen.now);
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.job.job_name.as_deref(), Some("up-job"));
    assert_eq!(
        message(&e),
        format!("Job up-job running odoo --update with odoo:19.0-b on the copy {COPY}")
    );
    j.status = Some(e.status);
    f.clock = None;
    assert_eq!(
        step(&j, &instance(), &f),
        JobStep::Do(Effect::StartUpdate(Db::Copy))
    );
}

#[test]
fn a_checked_update_goes_to_switching_and_a_rehearsal_to_discarding() {
    let mut j = job(UpgradeStep::Upgrading);
    let mut f = resolved();
    f.update = Some(Some(Outcome::Complete));
    assert_eq!(
        step(&j, &instance(), &f),
        JobStep::Do(Effect::ReadUpdated(Db::Copy))
    );
    f.updated = Some(Ok("base 19.0.1.3".into()));
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Switching));
    assert_eq!(e.status.update_succeeded, Some(true));
    assert_eq!(
        e.status.previous_database_name.as_deref(),
        Some("shop_pre_upgrade_20261204100000")
    );
    assert_eq!(
        message(&e),
        format!("the copy is updated (base 19.0.1.3); switching it in as {LIVE}")
    );
    assert_eq!(
        recorded_point(Some(UpgradeStep::Upgrading), e.status.step),
        Some("upgrade-updated")
    );
    j.spec.rehearsal = true;
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(
        message(&e),
        "rehearsal: the update to odoo:19.0-b succeeded on a copy (base 19.0.1.3)"
    );
}

#[test]
fn a_failed_update_says_what_odoo_ended_with_and_discards_the_copy() {
    let j = job(UpgradeStep::Upgrading);
    let mut f = resolved();
    f.update = Some(Some(Outcome::Failed));
    assert_eq!(step(&j, &instance(), &f), JobStep::Do(Effect::ReadFailure));
    f.failure = Some(Some("KeyError: 'x'".into()));
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(e.status.update_succeeded, Some(false));
    assert_eq!(
        message(&e),
        "odoo --update with odoo:19.0-b failed on the copy: KeyError: 'x'; logs: kubectl logs job/up-job -n team"
    );
}

#[test]
fn the_names_switch_first_and_a_failed_switch_keeps_the_live_database() {
    let j = job(UpgradeStep::Switching);
    let mut f = resolved();
    f.workers = Some(None);
    assert_eq!(
        step(&j, &instance(), &f),
        JobStep::Do(Effect::SwitchDatabases)
    );
    f.switch = Some(Err("database busy".into()));
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(
        message(&e),
        format!("switching databases failed: database busy; {LIVE} was kept")
    );
    f.switch = Some(Ok(()));
    let e = ended(step(&j, &instance(), &f));
    assert!(e.status.database_switched);
    assert_eq!(e.status.step, Some(UpgradeStep::Switching));
}

/// The databases are switched and the instance is down: the filestore switch
/// is next.
fn files_next() -> (OdooUpgradeJob, Facts) {
    let mut j = job(UpgradeStep::Switching);
    j.status.as_mut().expect("status").database_switched = true;
    let mut f = resolved();
    f.workers = Some(None);
    (j, f)
}

#[test]
fn files_put_back_by_the_agent_bring_the_previous_database_back() {
    let (j, mut f) = files_next();
    walk(
        |f| step(&j, &instance(), f),
        &mut f,
        [
            (Effect::ReadSwitch, |f| f.switched = Some(Agent::Missing)),
            (Effect::StartSwitch, |f| {
                f.switched = Some(Agent::Ended(Switched::Undone("disk full".into())))
            }),
            (Effect::RevertDatabases, |f| f.reverted = true),
        ],
    );
    let e = ended(step(&j, &instance(), &f));
    assert!(!e.status.database_switched);
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(
        message(&e),
        "switching the filestore failed: disk full; shop is the previous database again; logs: kubectl logs job/up-switch -n team"
    );
}

#[test]
fn files_that_may_have_moved_stop_everything_and_say_so_once() {
    let (mut j, mut f) = files_next();
    f.switched = Some(Agent::Ended(Switched::Unknown("no line".into())));
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Switching));
    assert!(e.status.database_switched);
    assert_eq!(e.again, Again::After(FOR_A_PERSON));
    assert_eq!(told(&e), [(On::Job, true, Reason::SwitchUnknown)]);
    assert_eq!(
        message(&e),
        "switching the filestore failed and the files may have moved: no line; shop is the upgraded copy and the previous database is kept as shop_pre_upgrade_1; nothing was reverted or dropped. Check the volume, then delete job/up-switch -n team to run the switch again; logs: kubectl logs job/up-switch -n team"
    );
    j.status.as_mut().expect("status").job.message = Some(message(&e));
    let e = ended(step(&j, &instance(), &f));
    assert!(e.events.is_empty(), "said once");
}

#[test]
fn switched_files_adopt_the_target_then_succeed_or_wait_to_drop_the_previous() {
    let (mut j, mut f) = files_next();
    let report = SwitchReport {
        outcome: SwitchOutcome::Switched,
        previous_removed: false,
        previous_left: None,
    };
    f.switched = Some(Agent::Ended(Switched::Done(report)));
    let e = adopted(|f| step(&j, &instance(), f), &mut f);
    assert_eq!(
        message(&e),
        format!(
            "{LIVE} upgraded to odoo:19.0-b on a copy; the previous database and files are kept as {KEPT}; rolling out"
        )
    );
    assert_eq!(told(&e), [(On::Job, false, Reason::Upgraded)]);
    j.spec.previous_database = PreviousDatabase::Drop;
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(e.status.step, Some(UpgradeStep::Starting));
    assert_eq!(
        e.status.job.completion_time.as_ref().map(|t| t.0),
        Some(f.seen.now)
    );
    assert_eq!(told(&e), [(On::Job, false, Reason::Switched)]);
}

#[test]
fn the_previous_database_goes_only_once_the_instance_runs_the_target() {
    let j = job(UpgradeStep::Starting);
    let mut f = resolved();
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.phase, JobPhase::Running);
    assert_eq!(
        message(&e),
        "shop upgraded to odoo:19.0-b on a copy; rolling out; the previous database shop_pre_upgrade_1 is dropped once shop runs odoo:19.0-b (it is new)"
    );
    let mut running = instance();
    running.status = Some(odoo_model::OdooInstanceStatus {
        phase: Some(InstancePhase::Running),
        image: Some("odoo:19.0-b".into()),
        ..Default::default()
    });
    assert_eq!(step(&j, &running, &f), JobStep::Do(Effect::DropKept));
    f.dropping = Some(Dropping::Waiting);
    assert_eq!(
        ended(step(&j, &running, &f)).again,
        Again::After(AGENT_RUNS)
    );
    f.dropping = Some(Dropping::Dropped);
    let e = ended(step(&j, &running, &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(e.status.previous_database_name, None);
    assert_eq!(
        message(&e),
        "shop upgraded to odoo:19.0-b on a copy; shop runs it, and the previous database shop_pre_upgrade_1 and its files were dropped"
    );
}

#[test]
fn a_discarded_copy_fails_the_upgrade_on_job_and_instance() {
    let j = job(UpgradeStep::Discarding);
    let mut f = resolved();
    walk(
        |f| step(&j, &instance(), f),
        &mut f,
        [
            (Effect::DropCopy, |f| f.copy_dropped = true),
            (Effect::ReadDiscard, |f| f.discard = Some(Agent::Missing)),
            (Effect::StartDiscard, |f| {
                f.discard = Some(Agent::Ended(Err("permission denied".into())))
            }),
        ],
    );
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.phase, JobPhase::Failed);
    assert_eq!(
        message(&e),
        format!(
            "said before; the copy {COPY} was dropped, but its files could not be removed (permission denied): remove filestore/{COPY} from the volume by hand; {LIVE} was not touched and the previous image serves it again"
        )
    );
    assert_eq!(told(&e), on_both(true, Reason::UpgradeFailed));
}

#[test]
fn a_rehearsal_ends_with_its_outcome_told_on_the_instance() {
    let mut j = job(UpgradeStep::Discarding);
    j.spec.rehearsal = true;
    j.status.as_mut().expect("status").update_succeeded = Some(true);
    let mut f = resolved();
    f.copy_dropped = true;
    f.discard = Some(no_files());
    let e = ended(step(&j, &instance(), &f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    assert_eq!(
        message(&e),
        "said before; the copy shop_upgrading_1 and its files were removed; nothing changed on shop"
    );
    assert_eq!(told(&e), [(On::Instance, false, Reason::Rehearsed)]);
}

#[test]
fn a_deletion_stops_the_jobs_in_flight_then_discards_the_copy() {
    let j = job(UpgradeStep::Upgrading);
    assert!(cleans_up(&j, Some(&instance())));
    assert!(!cleans_up(&j, None), "no instance: nothing to clean");
    assert!(!cleans_up(&job(UpgradeStep::Stopping), Some(&instance())));
    let mut f = resolved();
    f.seen.deleting = true;
    assert_eq!(
        deleting(&j, &instance(), &f),
        JobStep::Do(Effect::ReadOwnJobs)
    );
    f.own_jobs = Some(vec!["up-job".into()]);
    assert_eq!(
        deleting(&j, &instance(), &f),
        JobStep::Do(Effect::DeleteJob("up-job".into()))
    );
    f.started = true;
    assert_eq!(
        ended(deleting(&j, &instance(), &f)).again,
        Again::After(STOPPING_JOB)
    );
    f.started = false;
    f.own_jobs = Some(vec![]);
    let e = ended(deleting(&j, &instance(), &f));
    assert_eq!(e.status.step, Some(UpgradeStep::Discarding));
    assert_eq!(
        message(&e),
        "deleted in flight: discarding the copy; shop was not touched"
    );
    // Once the copy is live, the switch runs to its end.
    let mut switched = job(UpgradeStep::Switching);
    switched.status.as_mut().expect("status").database_switched = true;
    assert_eq!(
        deleting(&switched, &instance(), &f),
        JobStep::Do(Effect::ReadWorkers { stop_web: true })
    );
}
