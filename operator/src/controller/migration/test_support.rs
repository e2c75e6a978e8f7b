//! What the step tests start from: a migration of the builders' sample instance
//! from `main` to `other`, and the facts of a pass over it.

use crate::controller::step::Seen;
use k8s_openapi::jiff::Timestamp;
use odoo_model::cluster_migration::{MigrationPhase, OdooClusterMigrationStatus};
use odoo_model::{InstancePhase, OdooClusterMigration, OdooInstance};

use super::facts::{Effect, Facts};
pub use crate::controller::step::ended;
pub use crate::controller::step::message;
use crate::controller::step::{Ending, JobStep};

pub type Step = JobStep<OdooClusterMigrationStatus, Effect>;

/// A migration of `shop` to `other` at `phase`, holding its finalizer.
pub fn migration(phase: MigrationPhase) -> OdooClusterMigration {
    let mut m: OdooClusterMigration = serde_json::from_value(serde_json::json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooClusterMigration",
        "metadata": {
            "name": "move", "namespace": "team-a", "uid": "m-uid", "generation": 1,
            "finalizers": [odoo_model::labels::JOB_CLEANUP_FINALIZER],
        },
        "spec": { "instanceRef": { "name": "shop" }, "targetCluster": "other" },
    }))
    .expect("a migration");
    m.status = Some(OdooClusterMigrationStatus {
        phase: Some(phase),
        source_cluster: Some("main".into()),
        temporary_database: Some("team_a_shop_mig_1".into()),
        ..Default::default()
    });
    m
}

pub fn instance(phase: InstancePhase) -> OdooInstance {
    let mut instance = crate::build::sample_instance();
    instance.metadata.generation = Some(1);
    instance.status = Some(odoo_model::OdooInstanceStatus {
        phase: Some(phase),
        observed_generation: Some(1),
        ..Default::default()
    });
    instance
}

pub fn now() -> Timestamp {
    "2026-12-04T12:00:00Z".parse().expect("a time")
}

/// A pass over `instance` with the pg-clusters contract read.
pub fn facts(instance: OdooInstance) -> Facts {
    let clusters = crate::pg::clusters::parse(
        "main: {host: pg-main, adminUser: postgres, adminPassword: pw}\nother: {host: pg-other, adminUser: postgres, adminPassword: pw}",
    )
    .expect("two clusters");
    let seen = Seen {
        instance: Some(Box::new(instance)),
        now: now(),
        ..Seen::default()
    };
    Facts {
        seen,
        clusters: Some(clusters),
        ..Facts::default()
    }
}

/// A migration at `phase`, and what a pass over it starts from while its
/// instance is `Migrating`.
pub fn migrating(phase: MigrationPhase) -> (OdooClusterMigration, Facts) {
    (migration(phase), facts(instance(InstancePhase::Migrating)))
}

pub fn step(m: &OdooClusterMigration, f: &Facts) -> Step {
    super::decide::step(m, f)
}

/// The events of an ending, as `reason` (`!reason` for a Warning), in order.
pub fn reasons(ending: &Ending<OdooClusterMigrationStatus>) -> Vec<String> {
    let mark = |warning| if warning { "!" } else { "" };
    ending
        .events
        .iter()
        .map(|n| format!("{}{}", mark(n.warning), n.reason))
        .collect()
}

/// The reason and status of a condition.
pub fn condition(ending: &Ending<OdooClusterMigrationStatus>, type_: &str) -> (String, String) {
    let c = ending.status.conditions.iter().find(|c| c.type_ == type_);
    c.map(|c| (c.reason.clone(), c.status.clone()))
        .unwrap_or_default()
}
