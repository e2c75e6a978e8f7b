//! An instance's role and database on a cluster: created, rotated and dropped as the
//! cluster's admin, idempotently.

mod roles;
mod teardown;

use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::clusters::PgCluster;
pub use super::connect::connect;
use super::connect::connect_as;
pub use super::error::PgError;
use super::ownership::{self, Marker, Owner};
use super::sql::{check_identifier, quote_ident, quote_literal, scram_verifier};
use roles::claim_role;
pub(super) use roles::grant_role_to_admin;
pub use teardown::{DropScope, Dropped, drop_database_and_role};

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
    let existing_database = existing_owner.is_some().then_some(database);
    let role_created = ensure_role(
        cluster,
        &client,
        owner,
        password,
        &verifier,
        existing_database,
    )
    .await?;
    if !role_created {
        set_password(&client, role, &verifier).await?;
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

/// Claims the existing role, or creates and marks it; true when created. A role
/// created concurrently since the look is claimed like one found.
async fn ensure_role(
    cluster: &PgCluster,
    client: &Client,
    owner: &Owner,
    password: &str,
    verifier: &str,
    database: Option<&str>,
) -> Result<bool, PgError> {
    let role = owner.role.as_str();
    if let Some(marker) = ownership::role(client, role, &owner.uid).await? {
        claim_role(cluster, client, owner, marker, password, database).await?;
        return Ok(false);
    }
    let create = format!(
        "CREATE ROLE {} WITH LOGIN CREATEDB PASSWORD {verifier}",
        quote_ident(role)
    );
    match client.batch_execute(&create).await {
        Ok(()) => {
            ownership::mark_role(client, role, &owner.uid).await?;
            Ok(true)
        }
        // Created concurrently since we looked: whoever did must prove it is
        // this instance's before anything changes.
        Err(e) if concurrently_created(&e, &SqlState::DUPLICATE_OBJECT) => {
            let marker = ownership::role(client, role, &owner.uid)
                .await?
                .unwrap_or(Marker::None);
            claim_role(cluster, client, owner, marker, password, None).await?;
            Ok(false)
        }
        Err(source) => Err(PgError::CreateRole {
            role: role.into(),
            source,
        }),
    }
}

/// Gives a role that was already there the instance's password (a rotation when it
/// changed) and the attributes Odoo needs.
async fn set_password(client: &Client, role: &str, verifier: &str) -> Result<(), PgError> {
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
        })
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
