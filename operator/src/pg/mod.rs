//! PostgreSQL: the pg-clusters Secret contract and, on those clusters, each instance's
//! role and database.

pub mod census;
pub mod clusters;
pub mod compare;
mod connect;
pub mod copy;
pub mod error;
pub mod kept;
pub mod ownership;
pub mod pool;
pub mod provision;
pub mod restore;
pub mod sql;
mod tls;

pub use clusters::{CLUSTERS_KEY, ClustersError, PgCluster, PgClusters, SslMode};
pub use connect::TenantLogin;
pub use error::{PgError, describe, tenant_read};
pub use ownership::Owner;
pub use provision::{
    DropScope, Dropped, Provisioned, connect, database_exists, drop_database_and_role,
    ensure_role_and_database, has_odoo_schema, role_can_login, role_exists, server_major_version,
    server_version,
};
pub use sql::generate_password;
