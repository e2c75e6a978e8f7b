//! `decide` against every row of the transition table: each case is a stored
//! instance and its facts, and the row that must fire.

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use odoo_model::cluster_migration::MigrationPhase;
use odoo_model::{InstancePhase as P, JobPhase, OdooInstance, OdooInstanceStatus};

use super::*;
use crate::build::{sample, sample_clusters, sample_instance};
use crate::controller::instance::desired::{after_database_failure, after_provisioning};
use crate::runtime::observe::UpgradeView;
use crate::state::table::{Action as A, TRANSITIONS};

const NEW_IMAGE: &str = "odoo:18.0-20250301";

fn now() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().expect("a timestamp")
}

fn condition(type_: &str, ok: bool) -> Condition {
    Condition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        reason: "Test".into(),
        message: String::new(),
        last_transition_time: Time(now()),
        observed_generation: None,
    }
}

/// The sample instance in `phase`, its database provisioned and initialized, running
/// the spec's image.
fn stored(phase: P) -> OdooInstance {
    let mut instance = sample_instance();
    instance.metadata.generation = Some(1);
    instance.status = Some(OdooInstanceStatus {
        phase: Some(phase),
        image: instance.spec.image.clone(),
        conditions: vec![
            condition(types::DATABASE_READY, true),
            condition(types::INITIALIZED, true),
        ],
        ..Default::default()
    });
    instance
}

fn web(ready: i32) -> Deployment {
    let mut d = Deployment::default();
    d.metadata.generation = Some(1);
    d.status = Some(DeploymentStatus {
        observed_generation: Some(1),
        replicas: Some(ready.max(2)),
        updated_replicas: Some(2),
        ready_replicas: Some(ready),
        ..Default::default()
    });
    d
}

/// The facts of a healthy instance: resolved, all web pods ready, no jobs.
fn healthy() -> Facts {
    Facts {
        clusters: Ok(sample_clusters()),
        valid: Ok(sample()),
        web: Some(web(2)),
        upgrade: None,
        upgrade_targets: Vec::new(),
        jobs: crate::state::JobPhases::default(),
        active_job: None,
        db_password: Some("db".into()),
        admin_password: Some("admin".into()),
        pull_failures: Vec::new(),
        claim_terminating: None,
        kept: None,
        records: Default::default(),
    }
}

fn upgrade(phase: JobPhase) -> UpgradeView {
    UpgradeView {
        name: "shop-upgrade".into(),
        phase,
        target: Some(NEW_IMAGE.into()),
        previous_image: Some(sample().images.spec),
        completed: None,
        rolled_back: false,
        maintenance: false,
    }
}

fn decision(instance: &OdooInstance, facts: &Facts) -> Decision {
    match decide(instance, facts, &OperatorConfig::default(), now()) {
        Step::Reconcile(decision) => *decision,
        Step::WriteDefaults { fields, .. } => panic!("unexpected defaults {fields:?}"),
    }
}

struct Case {
    name: &'static str,
    instance: OdooInstance,
    facts: Facts,
    to: P,
    action: Option<A>,
}

fn case(
    name: &'static str,
    from: P,
    to: P,
    change: impl FnOnce(&mut OdooInstance, &mut Facts),
) -> Case {
    let mut instance = stored(from);
    let mut facts = healthy();
    change(&mut instance, &mut facts);
    Case {
        name,
        instance,
        facts,
        to,
        action: None,
    }
}

impl Case {
    fn with(mut self, action: A) -> Case {
        self.action = Some(action);
        self
    }
}

fn status(instance: &mut OdooInstance) -> &mut OdooInstanceStatus {
    instance.status.get_or_insert_with(Default::default)
}

