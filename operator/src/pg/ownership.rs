//! Ownership markers: every role and database the operator creates carries the
//! owning instance's UID as its comment (`odoo-operator.dev/instance=<uid>`), and
//! the operator adopts, renames, drops or changes the password of one only when the
//! marker names the instance it acts for.
//!
//! Why a comment: `COMMENT ON ROLE` needs CREATEROLE (or the role's ADMIN option),
//! which tenants never have, so a role's marker cannot be forged. A database's
//! comment can be changed by its owner, the tenant; so a database is also checked
//! for its owner, and its marker only ever narrows what the operator does (another
//! instance's marker refuses, a missing one is the owner's own database).
//!
//! Roles and databases made before markers existed carry none: such a role is
//! taken for the instance's only when the instance's own password (its `<name>-db`
//! Secret) logs in as it, which another tenant cannot arrange; it is then marked.

use tokio_postgres::Client;

use super::error::PgError;
use super::sql::{quote_ident, quote_literal};

pub(super) const MARKER_PREFIX: &str = "odoo-operator.dev/instance=";

/// Whom a role and its databases belong to: the instance's role and UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub role: String,
    pub uid: String,
}

/// What an object's comment says about its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// No marker: made before markers, or by the tenant itself.
    None,
    /// This instance's.
    Ours,
    /// Another instance's, by UID.
    Other(String),
}

impl Marker {
    fn read(comment: Option<&str>, uid: &str) -> Marker {
        match comment.and_then(|c| c.strip_prefix(MARKER_PREFIX)) {
            None => Marker::None,
            Some(other) if other != uid => Marker::Other(other.to_owned()),
            Some(_) => Marker::Ours,
        }
    }
}

fn catalog(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> PgError {
    move |source| PgError::QueryCatalog { what, source }
}

/// A database's owner and marker, or `None` when there is no such database.
pub(super) async fn database(
    client: &Client,
    database: &str,
    uid: &str,
) -> Result<Option<(String, Marker)>, PgError> {
    let row = client
        .query_opt(
            "SELECT pg_catalog.pg_get_userbyid(datdba)::text, \
                    pg_catalog.shobj_description(oid, 'pg_database') \
             FROM pg_catalog.pg_database WHERE datname = $1::text",
            &[&database],
        )
        .await
        .map_err(catalog("reading the database's owner and marker"))?;
    Ok(row.map(|r| {
        let comment: Option<String> = r.get(1);
        (r.get(0), Marker::read(comment.as_deref(), uid))
    }))
}

/// A role's marker, or `None` when there is no such role.
pub(super) async fn role(
    client: &Client,
    role: &str,
    uid: &str,
) -> Result<Option<Marker>, PgError> {
    let row = client
        .query_opt(
            "SELECT pg_catalog.shobj_description(oid, 'pg_authid') \
             FROM pg_catalog.pg_roles WHERE rolname = $1::text",
            &[&role],
        )
        .await
        .map_err(catalog("reading the role's marker"))?;
    Ok(row.map(|r| {
        let comment: Option<String> = r.get(0);
        Marker::read(comment.as_deref(), uid)
    }))
}

pub(super) async fn mark_database(
    client: &Client,
    database: &str,
    uid: &str,
) -> Result<(), PgError> {
    let sql = format!(
        "COMMENT ON DATABASE {} IS {}",
        quote_ident(database),
        quote_literal("marker", &format!("{MARKER_PREFIX}{uid}"))?
    );
    client
        .batch_execute(&sql)
        .await
        .map_err(catalog("marking the database as the instance's"))
}

pub(super) async fn mark_role(client: &Client, role: &str, uid: &str) -> Result<(), PgError> {
    let sql = format!(
        "COMMENT ON ROLE {} IS {}",
        quote_ident(role),
        quote_literal("marker", &format!("{MARKER_PREFIX}{uid}"))?
    );
    client
        .batch_execute(&sql)
        .await
        .map_err(catalog("marking the role as the instance's"))
}

/// Whether `database` exists and may be dropped, renamed or reused for `owner`:
/// owned by its role, and marked as its own or (with `marked_only` false)
/// unmarked. Anything else is an error that names why, and nothing is touched.
pub(super) async fn check_database(
    client: &Client,
    database: &str,
    owner: &Owner,
    marked_only: bool,
) -> Result<bool, PgError> {
    let Some((db_owner, marker)) = self::database(client, database, &owner.uid).await? else {
        return Ok(false);
    };
    let refuse = |reason: String| PgError::NotOurs {
        what: "database",
        name: database.into(),
        reason,
    };
    if db_owner != owner.role {
        return Err(refuse(format!(
            "is owned by {db_owner:?}, not by the instance's role {:?}",
            owner.role
        )));
    }
    match marker {
        Marker::Ours => Ok(true),
        Marker::Other(uid) => Err(refuse(format!(
            "is marked as instance {uid}'s, not this instance's ({})",
            owner.uid
        ))),
        Marker::None if marked_only => Err(refuse(
            "carries no marker of this instance: the operator did not make it".into(),
        )),
        Marker::None => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_by_prefix_and_uid() {
        assert_eq!(Marker::read(None, "u1"), Marker::None);
        assert_eq!(Marker::read(Some("a tenant's note"), "u1"), Marker::None);
        assert_eq!(
            Marker::read(Some("odoo-operator.dev/instance=u1"), "u1"),
            Marker::Ours
        );
        assert_eq!(
            Marker::read(Some("odoo-operator.dev/instance=u2"), "u1"),
            Marker::Other("u2".into())
        );
    }
}
