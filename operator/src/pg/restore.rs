//! The database half of a restore, done as the cluster's admin: an empty database
//! to load into, the switch of names once the load succeeded (one transaction, so
//! the instance never sees a half-switched pair), its reversal, and the changes a
//! copy or a staging database needs before it serves.

use tokio_postgres::Client;

use super::clusters::PgCluster;
use super::connect::connect;
use super::error::PgError;
use super::ownership::{self, Owner};
use super::provision::{create_database, database_owner, grant_role_to_admin, revoke_public};
use super::sql::{check_identifier, quote_ident};

/// Names of a switch: the live database, the restored one that replaces it, and the
/// name the live one is kept under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch<'a> {
    pub live: &'a str,
    pub restored: &'a str,
    pub kept: &'a str,
}

/// Where a switch stands, read from the catalog, so a repeated call after a crash
/// knows what was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchState {
    /// The restored database still has its temporary name.
    Before,
    /// The restored database has the live name; the previous one is kept.
    After,
}

/// Creates the empty database a restore (or a copy, or a verification) loads into,
/// owned by the instance's role (its pods connect as that role), marked as the
/// instance's, closed to other roles. An existing one is reused only when it is the
/// instance's own (owned by its role, not marked as another's): the agent refuses
/// it unless it is still empty. Another's is refused, untouched.
pub async fn create_restore_database(
    cluster: &PgCluster,
    owner: &Owner,
    database: &str,
) -> Result<(), PgError> {
    check_identifier("database name", database)?;
    let client = connect(cluster, &cluster.admin_database).await?;
    grant_role_to_admin(&client, &owner.role).await?;
    if !ownership::check_database(&client, database, owner, false).await? {
        create_database(&client, &owner.role, database).await?;
    }
    ownership::mark_database(&client, database, &owner.uid).await?;
    revoke_public(&client, database).await
}

/// Drops `database`, disconnecting its sessions; a missing one is fine. Only a
/// database of `owner`'s is dropped (owned by its role; marked as its own, or not
/// marked unless `marked_only`): anything else is refused, untouched.
pub async fn drop_database(
    cluster: &PgCluster,
    database: &str,
    owner: &Owner,
    marked_only: bool,
) -> Result<(), PgError> {
    check_identifier("database name", database)?;
    if database == cluster.admin_database {
        return Err(PgError::ProtectAdmin {
            what: "database",
            name: database.into(),
        });
    }
    let client = connect(cluster, &cluster.admin_database).await?;
    if !ownership::check_database(&client, database, owner, marked_only).await? {
        return Ok(());
    }
    let drop = format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(database)
    );
    client
        .batch_execute(&drop)
        .await
        .map_err(|source| PgError::DropDatabase {
            database: database.into(),
            source,
        })
}

async fn exists(client: &Client, database: &str) -> Result<bool, PgError> {
    Ok(database_owner(client, database).await?.is_some())
}

/// Reads which side of the switch the catalog is on.
async fn state(client: &Client, s: &Switch<'_>) -> Result<SwitchState, PgError> {
    let (live, restored, kept) = (
        exists(client, s.live).await?,
        exists(client, s.restored).await?,
        exists(client, s.kept).await?,
    );
    match (live, restored, kept) {
        (_, true, false) => Ok(SwitchState::Before),
        (true, false, true) => Ok(SwitchState::After),
        _ => Err(PgError::SwitchState(format!(
            "unexpected databases for the switch: {} {}, {} {}, {} {}",
            s.live,
            if live { "exists" } else { "is missing" },
            s.restored,
            if restored { "exists" } else { "is missing" },
            s.kept,
            if kept { "exists" } else { "is missing" },
        ))),
    }
}