fn not_initialized(instance: &mut OdooInstance) {
    status(instance).conditions = vec![
        condition(types::DATABASE_READY, true),
        condition(types::INITIALIZED, false),
    ];
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "a cluster the contract lacks",
            P::Running,
            P::Error,
            |_, f| {
                f.valid = Err(ValidationError::Cluster("no cluster nowhere".into()));
            },
        ),
        case("the spec valid again", P::Error, P::Provisioning, |_, _| {}),
        case(
            "a new database, init on",
            P::Provisioning,
            P::Initializing,
            |i, _| not_initialized(i),
        )
        .with(A::CreateInitJob),
        case(
            "a new database, init off",
            P::Provisioning,
            P::Uninitialized,
            |i, _| {
                not_initialized(i);
                i.spec.init.enabled = false;
            },
        ),
        case(
            "a database with a schema",
            P::Provisioning,
            P::Starting,
            |_, _| {},
        ),
        case(
            "init turned on",
            P::Uninitialized,
            P::Initializing,
            |i, _| not_initialized(i),
        )
        .with(A::CreateInitJob),
        case("init succeeded", P::Initializing, P::Starting, |_, f| {
            f.jobs.init = Some(JobPhase::Succeeded);
        }),
        case("init failed", P::Initializing, P::InitFailed, |i, f| {
            not_initialized(i);
            f.jobs.init = Some(JobPhase::Failed);
        }),
        case("init retried", P::InitFailed, P::Initializing, |i, f| {
            not_initialized(i);
            f.jobs.init = Some(JobPhase::Running);
        }),
        case("a migration copies", P::Running, P::Migrating, |_, f| {
            f.jobs.migration = Some(MigrationPhase::Copying);
        }),
        case("a restore runs", P::Running, P::Restoring, |_, f| {
            f.jobs.restore = Some(JobPhase::Running);
        }),
        case(
            "a restore into an empty instance",
            P::Uninitialized,
            P::Restoring,
            |i, f| {
                not_initialized(i);
                i.spec.init.enabled = false;
                f.jobs.restore = Some(JobPhase::Running);
            },
        ),
        case("an upgrade runs", P::Running, P::Upgrading, |_, f| {
            f.upgrade = Some(upgrade(JobPhase::Running));
        }),
        case(
            "an upgrade retried",
            P::UpgradeFailed,
            P::Upgrading,
            |_, f| {
                f.upgrade = Some(upgrade(JobPhase::Running));
            },
        ),
        case(
            "a new image, auto-upgrade on",
            P::Running,
            P::Upgrading,
            |i, _| {
                status(i).image = Some("odoo:18.0-20240101".into());
            },
        )
        .with(A::CreateUpgradeJob),
        case("a backup runs", P::Running, P::BackingUp, |_, f| {
            f.jobs.backup = Some(JobPhase::Running);
        }),
        case("the migration ended", P::Migrating, P::Starting, |_, f| {
            f.jobs.migration = Some(MigrationPhase::Succeeded);
        }),
        case("the restore ended", P::Restoring, P::Starting, |_, f| {
            f.jobs.restore = Some(JobPhase::Succeeded);
        }),
        case(
            "the upgrade succeeded",
            P::Upgrading,
            P::Starting,
            |_, f| {
                f.upgrade = Some(upgrade(JobPhase::Succeeded));
            },
        )
        .with(A::AdoptUpgradedImage),
        case(
            "the upgrade failed",
            P::Upgrading,
            P::UpgradeFailed,
            |_, f| {
                f.upgrade = Some(upgrade(JobPhase::Failed));
            },
        ),
        case(
            "the image settled after a failure",
            P::UpgradeFailed,
            P::Starting,
            |_, f| {
                f.upgrade = Some(upgrade(JobPhase::Failed));
            },
        ),
        case("the backup ended", P::BackingUp, P::Starting, |_, f| {
            f.jobs.backup = Some(JobPhase::Succeeded);
        }),
        case(
            "upgraded pods not ready in the window",
            P::Running,
            P::UpgradeFailed,
            |i, f| {
                i.spec.image = Some(NEW_IMAGE.into());
                i.spec.auto_upgrade.rollback = true;
                status(i).image = Some(NEW_IMAGE.into());
                let mut u = upgrade(JobPhase::Succeeded);
                u.completed = Some(now() - SignedDuration::from_secs(3600));
                f.upgrade = Some(u);
                f.upgrade_targets = vec![NEW_IMAGE.into()];
                let mut v = sample();
                v.images.spec = NEW_IMAGE.into();
                f.valid = Ok(v);
                f.web = Some(web(1));
            },
        )
        .with(A::RollbackImage),
        case("scaled to zero", P::Running, P::Stopped, |i, f| {
            i.spec.replicas = 0;
            f.valid = crate::validate::resolve(i, &sample_clusters());
        }),
        case("scaled up", P::Stopped, P::Starting, |_, _| {}),
        case("all web pods ready", P::Starting, P::Running, |_, _| {}),
        case("a web pod not ready", P::Running, P::Degraded, |_, f| {
            f.web = Some(web(1));
        }),
    ]
}

