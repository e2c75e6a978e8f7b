//! The steps' decisions, without a cluster: what each waits for, what it asks for
//! next, and what the user reads once it decided.

use odoo_model::InstancePhase as I;
use odoo_model::cluster_migration::MigrationPhase as P;

use super::super::facts::{Effect, Facts, Prepared, Side};
use super::super::test_support::*;
use crate::controller::migration::conditions;
use crate::controller::migration::pass::{NEXT_STEP, POLL, QUEUED};
use crate::controller::step::{Again, JobStep, walk};
use crate::pg::compare::Inventory;
use crate::runtime::agent_pod::Agent;
use odoo_model::JobPhase;

#[test]
fn a_new_migration_holds_its_finalizer_and_reads_the_clusters_first() {
    let mut m = migration(P::Pending);
    m.metadata.finalizers = None;
    let mut f = facts(instance(I::Running));
    f.clusters = None;
    assert_eq!(step(&m, &f), JobStep::Hold);
    f.seen.held = Some(Box::new(m.clone()));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadClusters));
}

#[test]
fn pending_queues_behind_another_migration_then_fixes_source_and_name() {
    let mut m = migration(P::Pending);
    m.status = None;
    let mut f = facts(instance(I::Running));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadAhead));
    f.ahead = Some(Some("first".into()));
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::Pending));
    assert_eq!(
        message(&e),
        "queued: waiting for OdooClusterMigration/first to finish"
    );
    assert_eq!((e.again, e.events.len()), (QUEUED, 0));

    f.ahead = Some(None);
    let e = ended(step(&m, &facts_with_ahead(I::Upgrading)));
    assert_eq!(
        message(&e),
        "queued: waiting for the instance to be settled (it is Upgrading)"
    );
    let e = ended(step(&m, &f));
    assert_eq!(
        (e.status.phase, e.phase),
        (Some(P::PreChecks), JobPhase::Running)
    );
    assert_eq!(
        message(&e),
        "checking cluster other before moving from main"
    );
    assert_eq!(e.status.source_cluster.as_deref(), Some("main"));
    let temporary = e.status.temporary_database.clone().unwrap_or_default();
    assert!(temporary.starts_with("team_a_shop_mig_"), "{temporary}");
    assert_eq!(e.status.previous_replicas, Some(2));
    assert_eq!(e.status.start_time.as_ref().map(|t| t.0), Some(now()));
    assert_eq!(e.status.observed_generation, Some(1));
    assert_eq!(reasons(&e), ["PreChecks"]);
    assert_eq!(
        condition(&e, conditions::STEP),
        ("PreChecks".into(), "True".into())
    );
    assert_eq!(e.again, NEXT_STEP);
}

fn facts_with_ahead(phase: I) -> Facts {
    let mut f = facts(instance(phase));
    f.ahead = Some(None);
    f
}

#[test]
fn pre_checks_read_both_majors_and_refuse_an_older_target() {
    let m = migration(P::PreChecks);
    let mut f = facts(instance(I::Running));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadMajor(Side::Target)));
    f.target_major = Some(Ok(15));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadMajor(Side::Source)));
    f.source_major = Some(Ok(16));
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::RolledBack));
    assert_eq!(
        message(&e),
        "PreChecks failed: cluster other runs PostgreSQL 15, older than main's 16. Nothing was changed; the instance runs on main."
    );
    assert_eq!(reasons(&e), ["!OlderTarget", "!MigrationRolledBack"]);
    assert_eq!(
        condition(&e, conditions::MIGRATED),
        ("OlderTarget".into(), "False".into())
    );
    assert_eq!(
        condition(&e, conditions::STEP),
        ("RolledBack".into(), "False".into())
    );
    assert!(e.status.completion_time.is_some());
    assert_eq!((e.phase, e.again), (JobPhase::Failed, Again::OnChange));

    f.source_major = Some(Ok(15));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadTargetTaken));
    f.target_taken = Some(Ok(true));
    let e = ended(step(&m, &f));
    assert_eq!(reasons(&e)[0], "!TargetDatabaseExists");
    f.target_taken = Some(Ok(false));
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::Stopping));
    assert_eq!(
        message(&e),
        "other runs PostgreSQL 15 (main: 15); stopping the instance"
    );
}

