//! An instance's role and database on a cluster: created, rotated and dropped as the
//! cluster's admin, idempotently.

use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::clusters::PgCluster;
pub use super::connect::connect;
use super::connect::connect_as;
pub use super::error::PgError;
use super::ownership::{self, Marker, Owner};
use super::sql::{check_identifier, quote_ident, quote_literal, scram_verifier};

/// What [`ensure_role_and_database`] had to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provisioned {
    pub role_created: bool,
    pub database_created: bool,
}

/// Makes `owner.role` a LOGIN CREATEDB role with `password` and `database` a UTF-8
/// database owned by it, both marked as `owner.uid`'s. Safe to repeat; a repeat with
/// another password rotates it. Only the SCRAM verifier of the password is sent to
/// the server.
///
/// Nothing of another instance's is taken over: a database owned by another role
/// or marked as another instance's, and a role marked as another's, are refused.
/// A role without a marker (made before markers) is taken only when `password`
/// already logs in as it, and is then marked.
pub async fn ensure_role_and_database(
    cluster: &PgCluster,
    owner: &Owner,
    password: &str,
    database: &str,
) -> Result<Provisioned, PgError> {
    let role = owner.role.as_str();
    check_identifier("role name", role)?;
    check_identifier("database name", database)?;
    let verifier = quote_literal("password", &scram_verifier(password)?)?;
    let client = connect(cluster, &cluster.admin_database).await?;

    // Never adopt a database someone else owns (another tenant's, or a DBA's), and
    // find out before creating anything.
    let existing_owner = database_owner(&client, database).await?;
    if let Some(owner) = existing_owner.as_ref().filter(|o| o.as_str() != role) {
        return Err(PgError::CheckDatabaseOwner {
            database: database.into(),
            owner: owner.clone(),
            role: role.into(),
        });
    }
    let role_created = match ownership::role(&client, role, &owner.uid).await? {
        Some(marker) => {
            claim_role(
                cluster,
                &client,
                owner,
                marker,
                password,
                existing_owner.is_some().then_some(database),
            )
            .await?;
            false
        }
        None => {
            let create = format!(
                "CREATE ROLE {} WITH LOGIN CREATEDB PASSWORD {verifier}",
                quote_ident(role)
            );
            match client.batch_execute(&create).await {
                Ok(()) => {
                    ownership::mark_role(&client, role, &owner.uid).await?;
                    true
                }
                // Created concurrently since we looked: whoever did must prove it is
                // this instance's before anything changes.
                Err(e) if concurrently_created(&e, &SqlState::DUPLICATE_OBJECT) => {
                    let marker = ownership::role(&client, role, &owner.uid)
                        .await?
                        .unwrap_or(Marker::None);
                    claim_role(cluster, &client, owner, marker, password, None).await?;
                    false
                }
                Err(source) => {
                    return Err(PgError::CreateRole {
                        role: role.into(),
                        source,
                    });
                }
            }
        }
    };
    if !role_created {
        let alter = format!(
            "ALTER ROLE {} WITH LOGIN CREATEDB PASSWORD {verifier}",
            quote_ident(role)
        );
        client
            .batch_execute(&alter)
            .await
            .map_err(|source| PgError::AlterRole {
                role: role.into(),
                source,
            })?;
    }
    grant_role_to_admin(&client, role).await?;

    let database_created = match existing_owner {
        Some(_) => {
            // Owned by the role, which is this instance's: the database is its own
            // unless it says it is another instance's.
            ownership::check_database(&client, database, owner, false).await?;
            false
        }
        None => create_database(&client, role, database).await?,
    };
    ownership::mark_database(&client, database, &owner.uid).await?;
    // Other tenants' roles of a shared cluster must not connect to this database;
    // its owner keeps every right. Repeated because a crash may have come between.
    revoke_public(&client, database).await?;
    Ok(Provisioned {
        role_created,
        database_created,
    })
}