#[test]
fn every_row_of_the_table_fires_through_decide() {
    let mut fired = BTreeSet::new();
    for c in cases() {
        let d = decision(&c.instance, &c.facts);
        let t = d
            .transition
            .unwrap_or_else(|| panic!("{}: no transition from {:?}", c.name, d.from));
        assert_eq!((t.to, t.action), (c.to, c.action), "{}", c.name);
        assert_eq!(d.phase, c.to, "{}", c.name);
        assert_eq!(d.requeue, Action::requeue(Duration::ZERO), "{}", c.name);
        let row = TRANSITIONS
            .iter()
            .position(|r| std::ptr::eq(r, t))
            .expect("a row of the table");
        fired.insert(row);
    }
    let missed: Vec<_> = (0..TRANSITIONS.len())
        .filter(|i| !fired.contains(i))
        .map(|i| (TRANSITIONS[i].to, TRANSITIONS[i].guard.name))
        .collect();
    assert!(missed.is_empty(), "rows no case fires: {missed:?}");
}

#[test]
fn an_invalid_spec_goes_to_error_through_the_table_and_says_why() {
    let mut facts = healthy();
    facts.valid = Err(ValidationError::Cluster(
        "no cluster \"nowhere\" (have: main)".into(),
    ));
    let d = decision(&stored(P::Running), &facts);
    assert_eq!(d.phase, P::Error);
    assert_eq!(d.transition.map(|t| t.guard.name), Some("spec invalid"));
    assert_eq!(d.message, "no cluster \"nowhere\" (have: main)");
    // Nothing is kept in place: the last good state keeps serving.
    assert!(!d.plan.database && !d.plan.children && d.workloads.is_none());
    let note = super::super::status::transition_note(&d).expect("a transition event");
    assert!(note.warning);
    assert_eq!(note.reason, "PgClusters");
    assert!(note.message.contains("Running → Error") && note.message.contains("nowhere"));

    // Staying in Error waits for a change, with the current reason.
    let mut in_error = stored(P::Error);
    in_error.spec.image = None;
    facts.valid = Err(ValidationError::MissingDefault { field: "image" });
    let d = decision(&in_error, &facts);
    assert!(d.transition.is_none());
    assert_eq!(d.requeue, Action::await_change());
    assert!(d.message.contains("spec.image"), "{}", d.message);
}

#[test]
fn missing_defaults_are_written_before_anything_is_decided() {
    let mut instance = stored(P::Provisioning);
    instance.spec.database.name = None;
    instance.spec.database.role = None;
    instance.metadata.finalizers = None;
    let config = OperatorConfig::default();
    let names =
        |instance: &odoo_model::OdooInstance| match decide(instance, &healthy(), &config, now()) {
            Step::WriteDefaults { fields, patch } => {
                assert_eq!(fields, ["database.name", "database.role"]);
                (
                    patch["spec"]["database"]["name"].clone(),
                    patch["spec"]["database"]["role"].clone(),
                )
            }
            Step::Reconcile(d) => panic!("decided on a spec without defaults: {d:?}"),
        };
    // A new instance: names that no other instance's can meet.
    let (name, role) = names(&instance);
    let database = odoo_model::names::default_database("team-a", "shop");
    assert_eq!(name, database.as_str());
    assert_eq!(role, format!("odoo_{database}").as_str());
    // One reconciled before roles were recorded keeps the role it was given.
    instance.metadata.finalizers = Some(vec![odoo_model::labels::INSTANCE_FINALIZER.into()]);
    let (_, role) = names(&instance);
    assert_eq!(role, "odoo_team_a_shop");
    // A contract that cannot be read is no defaults to write: Error, saying why.
    let mut facts = healthy();
    facts.clusters = Err("the pg-clusters Secret does not exist".into());
    let d = decision(&instance, &facts);
    assert_eq!(d.phase, P::Error);
    assert!(d.message.contains("does not exist"), "{}", d.message);
}

#[test]
fn the_deployments_run_what_the_phase_allows() {
    // An upgrade keeps the running image and stops cron; maintenance stops web.
    let mut instance = stored(P::Upgrading);
    instance.spec.image = Some(NEW_IMAGE.into());
    let mut facts = healthy();
    let mut v = sample();
    v.images.spec = NEW_IMAGE.into();
    facts.valid = Ok(v);
    let mut u = upgrade(JobPhase::Running);
    u.maintenance = true;
    facts.upgrade = Some(u);
    facts.upgrade_targets = vec![NEW_IMAGE.into()];
    let d = decision(&instance, &facts);
    assert!(d.transition.is_none());
    let w = d.workloads.expect("workloads");
    assert_eq!(
        (w.web_replicas, w.cron_replicas, w.image.as_str()),
        (0, 0, "odoo:18.0-20250101")
    );

    // Its success adopts the target and rolls to it.
    facts.upgrade = Some(upgrade(JobPhase::Succeeded));
    let d = decision(&instance, &facts);
    assert_eq!(d.approved.as_deref(), Some(NEW_IMAGE));
    assert_eq!(d.workloads.map(|w| w.image), Some(NEW_IMAGE.into()));
}

