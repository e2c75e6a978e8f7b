//! Dropping an instance's databases and role: a purge, or a migration's source.
//!
//! Names its sibling `roles` and the modules of `pg` directly, never its parent,
//! which re-exports what is public here.

use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::roles::{claim_role, grant_role_to_admin};
use crate::pg::clusters::PgCluster;
use crate::pg::connect::connect;
use crate::pg::error::PgError;
use crate::pg::ownership::{self, Owner};
use crate::pg::sql::{check_identifier, quote_ident};

/// Which databases [`drop_database_and_role`] drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropScope {
    /// Every database the role owns (the live one, kept and temporary copies: DROP
    /// ROLE fails while it owns any), then the role: a purge.
    Everything,
    /// The one database, then the role unless it still owns others (it is then kept
    /// and the result says so): a migration's source.
    Database,
}

/// What [`drop_database_and_role`] dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub databases: Vec<String>,
    pub role: bool,
}

/// Drops databases of `owner.role` as `scope` says, disconnecting their sessions
/// (`WITH (FORCE)` needs PostgreSQL 13), then the role. Missing ones are fine; any
/// other failure is returned, so a caller keeps its finalizer until both are gone.
///
/// Only what is provably the instance's is dropped: a role marked as another
/// instance's, or unmarked when `password` does not log in as it, and a `database`
/// owned by another role or marked as another instance's, are refused untouched.
pub async fn drop_database_and_role(
    cluster: &PgCluster,
    owner: &Owner,
    password: &str,
    database: &str,
    scope: DropScope,
) -> Result<Dropped, PgError> {
    let role = owner.role.as_str();
    check_identifier("role name", role)?;
    check_identifier("database name", database)?;
    protect_admin(cluster, role, database)?;
    let client = connect(cluster, &cluster.admin_database).await?;
    let database_exists = ownership::check_database(&client, database, owner, false).await?;
    let Some(marker) = ownership::role(&client, role, &owner.uid).await? else {
        // No role: the database, if any, would be another's (checked above).
        return Ok(Dropped {
            databases: Vec::new(),
            role: false,
        });
    };
    claim_role(
        cluster,
        &client,
        owner,
        marker,
        password,
        database_exists.then_some(database),
    )
    .await?;
    grant_role_to_admin(&client, role).await?;
    let owned = owned_databases(&client, role, database).await?;
    let (dropped, others) = split_by_scope(owned, database, scope);
    drop_databases(&client, &dropped).await?;
    if !others.is_empty() {
        return Ok(Dropped {
            databases: dropped,
            role: false,
        });
    }
    let role = drop_role(&client, role, scope).await?;
    Ok(Dropped {
        databases: dropped,
        role,
    })
}

/// Refuses, before connecting, to drop the admin's own database or role: a tenant
/// naming them must not take the cluster's administration down with its instance.
fn protect_admin(cluster: &PgCluster, role: &str, database: &str) -> Result<(), PgError> {
    if database == cluster.admin_database {
        return Err(PgError::ProtectAdmin {
            what: "database",
            name: database.into(),
        });
    }
    if role == cluster.admin_user {
        return Err(PgError::ProtectAdmin {
            what: "role",
            name: role.into(),
        });
    }
    Ok(())
}

/// The databases `role` owns, `database` first, then by name.
async fn owned_databases(
    client: &Client,
    role: &str,
    database: &str,
) -> Result<Vec<String>, PgError> {
    Ok(client
        .query(
            "SELECT datname::text FROM pg_catalog.pg_database \
             WHERE datdba = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1::text) \
             ORDER BY datname = $2::text DESC, datname",
            &[&role, &database],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "listing the role's databases",
            source,
        })?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// The owned databases `scope` drops, and the others the role keeps, each in the
/// order listed.
fn split_by_scope(
    owned: Vec<String>,
    database: &str,
    scope: DropScope,
) -> (Vec<String>, Vec<String>) {
    owned
        .into_iter()
        .partition(|name| scope == DropScope::Everything || name == database)
}

/// Drops each of `names` in turn, stopping at the first failure.
async fn drop_databases(client: &Client, names: &[String]) -> Result<(), PgError> {
    for name in names {
        let drop_db = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
        client
            .batch_execute(&drop_db)
            .await
            .map_err(|source| PgError::DropDatabase {
                database: name.clone(),
                source,
            })?;
    }
    Ok(())
}

/// Drops `role`; false when a migration's source role is kept because it is still
/// used elsewhere on the cluster.
async fn drop_role(client: &Client, role: &str, scope: DropScope) -> Result<bool, PgError> {
    let drop_role = format!("DROP ROLE IF EXISTS {}", quote_ident(role));
    match client.batch_execute(&drop_role).await {
        Ok(()) => Ok(true),
        // Still used elsewhere on the cluster (objects in other databases, grants):
        // kept, as the caller is told.
        Err(e)
            if scope == DropScope::Database
                && e.code() == Some(&SqlState::DEPENDENT_OBJECTS_STILL_EXIST) =>
        {
            Ok(false)
        }
        Err(source) => Err(PgError::DropRole {
            role: role.into(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> PgCluster {
        PgCluster {
            host: "pg".into(),
            port: 5432,
            admin_user: "admin".into(),
            admin_password: "secret".into(),
            default: true,
            ssl_mode: Default::default(),
            ca_cert: None,
            admin_database: "postgres".into(),
        }
    }

    #[test]
    fn the_admins_database_and_role_are_refused() {
        let c = cluster();
        assert!(matches!(
            protect_admin(&c, "odoo_a", "postgres"),
            Err(PgError::ProtectAdmin {
                what: "database",
                ..
            })
        ));
        assert!(matches!(
            protect_admin(&c, "admin", "odoo_a"),
            Err(PgError::ProtectAdmin { what: "role", .. })
        ));
        assert!(protect_admin(&c, "odoo_a", "odoo_a").is_ok());
    }

    #[test]
    fn the_scope_decides_which_owned_databases_go() {
        let owned = || vec!["live".to_owned(), "kept_1".to_owned(), "tmp".to_owned()];
        let (dropped, others) = split_by_scope(owned(), "live", DropScope::Everything);
        assert_eq!(dropped, owned());
        assert!(others.is_empty());
        let (dropped, others) = split_by_scope(owned(), "live", DropScope::Database);
        assert_eq!(dropped, ["live"]);
        assert_eq!(others, ["kept_1", "tmp"]);
        let (dropped, others) = split_by_scope(owned(), "gone", DropScope::Database);
        assert!(dropped.is_empty());
        assert_eq!(others.len(), 3);
    }
}
