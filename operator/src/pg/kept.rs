//! The databases a role owns whose names say a restore or a Copy upgrade kept
//! them: what kept-database expiry reads.

use super::clusters::PgCluster;
use super::connect::connect;
use super::error::PgError;
use super::sql::check_identifier;

/// A database the role owns, with its size (None when the cluster's admin may
/// not read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub name: String,
    pub size_bytes: Option<i64>,
}

/// The databases `role` owns on the cluster whose names hold `_pre_`: the
/// candidates; which are kept databases of the instance is decided from the names.
pub async fn owned_candidates(cluster: &PgCluster, role: &str) -> Result<Vec<Owned>, PgError> {
    check_identifier("role name", role)?;
    let client = connect(cluster, &cluster.admin_database).await?;
    let rows = client
        .query(
            "SELECT d.datname::text, \
                    CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT') \
                              OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') \
                         THEN pg_catalog.pg_database_size(d.oid) END \
             FROM pg_catalog.pg_database d \
             JOIN pg_catalog.pg_roles r ON r.oid = d.datdba \
             WHERE r.rolname = $1::text AND strpos(d.datname, '_pre_') > 0",
            &[&role],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "listing the role's kept databases",
            source,
        })?;
    Ok(rows
        .iter()
        .map(|r| Owned {
            name: r.get(0),
            size_bytes: r.get(1),
        })
        .collect())
}
