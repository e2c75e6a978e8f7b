//! The database half of an upgrade on a copy: `CREATE DATABASE … TEMPLATE`, which
//! copies the files of the database inside the cluster, as fast as the disk. It
//! needs the live database without sessions, which the stopped instance gives; when
//! one stays open anyway (a user's psql reconnecting), the caller streams the copy
//! instead.

use tokio_postgres::error::SqlState;

use super::clusters::PgCluster;
use super::connect::connect;
use super::error::PgError;
use super::ownership::{self, Owner};
use super::provision::{grant_role_to_admin, revoke_public};
use super::sql::{check_identifier, quote_ident};

/// How a template copy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateCopy {
    Copied,
    /// A session on the live database kept PostgreSQL from copying it.
    InUse,
}

/// Copies `live` into a new `copy` owned by `owner`'s role and marked as its own,
/// closed to other roles. A `copy` left by an earlier attempt is dropped first when
/// it is the instance's (a copy made again is known to be whole); one of another's
/// is refused, untouched.
pub async fn from_template(
    cluster: &PgCluster,
    live: &str,
    copy: &str,
    owner: &Owner,
) -> Result<TemplateCopy, PgError> {
    let role = owner.role.as_str();
    for name in [live, copy] {
        check_identifier("database name", name)?;
        if name == cluster.admin_database {
            return Err(PgError::ProtectAdmin {
                what: "database",
                name: name.into(),
            });
        }
    }
    let client = connect(cluster, &cluster.admin_database).await?;
    grant_role_to_admin(&client, role).await?;
    ownership::check_database(&client, copy, owner, false).await?;
    client
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(copy)
        ))
        .await
        .map_err(|source| PgError::DropDatabase {
            database: copy.into(),
            source,
        })?;
    // The instance is stopped; this ends a straggler's session.
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&live],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "closing the sessions of the database copied",
            source,
        })?;
    let create = format!(
        "CREATE DATABASE {} WITH TEMPLATE {} OWNER {}",
        quote_ident(copy),
        quote_ident(live),
        quote_ident(role)
    );
    match client.batch_execute(&create).await {
        Ok(()) => {}
        Err(e) if e.code() == Some(&SqlState::OBJECT_IN_USE) => return Ok(TemplateCopy::InUse),
        Err(source) => {
            return Err(PgError::CopyDatabase {
                from: live.into(),
                to: copy.into(),
                source,
            });
        }
    }
    ownership::mark_database(&client, copy, &owner.uid).await?;
    revoke_public(&client, copy).await?;
    Ok(TemplateCopy::Copied)
}
