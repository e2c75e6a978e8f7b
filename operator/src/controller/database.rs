//! PostgreSQL work of the instance controller: provisioning, and the Delete policy's
//! cleanup. These are the only places it connects to PostgreSQL.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::api_error::is_not_found;
use odoo_model::instance::DeletionPolicy;
use odoo_model::{OdooInstance, names};
use serde_json::json;

use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe;
use crate::validate::ValidInstance;

/// Ensures role and database on `cluster` (resolved by the reconcile that calls this,
/// so the pg-clusters Secret is read once); returns whether the database already holds an Odoo
/// schema (restored or migrated databases skip initialization).
pub async fn provision_database(
    cluster: &crate::pg::clusters::PgCluster,
    valid: &ValidInstance,
    password: &str,
) -> Result<bool, Error> {
    let target = &valid.database;
    let db_err = |e: crate::pg::provision::PgError| Error::Database {
        cluster: target.cluster.clone(),
        unreachable: matches!(
            e,
            crate::pg::provision::PgError::Connect { .. }
                | crate::pg::provision::PgError::ConfigureTls { .. }
        ),
        message: e.to_string(),
    };
    crate::pg::provision::ensure_role_and_database(cluster, &valid.owner(), password, &target.name)
        .await
        .map_err(db_err)?;
    let login = crate::pg::TenantLogin {
        role: target.role.clone(),
        password: password.to_owned(),
    };
    crate::pg::provision::has_odoo_schema(cluster, &login, &target.name)
        .await
        .map_err(db_err)
}

/// The instance's role (as recorded, or as the operator named roles before it
/// recorded them) and UID.
pub fn instance_owner(instance: &OdooInstance) -> crate::pg::Owner {
    let role = instance.spec.database.role.clone().unwrap_or_else(|| {
        names::legacy_database_role(
            &instance.namespace().unwrap_or_default(),
            &instance.name_any(),
        )
    });
    crate::pg::Owner {
        role,
        uid: instance.uid().unwrap_or_default(),
    }
}

/// Deletion. `Retain` keeps database, role and volume (the PVC has no owner
/// reference, so it survives). `Delete` scales to zero, waits for the pods to go,
/// drops database and role, then removes the volume; a failure keeps the finalizer.
pub async fn cleanup(instance: &OdooInstance, ctx: &Context) -> Result<Action, Error> {
    if instance.spec.deletion_policy == DeletionPolicy::Retain {
        ctx.event(
            instance,
            false,
            Reason::Retained,
            "database, role and filestore volume kept (deletionPolicy Retain)".into(),
        )
        .await;
        return Ok(Action::await_change());
    }
    let name = instance.name_any();
    let ns = instance.namespace().unwrap_or_default();
    let pods_left = scale_to_zero(ctx, &ns, &name).await?;
    // Pods connected to the database would block the drop or reconnect after it.
    if pods_left > 0 {
        // An Ok here would let the finalizer go; an error keeps it and retries.
        return Err(Error::WaitingForPods { pods: pods_left });
    }
    if let (Some(cluster_name), Some(db)) = (
        &instance.spec.database.cluster,
        &instance.spec.database.name,
    ) {
        drop_database(instance, ctx, cluster_name, db).await?;
    }
    delete_jobs(ctx, &ns, &name).await?;
    delete_volume(ctx, &ns, &name).await?;
    Ok(Action::await_change())
}

/// Scales the instance's Deployments to zero; returns how many of their pods are
/// still there.
async fn scale_to_zero(ctx: &Context, ns: &str, name: &str) -> Result<i32, Error> {
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), ns);
    let mut pods_left = 0;
    for deployment in [names::web_deployment(name), names::cron_deployment(name)] {
        if let Some(d) = deployments
            .get_opt(&deployment)
            .await
            .map_err(Error::kube(format!("reading Deployment {deployment}")))?
        {
            if d.spec.as_ref().and_then(|s| s.replicas) != Some(0) {
                // Through the scale subresource: an apply of only `replicas` under the
                // operator's field manager would drop every other field it owns.
                let patch = json!({ "spec": { "replicas": 0 } });
                deployments
                    .patch_scale(&deployment, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .map_err(Error::kube(format!(
                        "scaling Deployment {deployment} to zero"
                    )))?;
            }
            pods_left += d.status.and_then(|s| s.replicas).unwrap_or(0);
        }
    }
    Ok(pods_left)
}

