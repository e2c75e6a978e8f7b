//! The databases of a cluster owned by roles the operator made: every role whose
//! ownership marker names an instance, with the databases it owns. Roles' markers
//! cannot be forged by tenants (see `ownership`), so a tenant cannot make its own
//! database show up here, nor hide one of the operator's.

use super::clusters::PgCluster;
use super::connect::connect;
use super::error::PgError;
use super::ownership::MARKER_PREFIX;

/// A database, its owning role and the instance UID the role's marker names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub database: String,
    pub role: String,
    pub instance_uid: String,
    pub size_bytes: Option<i64>,
}

pub async fn marked_databases(cluster: &PgCluster) -> Result<Vec<Marked>, PgError> {
    let client = connect(cluster, &cluster.admin_database).await?;
    let rows = client
        .query(
            "SELECT d.datname::text, r.rolname::text, \
                    substr(pg_catalog.shobj_description(r.oid, 'pg_authid'), $2::int), \
                    CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT') \
                              OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') \
                         THEN pg_catalog.pg_database_size(d.oid) END \
             FROM pg_catalog.pg_database d \
             JOIN pg_catalog.pg_roles r ON r.oid = d.datdba \
             WHERE starts_with(pg_catalog.shobj_description(r.oid, 'pg_authid'), $1::text) \
             ORDER BY 1",
            &[&MARKER_PREFIX, &(MARKER_PREFIX.len() as i32 + 1)],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "listing the databases of the operator's roles",
            source,
        })?;
    Ok(rows
        .iter()
        .map(|r| Marked {
            database: r.get(0),
            role: r.get(1),
            instance_uid: r.get(2),
            size_bytes: r.get(3),
        })
        .collect())
}
