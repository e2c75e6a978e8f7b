//! What every step of a cluster migration shares: the pass it reads, what a
//! step decides, the step condition, the status write and the instance's switch.

use std::time::Duration;

use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase, OdooClusterMigrationStatus};
use odoo_model::labels::CLUSTER_MIGRATION_ANNOTATION;
use odoo_model::{OdooClusterMigration, OdooInstance};
use serde_json::json;

use crate::controller::job;
use crate::pg::clusters::{PgCluster, PgClusters};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// Condition types of a migration.
pub mod conditions {
    /// True while a step runs; its reason is the step, its transition time the
    /// step's start (how long Starting has waited).
    pub const STEP: &str = "Progressing";
    /// True once the instance runs on the target; False with the reason on rollback.
    pub const MIGRATED: &str = "Migrated";
}

/// What a step decided.
#[derive(Debug)]
pub(super) enum Next {
    /// The step's work is done: record the next step now.
    Advance(MigrationPhase, String),
    /// Stay, saying what is awaited; look again after the delay.
    Wait(String, Duration),
    /// The step failed (reason, message): roll back.
    Fail(Reason, String),
}

impl Next {
    /// The step failed with `reason` because `cluster` did not answer.
    pub(super) fn unreachable(reason: Reason, cluster: &str, e: impl std::fmt::Display) -> Next {
        Next::Fail(reason, format!("cluster {cluster}: {e}"))
    }
}

/// What every step reads.
pub(super) struct Pass<'a> {
    pub(super) ctx: &'a Context,
    pub(super) m: &'a OdooClusterMigration,
    pub(super) instance: &'a OdooInstance,
    pub(super) clusters: &'a PgClusters,
}

impl<'a> Pass<'a> {
    pub(super) fn new(
        ctx: &'a Context,
        m: &'a OdooClusterMigration,
        instance: &'a OdooInstance,
        clusters: &'a PgClusters,
    ) -> Self {
        Pass {
            ctx,
            m,
            instance,
            clusters,
        }
    }

    pub(super) fn ns(&self) -> String {
        self.instance.namespace().unwrap_or_default()
    }

    /// The instance role's login (its db Secret): what both databases are read as.
    pub(super) async fn tenant_login(
        &self,
        v: &ValidInstance,
    ) -> Result<crate::pg::TenantLogin, String> {
        crate::controller::job::tenant_of(self.ctx, v)
            .await
            .map_err(|e| e.to_string())
    }

    pub(super) fn cluster(&self, name: &str) -> Result<&PgCluster, String> {
        self.clusters.get(name).map_err(|e| e.to_string())
    }

    /// The instance resolved with its database on `cluster` under `database`,
    /// running the image the database is at (with the matching pg_dump).
    pub(super) fn valid(&self, cluster: &str, database: &str) -> Result<ValidInstance, Error> {
        Ok(
            crate::validate::resolve_on(self.instance, self.clusters, cluster, database)?
                .at_database_image(self.instance),
        )
    }

    pub(super) fn database(&self) -> String {
        self.instance.spec.database.name.clone().unwrap_or_default()
    }
}

/// `<database>_mig_<8 hex of the migration's uid>`, within PostgreSQL's 63 bytes.
pub fn temporary_name(database: &str, uid: &str) -> String {
    let mut cut = database.len().min(50);
    while !database.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = crate::build::odoo_conf::hash(uid);
    format!("{}_mig_{}", &database[..cut], &hash[..8])
}

/// When the current step started.
pub(super) fn step_started(
    status: &OdooClusterMigrationStatus,
) -> Option<k8s_openapi::jiff::Timestamp> {
    status
        .conditions
        .iter()
        .find(|c| c.type_ == conditions::STEP)
        .map(|c| c.last_transition_time.0)
}

pub(super) async fn write(
    ctx: &Context,
    m: &OdooClusterMigration,
    mut next: OdooClusterMigrationStatus,
    phase: MigrationPhase,
) -> Result<(), Error> {
    next.phase = Some(phase);
    next.observed_generation = m.meta().generation;
    let current = m.status.clone().unwrap_or_default();
    job::write_status(ctx, m, &current, &next).await
}

/// Points the instance at `cluster` in the one write the admission webhook lets
/// through: by the operator, naming the migration in the same request.
pub(super) async fn switch_instance(pass: &Pass<'_>, cluster: &str) -> Result<(), kube::Error> {
    let api: Api<OdooInstance> = Api::namespaced(pass.ctx.client.clone(), &pass.ns());
    let patch = json!({
        "metadata": { "annotations": { CLUSTER_MIGRATION_ANNOTATION: pass.m.name_any() } },
        "spec": { "database": { "cluster": cluster } },
    });
    api.patch(
        &pass.instance.name_any(),
        &PatchParams::default(),
        &Patch::Merge(patch),
    )
    .await
    .map(|_| ())
}