#[test]
fn a_rollback_reverts_the_image_and_records_it() {
    let c = cases()
        .into_iter()
        .find(|c| c.action == Some(A::RollbackImage))
        .expect("the rollback case");
    let d = decision(&c.instance, &c.facts);
    assert_eq!(d.approved.as_deref(), Some("odoo:18.0-20250101"));
    let rollback = d.rollback.expect("a rollback");
    assert_eq!(rollback.job, "shop-upgrade");
    assert!(rollback.message.contains("reverted to odoo:18.0-20250101"));
    assert!(status::is_true(&d.conditions, types::ROLLED_BACK));
}

#[test]
fn an_upgrade_on_probation_is_looked_at_when_its_window_closes() {
    let mut instance = stored(P::Running);
    instance.spec.image = Some(NEW_IMAGE.into());
    instance.spec.auto_upgrade.rollback = true;
    instance.spec.auto_upgrade.rollback_window_seconds = 600;
    status(&mut instance).image = Some(NEW_IMAGE.into());
    let mut facts = healthy();
    let mut v = sample();
    v.images.spec = NEW_IMAGE.into();
    facts.valid = Ok(v);
    let mut u = upgrade(JobPhase::Succeeded);
    u.completed = Some(now() - SignedDuration::from_secs(100));
    facts.upgrade = Some(u);
    facts.upgrade_targets = vec![NEW_IMAGE.into()];
    facts.web = Some(web(2));
    // Rolled out: done, the usual resync.
    assert_eq!(
        decision(&instance, &facts).requeue,
        Action::requeue(Duration::from_secs(300))
    );
    // Not rolled out yet: look again when the window closes (500 s left, capped).
    facts.web = Some(web(1));
    let d = decision(&instance, &facts);
    assert_eq!(d.phase, P::Degraded);
    let mut running = instance.clone();
    status(&mut running).phase = Some(P::Degraded);
    let d = decision(&running, &facts);
    assert!(d.transition.is_none());
    assert_eq!(d.requeue, Action::requeue(Duration::from_secs(301)));
}

/// A new instance as first seen: no status yet, no Deployments.
fn new_instance() -> (OdooInstance, Facts) {
    let mut instance = sample_instance();
    instance.metadata.generation = Some(1);
    instance.status = None;
    let mut facts = healthy();
    facts.web = None;
    (instance, facts)
}

fn after(
    instance: &OdooInstance,
    facts: &Facts,
    provisioned: Option<Provisioned>,
) -> Option<Decision> {
    let first = decision(instance, facts);
    assert!(first.transition.is_none(), "{:?}", first.transition);
    after_provisioning(
        instance,
        facts,
        &first,
        provisioned,
        &OperatorConfig::default(),
        now(),
    )
}

#[test]
fn the_database_provisioned_in_a_pass_starts_its_initialization_in_that_pass() {
    let (instance, facts) = new_instance();
    let empty = Some(Provisioned { initialized: false });
    let next = after(&instance, &facts, empty).expect("a transition in the same pass");
    assert_eq!((next.from, next.phase), (P::Provisioning, P::Initializing));
    assert_eq!(next.action(), Some(A::CreateInitJob));
    // The conditions the provisioning set are kept for the status write.
    assert!(status::is_true(&next.conditions, types::DATABASE_READY));
    assert!(status::is_false(&next.conditions, types::INITIALIZED));

    // A database that already has a schema starts at once, and its Deployments with it.
    let found = Some(Provisioned { initialized: true });
    let next = after(&instance, &facts, found).expect("a transition in the same pass");
    assert_eq!(next.phase, P::Starting);
    assert!(next.workloads.is_some());
}

#[test]
fn nothing_is_chained_without_a_provisioning_or_a_transition_after_it() {
    let (mut instance, facts) = new_instance();
    // Nothing provisioned (the database is not reachable yet): the pass keeps its
    // decision.
    assert!(after(&instance, &facts, None).is_none());
    // With init disabled the provisioned database leads to Uninitialized, in the
    // same pass too.
    instance.spec.init.enabled = false;
    let next = after(&instance, &facts, Some(Provisioned { initialized: false }));
    assert_eq!(next.map(|d| d.phase), Some(P::Uninitialized));
}

