//! Connections to a cluster, honouring its `sslMode` like libpq.

use std::time::Duration;

use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::clusters::{PgCluster, SslMode};
use super::error::PgError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to `database` as the cluster's admin.
pub async fn connect(cluster: &PgCluster, database: &str) -> Result<Client, PgError> {
    connect_as(
        cluster,
        &cluster.admin_user,
        &cluster.admin_password,
        database,
    )
    .await
}

/// The login of an instance's own role: what the operator reads and changes the
/// inside of a tenant database as. The database and everything in it (views,
/// functions, triggers, row-security policies, per-database settings) is the
/// tenant's, so anything it runs must run with the tenant's rights, never the admin's.
#[derive(Clone)]
pub struct TenantLogin {
    pub role: String,
    pub password: String,
}

impl std::fmt::Debug for TenantLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantLogin")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Connects to a tenant database as the tenant's role, with `search_path` pinned to
/// `pg_catalog` (startup options win over `ALTER DATABASE/ROLE … SET`, so the tenant
/// cannot shadow `count` or `to_regclass`) and `row_security` off (a policy may not
/// hide rows from a count: the query fails instead).
pub async fn connect_tenant(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
) -> Result<Client, PgError> {
    connect_with(
        cluster,
        &login.role,
        &login.password,
        database,
        Some("-c search_path=pg_catalog -c row_security=off"),
    )
    .await
}

/// Connects as `user`, honouring the cluster's `sslMode`; the connection runs on its
/// own task until the client is dropped.
pub(super) async fn connect_as(
    cluster: &PgCluster,
    user: &str,
    password: &str,
    database: &str,
) -> Result<Client, PgError> {
    connect_with(cluster, user, password, database, None).await
}

async fn connect_with(
    cluster: &PgCluster,
    user: &str,
    password: &str,
    database: &str,
    options: Option<&str>,
) -> Result<Client, PgError> {
    let mut config = Config::new();
    if let Some(options) = options {
        config.options(options);
    }
    config
        .host(&cluster.host)
        .port(cluster.port)
        .user(user)
        .password(password)
        .dbname(database)
        .application_name("odoo-operator")
        .connect_timeout(CONNECT_TIMEOUT);
    let connect_error = |source| PgError::Connect {
        host: cluster.host.clone(),
        port: cluster.port,
        user: user.into(),
        database: database.into(),
        source,
    };
    let tls = super::tls::client_config(cluster).map_err(|reason| PgError::ConfigureTls {
        host: cluster.host.clone(),
        ssl_mode: cluster.ssl_mode,
        reason,
    })?;
    let Some(tls) = tls else {
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        return connect_plain(&config).await.map_err(connect_error);
    };
    let tls = MakeRustlsConnect::new(tls);
    if cluster.ssl_mode == SslMode::Prefer {
        // tokio-postgres falls back by itself when the server declines TLS; like
        // libpq, also retry in plain text when the TLS handshake fails. A server
        // error (wrong password, no such database) is final.
        config.ssl_mode(tokio_postgres::config::SslMode::Prefer);
        match connect_tls(&config, tls).await {
            Ok(client) => return Ok(client),
            Err(e) if e.as_db_error().is_some() => return Err(connect_error(e)),
            Err(_) => {}
        }
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        return connect_plain(&config).await.map_err(connect_error);
    }
    config.ssl_mode(tokio_postgres::config::SslMode::Require);
    connect_tls(&config, tls).await.map_err(connect_error)
}

async fn connect_plain(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended with an error");
        }
    });
    Ok(client)
}

async fn connect_tls(
    config: &Config,
    tls: MakeRustlsConnect,
) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended with an error");
        }
    });
    Ok(client)
}