/// An existing role is this instance's when its marker says so, or, unmarked, when
/// `password` logs in as it (into `database` when it exists, else the admin
/// database); it is then marked. Anything else is refused.
async fn claim_role(
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

/// Closes `database` to other roles (PUBLIC may connect by default); its owner
/// keeps every right.
pub(super) async fn revoke_public(client: &Client, database: &str) -> Result<(), PgError> {
    let revoke = format!(
        "REVOKE ALL ON DATABASE {} FROM PUBLIC",
        quote_ident(database)
    );
    client
        .batch_execute(&revoke)
        .await
        .map_err(|source| PgError::RevokePublic {
            database: database.into(),
            source,
        })
}

/// `CREATE DATABASE` as Odoo's own database manager does it (UTF-8, collation C,
/// from template0). Cannot run in a transaction, so the existence check is separate;
/// a concurrent creation is recognised by its error code.
pub(super) async fn create_database(
    client: &Client,
    role: &str,
    database: &str,
) -> Result<bool, PgError> {
    let create = format!(
        "CREATE DATABASE {} WITH OWNER {} ENCODING 'UTF8' LC_COLLATE 'C' TEMPLATE template0",
        quote_ident(database),
        quote_ident(role)
    );
    match client.batch_execute(&create).await {
        Ok(()) => Ok(true),
        Err(e) if concurrently_created(&e, &SqlState::DUPLICATE_DATABASE) => {
            match database_owner(client, database).await? {
                Some(owner) if owner == role => Ok(false),
                owner => Err(PgError::CheckDatabaseOwner {
                    database: database.into(),
                    owner: owner.unwrap_or_default(),
                    role: role.into(),
                }),
            }
        }
        Err(source) => Err(PgError::CreateDatabase {
            database: database.into(),
            source,
        }),
    }
}

/// A concurrent creation of the same object fails either with its "already exists"
/// code or, when both passed the check, on the catalog's unique index.
fn concurrently_created(e: &tokio_postgres::Error, already_exists: &SqlState) -> bool {
    e.code() == Some(already_exists) || e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// A non-superuser admin (managed PostgreSQL) may only create a database owned by
/// `role`, or drop it, as a member of `role` that can SET ROLE to it and inherits
/// its rights. PostgreSQL 16 no longer gives the creator of a role those options.
pub(super) async fn grant_role_to_admin(client: &Client, role: &str) -> Result<(), PgError> {
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
    let owned: Vec<String> = client
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
        .collect();
    let (dropped, others): (Vec<String>, Vec<String>) = owned
        .into_iter()
        .partition(|name| scope == DropScope::Everything || name == database);
    for name in &dropped {
        let drop_db = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
        client
            .batch_execute(&drop_db)
            .await
            .map_err(|source| PgError::DropDatabase {
                database: name.clone(),
                source,
            })?;
    }
    if !others.is_empty() {
        return Ok(Dropped {
            databases: dropped,
            role: false,
        });
    }
    let drop_role = format!("DROP ROLE IF EXISTS {}", quote_ident(role));
    match client.batch_execute(&drop_role).await {
        Ok(()) => {}
        // Still used elsewhere on the cluster (objects in other databases, grants):
        // kept, as the caller is told.
        Err(e)
            if scope == DropScope::Database
                && e.code() == Some(&SqlState::DEPENDENT_OBJECTS_STILL_EXIST) =>
        {
            return Ok(Dropped {
                databases: dropped,
                role: false,
            });
        }
        Err(source) => {
            return Err(PgError::DropRole {
                role: role.into(),
                source,
            });
        }
    }
    Ok(Dropped {
        databases: dropped,
        role: true,
    })
}

/// The server's version string, e.g. `15.14 (Debian 15.14-0+deb12u1)`.
pub async fn server_version(cluster: &PgCluster) -> Result<String, PgError> {
    let client = connect(cluster, &cluster.admin_database).await?;
    let row = client
        .query_one("SELECT current_setting('server_version')", &[])
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "reading the server version",
            source,
        })?;
    Ok(row.get(0))
}

/// The server's major version (15 for 15.14), e.g. to pick a `pg_dump` at least as new.
pub async fn server_major_version(cluster: &PgCluster) -> Result<u32, PgError> {
    let client = connect(cluster, &cluster.admin_database).await?;
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int / 10000",
            &[],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "reading the server version",
            source,
        })?;
    let major: i32 = row.get(0);
    Ok(major.unsigned_abs())
}

/// Whether `database` exists on the cluster.
pub async fn database_exists(cluster: &PgCluster, database: &str) -> Result<bool, PgError> {
    let client = connect(cluster, &cluster.admin_database).await?;
    Ok(database_owner(&client, database).await?.is_some())
}

/// Whether `role` exists on the cluster.
pub async fn role_exists(cluster: &PgCluster, role: &str) -> Result<bool, PgError> {
    let client = connect(cluster, &cluster.admin_database).await?;
    role_exists_on(&client, role).await
}

/// Whether `database` already holds an Odoo schema (its module table), as after a
/// restore or a migration: such a database must not be initialised again. Read as
/// the tenant's role: the database is the tenant's.
pub async fn has_odoo_schema(
    cluster: &PgCluster,
    login: &super::connect::TenantLogin,
    database: &str,
) -> Result<bool, PgError> {
    check_identifier("database name", database)?;
    let client = super::connect::connect_tenant(cluster, login, database).await?;
    super::compare::has_module_table(&client, database).await
}

/// Proves that `role` can log in to `database` with `password`, the way Odoo will.
pub async fn role_can_login(
    cluster: &PgCluster,
    role: &str,
    password: &str,
    database: &str,
) -> Result<(), PgError> {
    let client = connect_as(cluster, role, password, database).await?;
    client
        .batch_execute("SELECT 1")
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "running a query as the instance's role",
            source,
        })
}

async fn role_exists_on(client: &Client, role: &str) -> Result<bool, PgError> {
    let row = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1::text", &[&role])
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "looking up the role",
            source,
        })?;
    Ok(row.is_some())
}

pub(super) async fn database_owner(
    client: &Client,
    database: &str,
) -> Result<Option<String>, PgError> {
    let row = client
        .query_opt(
            "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1::text",
            &[&database],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "looking up the database",
            source,
        })?;
    Ok(row.map(|r| r.get(0)))
}