#[test]
fn pre_checks_fail_on_the_same_cluster_and_an_unreachable_target() {
    let mut m = migration(P::PreChecks);
    let mut f = facts(instance(I::Running));
    f.target_major = Some(Err("connection refused".into()));
    let e = ended(step(&m, &f));
    let message = e.status.message.clone().unwrap_or_default();
    assert_eq!(
        message,
        "PreChecks failed: cluster other: connection refused. Nothing was changed; the instance runs on main."
    );
    assert_eq!(reasons(&e)[0], "!TargetUnreachable");
    m.spec.target_cluster = "main".into();
    let e = ended(step(&m, &f));
    assert_eq!(reasons(&e)[0], "!SameCluster");
}

#[test]
fn stopping_waits_for_the_instance_and_every_pod() {
    let m = migration(P::Stopping);
    let e = ended(step(&m, &facts(instance(I::Running))));
    assert_eq!(
        message(&e),
        "waiting for the instance to stop (it is Running)"
    );
    assert_eq!((e.status.phase, e.again), (Some(P::Stopping), POLL));
    let mut f = facts(instance(I::Migrating));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadPods));
    f.pods_left = Some(2);
    let e = ended(step(&m, &f));
    assert_eq!(message(&e), "waiting for 2 web and cron pods to stop");
    f.pods_left = Some(0);
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::Copying));
    assert_eq!(
        message(&e),
        "instance stopped; copying team_a_shop to other on other"
    );
    assert_eq!(reasons(&e), ["Copying"]);
}

#[test]
fn copying_prepares_the_target_then_starts_the_job_once() {
    let (m, mut f) = migrating(P::Copying);
    walk(
        |f| step(&m, f),
        &mut f,
        [
            (Effect::ReadCopy, |f| f.copy = Some(Agent::Missing)),
            (Effect::Prepare, |f| f.prepared = Some(Prepared::Done)),
            (Effect::StartCopy, |f| f.copy_started = true),
        ],
    );
    let e = ended(step(&m, &f));
    assert_eq!(message(&e), "Job move-copy copies the database");
    assert_eq!((e.status.phase, e.again), (Some(P::Copying), POLL));
    assert!(e.events.is_empty());
}

#[test]
fn a_copy_is_verified_only_with_the_agents_report() {
    let (m, mut f) = migrating(P::Copying);
    f.copy = Some(Agent::Ended(Ok(odoo_model::agent::CopyReport {
        source: "pg-main:5432/team_a_shop".into(),
        target: "pg-other:5432/team_a_shop_mig_1".into(),
        size_bytes: 42,
        duration_seconds: 1.0,
        source_pg_version: "16".into(),
        target_pg_version: "16".into(),
    })));
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::Verifying));
    assert_eq!(e.status.progress.as_deref(), Some("42 bytes of SQL copied"));
    f.copy = Some(Agent::Ended(Err("no line".into())));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::DropTemporary));
    f.undone.dropped_temporary = Some(Ok(()));
    let e = ended(step(&m, &f));
    assert_eq!(
        message(&e),
        "Copying failed: no line; logs: kubectl logs job/move-copy -n team-a. The temporary database team_a_shop_mig_1 on other was dropped; the instance starts again on main."
    );
    assert_eq!(reasons(&e), ["!CopyFailed", "!MigrationRolledBack"]);
}

fn inventory(rows: i64) -> Inventory {
    Inventory {
        tables: [("public.sale_order".to_owned(), rows)].into(),
        schemas: ["public".to_owned()].into(),
        extensions: ["plpgsql".to_owned(), "unaccent".to_owned()].into(),
        ..Default::default()
    }
}

