//! The ends of a migration: undoing a failed one, and dropping the source database
//! of a finished one when the user asked for it.

use super::pass::{Pass, switch_instance};
use super::steps::{source_cluster, temporary};
use crate::controller::Context;
use crate::pg::{self};
use crate::runtime::error::Error;
use crate::runtime::observe;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};
use odoo_model::{OdooClusterMigration, OdooInstance, names};

/// Undoes what the failed step `at` and those before it did; returns what the user
/// should know. The source database was never written to.
pub(super) async fn undo(
    pass: &Pass<'_>,
    at: P,
    status: &mut OdooClusterMigrationStatus,
) -> Result<String, Error> {
    let target_name = pass.m.spec.target_cluster.clone();
    let source = source_cluster(status);
    let (database, temp) = (pass.database(), temporary(status));
    let target = pass.cluster(&target_name).ok();
    // A pass that crashed between pointing the instance at the target and recording
    // `switched` left the instance on the target with `switched` unset: that is a
    // switch to undo all the same, or the rolled-back instance would start on the
    // target.
    let pointed_at_target = at == P::Switching
        && pass.instance.spec.database.cluster.as_deref() == Some(target_name.as_str());
    if status.switched || pointed_at_target {
        // Back to the source; the copy is kept aside, as the instance may have
        // written to it while starting.
        let mut kept = String::new();
        if let Some(target) = target
            && matches!(pg::database_exists(target, &database).await, Ok(true))
        {
            kept = match crate::pg::restore::rename_database(target, &database, &temp).await {
                Ok(()) => {
                    format!(" The copy on {target_name} is kept as {temp}; drop it when done.")
                }
                Err(e) => format!(" The copy on {target_name} could not be renamed back ({e})."),
            };
        }
        if pass.instance.spec.database.cluster.as_deref() != Some(source.as_str()) {
            switch_instance(pass, &source)
                .await
                .map_err(Error::kube("switching the instance back to the source"))?;
        }
        status.switched = false;
        return Ok(format!("The instance was switched back to {source}.{kept}"));
    }
    if !matches!(at, P::Copying | P::Verifying | P::Switching) {
        return Ok(format!(
            "Nothing was changed; the instance runs on {source}."
        ));
    }
    let Some(target) = target else {
        return Ok(format!(
            "The temporary database {temp} on {target_name} may remain: the cluster is gone from the pg-clusters Secret."
        ));
    };
    let owner = crate::controller::database::instance_owner(pass.instance);
    let mut dropped = crate::pg::restore::drop_database(target, &temp, &owner, false).await;
    // A rename that happened before the spec switch failed: that copy is no one's.
    // Whether it happened, the database of that name says: only the copy this
    // migration made carries the instance's marker. One created on the target
    // meanwhile (another tenant's, a DBA's, the tenant's own) is left alone.
    let mut left_alone = String::new();
    if dropped.is_ok()
        && at == P::Switching
        && pass.instance.spec.database.cluster.as_deref() != Some(target_name.as_str())
    {
        dropped = match crate::pg::restore::drop_database(target, &database, &owner, true).await {
            Err(e @ crate::pg::PgError::NotOurs { .. }) => {
                left_alone = format!(" On {target_name}, {e}.");
                Ok(())
            }
            other => other,
        };
    }
    Ok(match dropped {
        Ok(()) => format!(
            "The temporary database {temp} on {target_name} was dropped; the instance starts again on {source}.{left_alone}"
        ),
        Err(e) => format!(
            "The temporary database {temp} on {target_name} could not be dropped ({e}); drop it by hand. The instance starts again on {source}."
        ),
    })
}