#[test]
fn a_failed_provisioning_is_a_condition_an_event_and_no_transition() {
    use crate::controller::instance::desired::desired;
    let (instance, facts) = new_instance();
    let first = decision(&instance, &facts);
    let failure = DatabaseFailure {
        cluster: "main".into(),
        unreachable: true,
        message: "PostgreSQL cluster main: connection refused (server 10.0.0.9:5432)".into(),
        error: "connection refused".into(),
    };
    let failed = after_database_failure(&instance, &first, &failure, now());
    // The action of a transition that was about to fire did not run: none is taken.
    assert!(failed.transition.is_none());
    assert_eq!(failed.phase, P::Provisioning);
    assert_eq!(failed.message, failure.message);
    let (status, _) = desired(&instance, &facts, &failed, None, &Time(now()));
    let ready = status
        .conditions
        .iter()
        .find(|c| c.type_ == types::DATABASE_READY)
        .expect("DatabaseReady");
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_str()),
        ("False", "Unreachable")
    );
    assert!(ready.message.contains("10.0.0.9:5432"), "{}", ready.message);
    assert_eq!(status.message.as_deref(), Some(failure.message.as_str()));
    let note = failure.note();
    assert!(note.warning);
    assert_eq!(note.reason, "DatabaseUnreachable");
    // A refusal (not a connection failure) says so.
    let refused = DatabaseFailure {
        unreachable: false,
        ..failure
    };
    assert_eq!(refused.reason(), "ProvisioningFailed");
    assert_eq!(refused.note().reason, "DatabaseProvisioningFailed");
}

#[test]
fn a_restore_into_an_uninitialized_instance_marks_it_initialized() {
    use crate::controller::instance::desired::desired;
    let mut instance = stored(P::Restoring);
    let empty = Condition {
        status: "False".into(),
        reason: "Empty".into(),
        ..condition(types::INITIALIZED, false)
    };
    instance.status.as_mut().expect("status").conditions[1] = empty;
    let mut facts = healthy();
    facts.jobs.restore = Some(JobPhase::Running);
    let d = decision(&instance, &facts);
    let (running, _) = desired(&instance, &facts, &d, None, &Time(now()));
    assert!(status::is_false(&running.conditions, types::INITIALIZED));

    facts.jobs.restore = Some(JobPhase::Succeeded);
    let d = decision(&instance, &facts);
    let (done, _) = desired(&instance, &facts, &d, None, &Time(now()));
    let initialized = done
        .conditions
        .iter()
        .find(|c| c.type_ == types::INITIALIZED)
        .expect("the condition");
    assert_eq!(
        (initialized.status.as_str(), initialized.reason.as_str()),
        ("True", "Restored")
    );
    // A failed restore leaves it as it was.
    facts.jobs.restore = Some(JobPhase::Failed);
    let d = decision(&instance, &facts);
    let (failed, _) = desired(&instance, &facts, &d, None, &Time(now()));
    assert!(status::is_false(&failed.conditions, types::INITIALIZED));
}

#[test]
fn a_claim_still_being_deleted_is_said_once_and_cleared() {
    use crate::controller::instance::desired::desired;
    let mut instance = stored(P::Initializing);
    let mut facts = healthy();
    facts.claim_terminating = Some("shop-filestore".into());
    let d = decision(&instance, &facts);
    let (waiting, notes) = desired(&instance, &facts, &d, None, &Time(now()));
    let c = waiting
        .conditions
        .iter()
        .find(|c| c.type_ == types::FILESTORE_READY)
        .expect("the condition");
    assert_eq!(
        (c.status.as_str(), c.reason.as_str()),
        ("False", "ClaimTerminating")
    );
    assert!(c.message.contains("shop-filestore"), "{}", c.message);
    assert!(
        notes
            .iter()
            .any(|n| n.warning && n.reason == "FilestoreTerminating"),
        "{notes:?}"
    );
    // Said once: the next pass, with the condition stored, adds no event.
    instance.status = Some(waiting);
    let d = decision(&instance, &facts);
    let (_, again) = desired(&instance, &facts, &d, None, &Time(now()));
    assert!(!again.iter().any(|n| n.reason == "FilestoreTerminating"));
    // Gone: the condition clears.
    facts.claim_terminating = None;
    let d = decision(&instance, &facts);
    let (cleared, _) = desired(&instance, &facts, &d, None, &Time(now()));
    assert!(status::is_true(&cleared.conditions, types::FILESTORE_READY));
}