/// Renames in one transaction, in order. Sessions on the databases renamed are
/// closed first (the instance is stopped; this catches a straggler or a user's
/// psql), because a database in use cannot be renamed.
async fn rename_all(client: &mut Client, renames: &[(&str, &str)]) -> Result<(), PgError> {
    let names: Vec<&str> = renames.iter().map(|(from, _)| *from).collect();
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = ANY($1) AND pid <> pg_backend_pid()",
            &[&names],
        )
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "closing the sessions of the databases being renamed",
            source,
        })?;
    let tx = client
        .transaction()
        .await
        .map_err(|source| PgError::QueryCatalog {
            what: "starting the rename transaction",
            source,
        })?;
    for (from, to) in renames {
        let sql = format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(from),
            quote_ident(to)
        );
        tx.batch_execute(&sql)
            .await
            .map_err(|source| PgError::RenameDatabase {
                from: (*from).into(),
                to: (*to).into(),
                source,
            })?;
    }
    tx.commit().await.map_err(|source| PgError::QueryCatalog {
        what: "committing the renames",
        source,
    })
}

/// `ALTER DATABASE from RENAME TO to`, after ending sessions on `from` (a job's,
/// had it not quite gone). Fails when `to` exists.
pub async fn rename_database(cluster: &PgCluster, from: &str, to: &str) -> Result<(), PgError> {
    check_identifier("database name", from)?;
    check_identifier("database name", to)?;
    let mut client = connect(cluster, &cluster.admin_database).await?;
    rename_all(&mut client, &[(from, to)]).await
}

fn check(s: &Switch<'_>, cluster: &PgCluster) -> Result<(), PgError> {
    for name in [s.live, s.restored, s.kept] {
        check_identifier("database name", name)?;
        if name == cluster.admin_database {
            return Err(PgError::ProtectAdmin {
                what: "database",
                name: name.into(),
            });
        }
    }
    Ok(())
}

/// Puts the restored database in place: live → kept, restored → live, atomically.
/// Repeating it after it succeeded changes nothing.
pub async fn switch(cluster: &PgCluster, s: &Switch<'_>) -> Result<(), PgError> {
    check(s, cluster)?;
    let mut client = connect(cluster, &cluster.admin_database).await?;
    if state(&client, s).await? == SwitchState::After {
        return Ok(());
    }
    if exists(&client, s.live).await? {
        rename_all(&mut client, &[(s.live, s.kept), (s.restored, s.live)]).await
    } else {
        // Nothing to keep (the live database was dropped by hand): only rename.
        rename_all(&mut client, &[(s.restored, s.live)]).await
    }
}

/// Whether [`switch`] is done: the restored database has the live name.
pub async fn switched(cluster: &PgCluster, s: &Switch<'_>) -> Result<bool, PgError> {
    check(s, cluster)?;
    let client = connect(cluster, &cluster.admin_database).await?;
    Ok(state(&client, s).await? == SwitchState::After)
}

/// Undoes [`switch`]: live → restored, kept → live. Repeating it changes nothing.
pub async fn revert(cluster: &PgCluster, s: &Switch<'_>) -> Result<(), PgError> {
    check(s, cluster)?;
    let mut client = connect(cluster, &cluster.admin_database).await?;
    if state(&client, s).await? == SwitchState::Before {
        return Ok(());
    }
    rename_all(&mut client, &[(s.live, s.restored), (s.kept, s.live)]).await
}

/// What the restored database needs before it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preparation {
    /// A duplicate: new `database.uuid` and `database.secret`, so the copy is not
    /// mistaken for the original (sessions, licences, IAP credits).
    pub new_identity: bool,
    /// A staging copy: no mail out or in, no scheduled actions, no live payments.
    pub neutralize: bool,
}

/// Statements run only where their table exists, so any Odoo version and any set
/// of installed modules is fine.
fn guarded(table: &str, sql: &str) -> String {
    format!("DO $$ BEGIN IF to_regclass('public.{table}') IS NOT NULL THEN {sql}; END IF; END $$;")
}