/// With `spec.dropSourceAfter`, drops the source database and the instance's role
/// there (kept if something else still needs it), once.
pub(super) async fn drop_source_if_asked(
    ctx: &Context,
    m: &OdooClusterMigration,
    instance: &OdooInstance,
    mut status: OdooClusterMigrationStatus,
) -> Result<Action, Error> {
    if !m.spec.drop_source_after || status.source_dropped {
        return Ok(Action::await_change());
    }
    let source_name = source_cluster(&status);
    if instance.spec.database.cluster.as_deref() == Some(source_name.as_str()) {
        return Ok(Action::await_change());
    }
    // A later migration may have brought the instance back to this source (or is
    // bringing it there): its database there is live again, not this migration's
    // leftover. Only the newest migration of an instance drops its source.
    let all = crate::runtime::caches::readable_of_instance(
        &ctx.caches.migrations,
        instance,
        |m: &OdooClusterMigration| m.spec.instance_ref.name.as_str(),
    );
    if let Some(newer) = newer_migration(m, &all) {
        let note = format!(
            "dropSourceAfter ignored: migration {newer} came after this one, and the database on {source_name} may be live again; drop it by hand if it is not"
        );
        if status.message.as_deref() != Some(note.as_str()) {
            status.message = Some(note.clone());
            super::pass::write(ctx, m, status, P::Succeeded).await?;
            ctx.event(m, true, Reason::SourceKept, note).await;
        }
        return Ok(Action::await_change());
    }
    let clusters = observe::pg_clusters(ctx).await?;
    let source = clusters
        .get(&source_name)
        .map_err(|e| Error::PgClusters(e.to_string()))?;
    let database = instance.spec.database.name.clone().unwrap_or_default();
    let owner = crate::controller::database::instance_owner(instance);
    let role = owner.role.clone();
    let password = observe::secret_value(
        ctx,
        &instance.namespace().unwrap_or_default(),
        &names::db_secret(&instance.name_any()),
        "password",
    )
    .await?
    .unwrap_or_default();
    let db_error = |e: pg::PgError| Error::Database {
        cluster: source_name.clone(),
        unreachable: matches!(e, pg::PgError::Connect { .. }),
        message: e.to_string(),
    };
    let scope = pg::DropScope::Database;
    let note = match pg::drop_database_and_role(source, &owner, &password, &database, scope).await {
        Ok(pg::Dropped { role: true, .. }) => {
            format!("dropped database {database} and role {role} on {source_name}")
        }
        Ok(pg::Dropped { role: false, .. }) => {
            format!(
                "dropped database {database} on {source_name}; role {role} is still used there and was kept"
            )
        }
        Err(e) => return Err(db_error(e)),
    };
    status.source_dropped = true;
    status.message = Some(note.clone());
    super::pass::write(ctx, m, status, P::Succeeded).await?;
    ctx.event(m, false, Reason::SourceDropped, note.clone())
        .await;
    ctx.event(instance, false, Reason::SourceDropped, note)
        .await;
    Ok(Action::await_change())
}

/// The name of a migration of the same instance created after `m`, if any.
fn newer_migration(m: &OdooClusterMigration, all: &[OdooClusterMigration]) -> Option<String> {
    let created = m.creation_timestamp();
    all.iter()
        .filter(|o| o.name_any() != m.name_any())
        .filter(|o| o.creation_timestamp() > created)
        .map(ResourceExt::name_any)
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(name: &str, created: &str) -> OdooClusterMigration {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooClusterMigration",
            "metadata": { "name": name, "namespace": "n", "creationTimestamp": created },
            "spec": { "instanceRef": { "name": "shop" }, "targetCluster": "b" },
        }))
        .expect("a migration")
    }

    #[test]
    fn only_the_newest_migration_drops_its_source() {
        let first = migration("to-b", "2026-12-01T10:00:00Z");
        let back = migration("back-to-a", "2026-12-02T10:00:00Z");
        let all = [first.clone(), back.clone()];
        assert_eq!(newer_migration(&first, &all).as_deref(), Some("back-to-a"));
        assert_eq!(newer_migration(&back, &all), None);
    }
}
