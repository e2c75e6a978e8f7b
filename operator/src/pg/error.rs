//! Errors of talking to a cluster.

use super::clusters::SslMode;
use super::sql::SqlTextError;

/// What went wrong talking to a cluster. Messages never contain passwords.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("configuring TLS (sslMode {ssl_mode}) for {host}: {reason}")]
    ConfigureTls {
        host: String,
        ssl_mode: SslMode,
        reason: String,
    },
    #[error("connecting to {host}:{port} as {user:?}, database {database:?}: {}", describe(.source))]
    Connect {
        host: String,
        port: u16,
        user: String,
        database: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    CheckSqlText(#[from] SqlTextError),
    #[error("{what}: {}", describe(.source))]
    QueryCatalog {
        what: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("creating role {role:?}: {}", describe(.source))]
    CreateRole {
        role: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("setting LOGIN, CREATEDB and the password of role {role:?}: {}", describe(.source))]
    AlterRole {
        role: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("granting role {role:?} to the admin user (needed to own and drop its database): {}", describe(.source))]
    GrantRoleToAdmin {
        role: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("creating database {database:?}: {}", describe(.source))]
    CreateDatabase {
        database: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("revoking PUBLIC's access to database {database:?}: {}", describe(.source))]
    RevokePublic {
        database: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{what} {name:?} {reason}; the operator leaves it untouched")]
    NotOurs {
        what: &'static str,
        name: String,
        reason: String,
    },
    #[error(
        "{relation} in database {database:?} is {kind}, not a table: the operator reads only plain tables of a tenant database"
    )]
    NotATable {
        database: String,
        relation: String,
        kind: &'static str,
    },
    #[error(
        "database {database:?} already exists and is owned by {owner:?}, not {role:?}; \
         refusing to take over another owner's database"
    )]
    CheckDatabaseOwner {
        database: String,
        owner: String,
        role: String,
    },
    #[error("dropping database {database:?}: {}", describe(.source))]
    DropDatabase {
        database: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("renaming database {from:?} to {to:?}: {}", describe(.source))]
    RenameDatabase {
        from: String,
        to: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("copying database {from:?} into {to:?}: {}", describe(.source))]
    CopyDatabase {
        from: String,
        to: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("dropping role {role:?}: {}", describe(.source))]
    DropRole {
        role: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("preparing the restored database {database:?} ({what}): {}", describe(.source))]
    PrepareRestored {
        database: String,
        what: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{0}")]
    SwitchState(String),
    #[error("refusing to drop the admin's own {what} {name:?}")]
    ProtectAdmin { what: &'static str, name: String },
    #[error("{what}: the server answered {value:?}")]
    Unexpected { what: &'static str, value: String },
}

/// One line for an event or a condition: the server's message, detail and hint for
/// a server error (tokio-postgres shows only "db error"), else the cause chain.
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} [{}]", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({})", detail.replace('\n', "; ")));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// A read of a tenant database: `Err` only for what a retry may fix (the server
/// cannot be reached); what the database itself refuses (a view where a table
/// belongs, a row-security policy, a table the role may not read) is `Ok(Err(why))`,
/// a reason to fail the step, not to retry it.
pub fn tenant_read<T>(read: Result<T, PgError>) -> Result<Result<T, String>, PgError> {
    match read {
        Ok(value) => Ok(Ok(value)),
        Err(e @ (PgError::Connect { .. } | PgError::ConfigureTls { .. })) => Err(e),
        Err(e) => Ok(Err(format!(
            "the database cannot be read as the instance's role: {e}"
        ))),
    }
}