/// A random value in UUID form, computed by the server (any version Odoo supports).
const RANDOM_UUID: &str = "(SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) \
     || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12) \
     FROM (SELECT md5(random()::text || clock_timestamp()::text) AS h) AS r)";

/// The SQL of a preparation, in order.
pub fn preparation_sql(p: Preparation) -> Vec<String> {
    let mut sql = Vec::new();
    if p.new_identity {
        for key in ["database.uuid", "database.secret"] {
            sql.push(guarded(
                "ir_config_parameter",
                &format!(
                    "UPDATE ir_config_parameter SET value = {RANDOM_UUID} WHERE key = '{key}'"
                ),
            ));
        }
        sql.push(guarded(
            "ir_config_parameter",
            "UPDATE ir_config_parameter SET value = to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') \
             WHERE key = 'database.create_date'",
        ));
    }
    if p.neutralize {
        // Scheduled actions would send mail, sync with other systems or charge
        // customers from the copy; the autovacuum keeps the database healthy.
        sql.push(guarded(
            "ir_cron",
            "UPDATE ir_cron SET active = false WHERE id NOT IN (SELECT res_id FROM ir_model_data \
             WHERE model = 'ir.cron' AND module = 'base' AND name = 'autovacuum_job')",
        ));
        sql.push(guarded(
            "ir_mail_server",
            "UPDATE ir_mail_server SET active = false",
        ));
        // Without an active server Odoo would fall back to odoo.conf's smtp_server:
        // an unreachable one makes sure nothing leaves.
        sql.push(guarded(
            "ir_mail_server",
            "INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_encryption, smtp_authentication, active, sequence) \
             VALUES ('neutralized: outgoing mail disabled', 'invalid', 9999, 'none', 'login', true, 0)",
        ));
        sql.push(guarded(
            "fetchmail_server",
            "UPDATE fetchmail_server SET active = false",
        ));
        sql.push(guarded(
            "payment_provider",
            "UPDATE payment_provider SET state = 'disabled' WHERE state NOT IN ('test', 'disabled')",
        ));
        sql.push(guarded(
            "payment_acquirer",
            "UPDATE payment_acquirer SET state = 'disabled' WHERE state NOT IN ('test', 'disabled')",
        ));
        // Odoo 16+ shows a banner on neutralized databases and skips some calls.
        sql.push(guarded(
            "ir_config_parameter",
            "INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', 'True') \
             ON CONFLICT (key) DO UPDATE SET value = 'True'",
        ));
    }
    sql
}

/// Applies a preparation to the restored database in one transaction. Repeating it
/// is harmless (new random values, the same deactivations).
/// Runs as the tenant's role: the restored database's triggers and functions are the
/// archive's, and run with no more rights than the tenant's.
pub async fn prepare(
    cluster: &PgCluster,
    login: &super::TenantLogin,
    database: &str,
    p: Preparation,
) -> Result<(), PgError> {
    check_identifier("database name", database)?;
    let mut statements = preparation_sql(p);
    if statements.is_empty() {
        return Ok(());
    }
    // Built-ins first, whatever the database's own search_path says; Odoo's tables
    // are found in public.
    statements.insert(0, "SET LOCAL search_path = pg_catalog, public;".to_owned());
    let mut client = super::connect::connect_tenant(cluster, login, database).await?;
    let tx = client
        .transaction()
        .await
        .map_err(|source| PgError::PrepareRestored {
            database: database.into(),
            what: "starting a transaction",
            source,
        })?;
    let what = if p.neutralize {
        "neutralizing"
    } else {
        "giving it a new identity"
    };
    tx.batch_execute(&statements.join("\n"))
        .await
        .map_err(|source| PgError::PrepareRestored {
            database: database.into(),
            what,
            source,
        })?;
    tx.commit()
        .await
        .map_err(|source| PgError::PrepareRestored {
            database: database.into(),
            what,
            source,
        })
}