#[test]
fn verifying_compares_both_sides_and_keeps_the_progress_of_a_mismatch() {
    let (m, mut f) = migrating(P::Verifying);
    assert_eq!(step(&m, &f), JobStep::Do(Effect::ReadLogin));
    f.login = Some(Err("the Secret shop-db has no password".into()));
    let e = ended(step(&m, &f.with_temporary_dropped()));
    assert_eq!(reasons(&e)[0], "!NoPassword");
    f.login = Some(Ok(crate::pg::TenantLogin {
        role: "odoo_team_a_shop".into(),
        password: "pw".into(),
    }));
    assert_eq!(
        step(&m, &f),
        JobStep::Do(Effect::ReadInventory(Side::Source))
    );
    f.source_inventory = Some(Ok(inventory(3)));
    assert_eq!(
        step(&m, &f),
        JobStep::Do(Effect::ReadInventory(Side::Target))
    );
    f.copy_inventory = Some(Ok(inventory(2)));
    let e = ended(step(&m, &f.with_temporary_dropped()));
    assert_eq!(e.status.progress.as_deref(), Some("0/1 tables match"));
    assert_eq!(
        message(&e),
        "Verifying failed: the copy differs from the source in 1 way: table public.sale_order has 2 rows, not 3. The temporary database team_a_shop_mig_1 on other was dropped; the instance starts again on main."
    );
    f.copy_inventory = Some(Ok(inventory(3)));
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::Switching));
    assert_eq!(
        message(&e),
        "verified: 1 table with equal row counts, 0 sequences, extensions (plpgsql, unaccent), schemas (public)"
    );
    assert_eq!(e.status.progress.as_deref(), Some("1/1 tables match"));
}

impl Facts {
    fn with_temporary_dropped(&self) -> Self {
        let mut f = facts(self.seen.instance().cloned().expect("an instance"));
        f.login = self.login.clone();
        f.source_inventory = self.source_inventory.clone();
        f.copy_inventory = self.copy_inventory.clone();
        f.undone.dropped_temporary = Some(Ok(()));
        f
    }
}

#[test]
fn switching_renames_then_points_the_instance_at_the_target() {
    let (m, mut f) = migrating(P::Switching);
    walk(
        |f| step(&m, f),
        &mut f,
        [
            (Effect::ReadNames, |f| {
                f.names_on_target = Some(Ok((true, false)))
            }),
            (Effect::Rename, |f| f.renamed = Some(Ok(()))),
            (Effect::PointAtTarget, |f| f.pointed = Some(Ok(()))),
        ],
    );
    let e = ended(step(&m, &f));
    assert_eq!(e.status.phase, Some(P::Starting));
    assert!(e.status.switched);
    assert_eq!(
        message(&e),
        "the instance now uses team_a_shop on other; starting it"
    );
    // Renamed before a crash: straight to the switch.
    let mut f = facts(instance(I::Migrating));
    f.names_on_target = Some(Ok((false, true)));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::PointAtTarget));
    f.names_on_target = Some(Ok((true, true)));
    assert_eq!(step(&m, &f), JobStep::Do(Effect::DropTemporary));
}

#[test]
fn starting_succeeds_once_the_instance_runs_on_the_target() {
    let m = migration(P::Starting);
    let mut on_target = instance(I::Running);
    on_target.spec.database.cluster = Some("other".into());
    let e = ended(step(&m, &facts(on_target.clone())));
    assert_eq!(
        (e.status.phase, e.phase),
        (Some(P::Succeeded), JobPhase::Succeeded)
    );
    assert!(e.status.ran_on_target);
    assert_eq!(
        message(&e),
        "shop runs on other; the source database on main is kept until spec.dropSourceAfter is set"
    );
    assert_eq!(reasons(&e), ["MigrationSucceeded", "MigrationSucceeded"]);
    assert_eq!(e.events[1].on, crate::controller::step::On::Instance);
    assert_eq!(
        condition(&e, conditions::MIGRATED),
        ("RanOnTarget".into(), "True".into())
    );
    assert_eq!(e.again, Again::OnChange);
    if let Some(s) = on_target.status.as_mut() {
        s.phase = Some(I::Starting);
    }
    let e = ended(step(&m, &facts(on_target)));
    assert_eq!(
        message(&e),
        "waiting for the instance to run on other (it is Starting)"
    );
    assert_eq!((e.status.phase, e.again), (Some(P::Starting), POLL));
}

#[test]
fn the_temporary_database_is_named_after_the_migration() {
    // The first 8 hex digits of sha256("uid-1"): the name of this migration's own.
    assert_eq!(
        crate::controller::migration::temporary_name("shop", "uid-1"),
        "shop_mig_4a49acf8"
    );
}
