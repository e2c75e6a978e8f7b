//! Undoing a failed or deleted migration, and dropping the source of a finished
//! one, decided without a cluster.

use odoo_model::InstancePhase as I;
use odoo_model::cluster_migration::MigrationPhase as P;

use super::super::facts::Effect;
use super::super::test_support::*;
use super::*;
use crate::controller::step::{Again, JobStep, On, walk};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use odoo_model::JobPhase;

fn created(name: &str, at: &str) -> OdooClusterMigration {
    let mut m = migration(P::Succeeded);
    m.metadata.name = Some(name.into());
    m.metadata.creation_timestamp = Some(Time(at.parse().expect("a time")));
    m
}

#[test]
fn only_the_newest_migration_drops_its_source() {
    let first = created("to-b", "2026-12-01T10:00:00Z");
    let back = created("back-to-a", "2026-12-02T10:00:00Z");
    let all = [first.clone(), back.clone()];
    assert_eq!(newer_migration(&first, &all).as_deref(), Some("back-to-a"));
    assert_eq!(newer_migration(&back, &all), None);
}

fn on_target() -> odoo_model::OdooInstance {
    let mut instance = instance(I::Running);
    instance.spec.database.cluster = Some("other".into());
    instance
}

#[test]
fn a_timed_out_start_switches_back_and_keeps_the_copy_aside() {
    let mut m = migration(P::Starting);
    if let Some(s) = m.status.as_mut() {
        s.switched = true;
        s.conditions.push(Condition {
            type_: super::super::conditions::STEP.into(),
            status: "True".into(),
            reason: "Starting".into(),
            message: String::new(),
            observed_generation: Some(1),
            last_transition_time: Time(now()),
        });
    }
    let mut starting = on_target();
    if let Some(s) = starting.status.as_mut() {
        s.phase = Some(I::Starting);
    }
    let mut f = facts(starting);
    f.seen.now = now() + k8s_openapi::jiff::SignedDuration::from_secs(599);
    assert!(matches!(step(&m, &f), JobStep::End(e) if e.status.phase == Some(P::Starting)));
    // Ten minutes after the step began.
    f.seen.now = now() + k8s_openapi::jiff::SignedDuration::from_secs(601);
    walk(
        |f| step(&m, f),
        &mut f,
        [
            (Effect::ReadLiveOnTarget, |f| {
                f.undone.live_on_target = Some(true)
            }),
            (Effect::RenameBack, |f| f.undone.renamed_back = Some(Ok(()))),
            (Effect::PointAtSource, |f| f.undone.pointed_back = true),
        ],
    );
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::RolledBack));
    assert!(!e.status.switched);
    assert_eq!(
        message(&e),
        "Starting failed: the instance was not ready on the target within 600s (it is Starting). The instance was switched back to main. The copy on other is kept as team_a_shop_mig_1; drop it when done."
    );
    assert_eq!(reasons(&e), ["!StartFailed", "!MigrationRolledBack"]);
    assert_eq!(e.events[1].on, On::Instance);
}

#[test]
fn a_refused_switch_drops_the_renamed_copy_only_when_it_is_ours() {
    let (m, mut f) = migrating(P::Switching);
    f.names_on_target = Some(Ok((false, true)));
    f.pointed = Some(Err("admission webhook denied".into()));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::DropTemporary));
    f.undone.dropped_temporary = Some(Ok(()));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::DropRenamed));
    f.undone.dropped_renamed = Some(Ok(Some("team_a_shop is not ours".into())));
    let e = ended(step(&m, &f));
    assert_eq!(
        message(&e),
        "Switching failed: admission webhook denied. The temporary database team_a_shop_mig_1 on other was dropped; the instance starts again on main. On other, team_a_shop is not ours."
    );
    assert_eq!(reasons(&e)[0], "!SwitchRefused");
    f.undone.dropped_renamed = Some(Err("connection refused".into()));
    let e = ended(step(&m, &f));
    let message = e.status.message.unwrap_or_default();
    assert_eq!(
        message,
        "Switching failed: admission webhook denied. The temporary database team_a_shop_mig_1 on other could not be dropped (connection refused); drop it by hand. The instance starts again on main."
    );
}

