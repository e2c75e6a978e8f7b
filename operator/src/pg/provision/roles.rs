//! The instance's role as the cluster's admin handles it: proved the instance's
//! before anything is done with it, and usable by an admin that is no superuser.
//!
//! A leaf of provisioning: both the provisioning and the drop path name it, so it
//! names only the modules of `pg` it needs, never its parent. The module is private:
//! what leaves it, leaves through its parent's re-exports.

use tokio_postgres::Client;

use crate::pg::clusters::PgCluster;
use crate::pg::connect::connect_as;
use crate::pg::error::PgError;
use crate::pg::ownership::{self, Marker, Owner};
use crate::pg::sql::quote_ident;

/// An existing role is this instance's when its marker says so, or, unmarked, when
/// `password` logs in as it (into `database` when it exists, else the admin
/// database); it is then marked. Anything else is refused.
pub(crate) async fn claim_role(
    cluster: &PgCluster,
    client: &Client,
    owner: &Owner,
    marker: Marker,
    password: &str,
    database: Option<&str>,
) -> Result<(), PgError> {
    let refuse = |reason: String| PgError::NotOurs {
        what: "role",
        name: owner.role.clone(),
        reason,
    };
    match marker {
        Marker::Ours => Ok(()),
        Marker::Other(uid) => Err(refuse(format!(
            "belongs to instance {uid}, not to this one ({})",
            owner.uid
        ))),
        Marker::None => {
            let database = database.unwrap_or(&cluster.admin_database);
            match connect_as(cluster, &owner.role, password, database).await {
                Ok(_) => ownership::mark_role(client, &owner.role, &owner.uid).await,
                Err(_) => Err(refuse(
                    "exists without this instance's marker, and the instance's password does not log in as it: another instance or a DBA made it"
                        .into(),
                )),
            }
        }
    }
}

/// A non-superuser admin (managed PostgreSQL) may only create a database owned by
/// `role`, or drop it, as a member of `role` that can SET ROLE to it and inherits
/// its rights. PostgreSQL 16 no longer gives the creator of a role those options.
pub(crate) async fn grant_role_to_admin(client: &Client, role: &str) -> Result<(), PgError> {
    let row = client
        .query_one(
            "SELECT r.rolsuper, current_setting('server_version_num')::int >= 160000, \
                    pg_has_role(current_user, $1::name, 'USAGE') \
             FROM pg_roles r WHERE r.rolname = current_user",
            &[&role],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "reading the admin user's attributes",
            source,
        })?;
    let (superuser, pg16, inherits): (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
    if superuser {
        return Ok(());
    }
    let can_set = if pg16 {
        client
            .query_one(
                "SELECT pg_has_role(current_user, $1::name, 'SET')",
                &[&role],
            )
            .await
            .map_err(|source| PgError::QueryCatalog {
                what: "checking the admin user's membership",
                source,
            })?
            .get(0)
    } else {
        inherits
    };
    if inherits && can_set {
        return Ok(());
    }
    let grant = if pg16 {
        format!(
            "GRANT {} TO CURRENT_USER WITH INHERIT TRUE, SET TRUE",
            quote_ident(role)
        )
    } else {
        format!("GRANT {} TO CURRENT_USER", quote_ident(role))
    };
    client
        .batch_execute(&grant)
        .await
        .map_err(|source| PgError::GrantRoleToAdmin {
            role: role.into(),
            source,
        })
}