/// Drops every database of the instance's role, then the role, and says so in an
/// event; a failure is said too, and keeps the finalizer.
async fn drop_database(
    instance: &OdooInstance,
    ctx: &Context,
    cluster_name: &str,
    db: &str,
) -> Result<(), Error> {
    let name = instance.name_any();
    let ns = instance.namespace().unwrap_or_default();
    let clusters = observe::pg_clusters(ctx).await?;
    let cluster = clusters
        .get(cluster_name)
        .map_err(|e| Error::PgClusters(e.to_string()))?;
    let owner = instance_owner(instance);
    let role = owner.role.clone();
    // The password proves an unmarked role (made before markers) is this
    // instance's; a marked one needs none.
    let password = observe::secret_value(ctx, &ns, &names::db_secret(&name), "password")
        .await?
        .unwrap_or_default();
    let scope = crate::pg::DropScope::Everything;
    let dropped =
        crate::pg::provision::drop_database_and_role(cluster, &owner, &password, db, scope).await;
    match dropped {
        Err(e) => {
            let message = format!(
                "dropping database {db} and role {role} on {cluster_name} failed: {e}; the finalizer stays until it succeeds (or set deletionPolicy: Retain to keep them)"
            );
            ctx.event(instance, true, Reason::DropFailed, message.clone())
                .await;
            Err(Error::Database {
                cluster: cluster_name.to_owned(),
                message,
                unreachable: false,
            })
        }
        Ok(dropped) => {
            let message = dropped_message(&role, cluster_name, db, &dropped.databases);
            ctx.event(instance, false, Reason::DatabaseDropped, message)
                .await;
            Ok(())
        }
    }
}

/// The event of a purge: the databases dropped with the role, or that the live one
/// was gone already.
fn dropped_message(role: &str, cluster_name: &str, db: &str, databases: &[String]) -> String {
    match databases {
        [] => format!("role {role} dropped on {cluster_name}; database {db} was gone"),
        [one] => format!("dropped database {one} and role {role} on {cluster_name}"),
        many => format!(
            "dropped databases {} and role {role} on {cluster_name}",
            many.join(", ")
        ),
    }
}

/// The finished job pods of the instance (restores, backups, upgrades) still
/// mount the volume, which its protection keeps until they are gone: their
/// Jobs go first, their pods with them.
async fn delete_jobs(ctx: &Context, ns: &str, name: &str) -> Result<(), Error> {
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(ctx.client.clone(), ns);
    let selector = format!("{}={name}", odoo_model::labels::INSTANCE_LABEL);
    let listed = jobs
        .list(&kube::api::ListParams::default().labels(&selector))
        .await
        .map_err(Error::kube("listing the instance's Jobs"))?;
    for job in listed.items {
        let job_name = job.name_any();
        match jobs.delete(&job_name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(Error::kube(format!("deleting Job {job_name}"))(e)),
        }
    }
    Ok(())
}

/// Deletes the filestore volume, which has no owner reference to go with the
/// instance.
async fn delete_volume(ctx: &Context, ns: &str, name: &str) -> Result<(), Error> {
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(ctx.client.clone(), ns);
    let pvc = names::filestore_pvc(name);
    match pvcs.delete(&pvc, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(Error::kube(format!("deleting PVC {pvc}"))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purge_names_what_it_dropped() {
        let say = |dbs: &[&str]| {
            let dbs: Vec<String> = dbs.iter().map(|d| (*d).to_owned()).collect();
            dropped_message("r", "main", "live", &dbs)
        };
        assert_eq!(say(&[]), "role r dropped on main; database live was gone");
        assert_eq!(say(&["live"]), "dropped database live and role r on main");
        assert_eq!(
            say(&["live", "live_kept_1"]),
            "dropped databases live, live_kept_1 and role r on main"
        );
    }
}