#[test]
fn a_switch_a_crash_left_unrecorded_is_undone_too() {
    let m = migration(P::Switching);
    let mut f = facts(on_target());
    f.names_on_target = Some(Ok((false, false)));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadLiveOnTarget));
    f.undone.live_on_target = Some(false);
    assert_eq!(step(&m, &f), JobStep::Do(Effect::PointAtSource));
}

#[test]
fn a_deleted_migration_removes_its_copy_job_then_rolls_back() {
    let (m, mut f) = migrating(P::Copying);
    f.seen.deleting = true;
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadCopyLive));
    f.copy_live = Some(true);
    assert_eq!(step(&m, &f), JobStep::Do(Effect::DeleteCopy));
    f.copy_deleted = true;
    let e = ended(step(&m, &f));
    assert_eq!(
        e.status,
        m.status.clone().unwrap_or_default(),
        "nothing written"
    );
    assert_eq!(e.again, COPY_JOB_GOING);
    f.copy_live = Some(false);
    assert_eq!(step(&m, &f), JobStep::Do(Effect::DropTemporary));
    f.undone.dropped_temporary = Some(Ok(()));
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::RolledBack));
    let message = e.status.message.clone().unwrap_or_default();
    assert_eq!(
        message,
        "Copying failed: the migration was deleted before it ended. The temporary database team_a_shop_mig_1 on other was dropped; the instance starts again on main."
    );
    assert_eq!(reasons(&e), ["!Deleted", "!MigrationRolledBack"]);
    assert_eq!(e.again, FINALIZER_NEXT);
    // Past the switch it runs on.
    let mut switched = migration(P::Switching);
    if let Some(s) = switched.status.as_mut() {
        s.switched = true;
    }
    assert_eq!(step(&switched, &f), JobStep::Do(Effect::ReadNames));
}

#[test]
fn a_migration_whose_instance_is_gone_fails_and_an_ended_one_stays() {
    let (m, mut f) = migrating(P::Copying);
    f.seen.instance = None;
    let e = ended(step(&m, &f));
    assert_eq!(
        (e.status.phase, e.phase),
        (Some(P::Failed), JobPhase::Failed)
    );
    assert_eq!(
        message(&e),
        "OdooInstance shop does not exist; nothing was moved"
    );
    assert_eq!(reasons(&e), ["!InstanceMissing"]);
    let done = migration(P::RolledBack);
    let e = ended(step(&done, &f));
    assert_eq!(e.status, done.status.clone().unwrap_or_default());
    assert_eq!(e.again, Again::OnChange);
}

#[test]
fn the_source_is_dropped_once_when_asked() {
    let mut m = migration(P::Succeeded);
    let mut f = facts(on_target());
    f.clusters = None;
    let e = ended(step(&m, &f));
    assert_eq!(e.status, m.status.clone().unwrap_or_default(), "not asked");
    m.spec.drop_source_after = true;
    walk(
        |f| step(&m, f),
        &mut f,
        [
            (Effect::ReadNewer, |f| f.newer = Some(None)),
            (Effect::ReadClusters, |f| {
                f.clusters = facts(on_target()).clusters
            }),
            (Effect::DropSource, |f| f.source_dropped = Some(false)),
        ],
    );
    let e = ended(step(&m, &f));
    assert!(e.status.source_dropped);
    assert_eq!(
        message(&e),
        "dropped database team_a_shop on main; role odoo_team_a_shop is still used there and was kept"
    );
    assert_eq!(reasons(&e), ["SourceDropped", "SourceDropped"]);
    assert_eq!(
        (e.status.phase, e.again),
        (Some(P::Succeeded), Again::OnChange)
    );
    if let Some(s) = m.status.as_mut() {
        s.source_dropped = true;
    }
    assert!(matches!(step(&m, &f), JobStep::End(e) if e.events.is_empty()));
}

#[test]
fn a_newer_migration_keeps_the_source_and_says_so_once() {
    let mut m = migration(P::Succeeded);
    m.spec.drop_source_after = true;
    let mut f = facts(on_target());
    f.newer = Some(Some("back".into()));
    let e = ended(step(&m, &f));
    assert_eq!(reasons(&e), ["!SourceKept"]);
    let kept = e.status.message.clone();
    assert_eq!(
        message(&e),
        "dropSourceAfter ignored: migration back came after this one, and the database on main may be live again; drop it by hand if it is not"
    );
    m.status = Some(e.status);
    let e = ended(step(&m, &f));
    assert!(e.events.is_empty());
    assert_eq!(e.status.message, kept);
}
