//! What the operator reads inside a tenant database: a migration's or a copy's
//! inventory, and Odoo's module states. It reads as the tenant's own role (see
//! [`connect_tenant`]) with every catalog name qualified, and reads Odoo's tables only
//! when they are plain tables: a view or a function there is the tenant's code.

use std::collections::{BTreeMap, BTreeSet};

use super::clusters::PgCluster;
use super::connect::{TenantLogin, connect_tenant};
use super::error::PgError;
use super::sql::{check_identifier, quote_ident};

/// Schemas PostgreSQL itself keeps in every database.
const SYSTEM_SCHEMAS: &str = "('pg_catalog', 'information_schema', 'pg_toast')";

/// The facts of a database a copy must reproduce exactly.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub schemas: BTreeSet<String>,
    /// Installed extensions by name (versions may differ between majors).
    pub extensions: BTreeSet<String>,
    /// `schema.table` → exact row count.
    pub tables: BTreeMap<String, i64>,
    /// `schema.sequence` → last value (None before the first `nextval`).
    pub sequences: BTreeMap<String, Option<i64>>,
}

fn catalog(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> PgError {
    move |source| PgError::QueryCatalog { what, source }
}

/// Reads `database`'s inventory: an exact `count(*)` of every table, so it takes as
/// long as scanning the data once.
pub async fn inventory(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
) -> Result<Inventory, PgError> {
    check_identifier("database name", database)?;
    let client = connect_tenant(cluster, login, database).await?;
    let mut inv = Inventory::default();
    let schemas = client
        .query(
            &format!(
                "SELECT nspname::text FROM pg_catalog.pg_namespace \
                 WHERE nspname NOT IN {SYSTEM_SCHEMAS} AND nspname NOT LIKE 'pg\\_temp\\_%' \
                   AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
            ),
            &[],
        )
        .await
        .map_err(catalog("listing the schemas"))?;
    inv.schemas = schemas.iter().map(|r| r.get(0)).collect();
    let extensions = client
        .query("SELECT extname::text FROM pg_catalog.pg_extension", &[])
        .await
        .map_err(catalog("listing the extensions"))?;
    inv.extensions = extensions.iter().map(|r| r.get(0)).collect();
    let tables = client
        .query(
            &format!(
                "SELECT schemaname::text, tablename::text FROM pg_catalog.pg_tables \
                 WHERE schemaname NOT IN {SYSTEM_SCHEMAS}"
            ),
            &[],
        )
        .await
        .map_err(catalog("listing the tables"))?;
    for row in tables {
        let (schema, table): (String, String) = (row.get(0), row.get(1));
        let count = client
            .query_one(
                &format!(
                    "SELECT pg_catalog.count(*) FROM {}.{}",
                    quote_ident(&schema),
                    quote_ident(&table)
                ),
                &[],
            )
            .await
            .map_err(catalog("counting rows"))?;
        inv.tables.insert(format!("{schema}.{table}"), count.get(0));
    }
    let sequences = client
        .query(
            &format!(
                "SELECT schemaname::text, sequencename::text, last_value FROM pg_catalog.pg_sequences \
                 WHERE schemaname NOT IN {SYSTEM_SCHEMAS}"
            ),
            &[],
        )
        .await
        .map_err(catalog("reading the sequences"))?;
    inv.sequences = sequences
        .iter()
        .map(|r| {
            let (schema, name): (String, String) = (r.get(0), r.get(1));
            (format!("{schema}.{name}"), r.get(2))
        })
        .collect();
    Ok(inv)
}

/// The installed version of Odoo's `base` module in `database`, when it has one:
/// what makes a database an Odoo database, and of which series.
pub async fn base_version(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
) -> Result<Option<String>, PgError> {
    Ok(modules(cluster, login, database, None)
        .await?
        .and_then(|m| m.base))
}

/// What `odoo --update` leaves in `ir_module_module`: the installed `base`
/// version, the modules still marked to be installed, updated or removed (an
/// update that stopped halfway leaves them so; one that finished leaves none), and
/// the modules it should have written that it did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modules {
    pub base: Option<String>,
    /// `name (state)`, sorted.
    pub pending: Vec<String>,
    /// Installed modules among those asked about (see [`Written`]) whose row was
    /// not written since the update started, sorted: Odoo did not update them.
    pub unwritten: Vec<String>,
}

/// Which modules an update must have written, and since when: `since` is the
/// database server's clock when it started ([`clock`]), the clock Odoo's
/// `write_date` keeps. Empty `modules` (or `base`, on which every module
/// depends, or `all`) means every installed module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written<'a> {
    pub since: k8s_openapi::jiff::Timestamp,
    pub modules: &'a [String],
}

impl Written<'_> {
    fn every(&self) -> bool {
        self.modules.is_empty() || self.modules.iter().any(|m| m == "base" || m == "all")
    }
}

/// The database server's clock, in UTC: taken just before an update starts, it is
/// what the modules' `write_date` must pass.
pub async fn clock(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
) -> Result<k8s_openapi::jiff::Timestamp, PgError> {
    check_identifier("database name", database)?;
    let client = connect_tenant(cluster, login, database).await?;
    let text: String = client
        .query_one(
            "SELECT pg_catalog.to_char(pg_catalog.now() AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            &[],
        )
        .await
        .map_err(catalog("reading the server's clock"))?
        .get(0);
    text.parse().map_err(|_| PgError::Unexpected {
        what: "the server's clock",
        value: text,
    })
}

/// The module states of `database`, and which of the modules `written` names were
/// not written since it says; `None` when it has no `ir_module_module`.
pub async fn modules(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
    written: Option<&Written<'_>>,
) -> Result<Option<Modules>, PgError> {
    let Some(client) = with_module_table(cluster, login, database).await? else {
        return Ok(None);
    };
    let base: Option<String> = client
        .query_one(
            "SELECT pg_catalog.max(latest_version::pg_catalog.text) FROM public.ir_module_module \
             WHERE name::pg_catalog.text = 'base' AND state::pg_catalog.text = 'installed'",
            &[],
        )
        .await
        .map_err(catalog("reading the base module"))?
        .get(0);
    let pending = client
        .query(
            "SELECT name::pg_catalog.text || ' (' || state::pg_catalog.text || ')' \
             FROM public.ir_module_module \
             WHERE state::pg_catalog.text IN ('to install', 'to upgrade', 'to remove') \
             ORDER BY 1",
            &[],
        )
        .await
        .map_err(catalog("reading the module states"))?;
    let unwritten = match written {
        None => Vec::new(),
        Some(w) => client
            .query(
                "SELECT name::pg_catalog.text FROM public.ir_module_module \
                 WHERE state::pg_catalog.text = 'installed' \
                   AND ($2 OR name::pg_catalog.text = ANY($3)) \
                   AND (write_date IS NULL OR write_date::pg_catalog.timestamp \
                        < ($1::pg_catalog.text::pg_catalog.timestamptz AT TIME ZONE 'UTC')) \
                 ORDER BY 1",
                &[&w.since.to_string(), &w.every(), &w.modules],
            )
            .await
            .map_err(catalog("reading when the modules were written"))?
            .iter()
            .map(|r| r.get(0))
            .collect(),
    };
    Ok(Some(Modules {
        base,
        pending: pending.iter().map(|r| r.get(0)).collect(),
        unwritten,
    }))
}

/// Which of `names` are not installed in `database` (what an init asked for and
/// Odoo did not install: it only logs a module name it does not know); `None` when
/// it has no `ir_module_module`, as before any init.
pub async fn not_installed(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
    names: &[String],
) -> Result<Option<Vec<String>>, PgError> {
    let Some(client) = with_module_table(cluster, login, database).await? else {
        return Ok(None);
    };
    let installed: BTreeSet<String> = client
        .query(
            "SELECT name::pg_catalog.text FROM public.ir_module_module \
             WHERE state::pg_catalog.text = 'installed' AND name::pg_catalog.text = ANY($1)",
            &[&names],
        )
        .await
        .map_err(catalog("reading the installed modules"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(Some(
        names
            .iter()
            .filter(|n| !installed.contains(*n))
            .cloned()
            .collect(),
    ))
}

/// A connection to `database` as the tenant, when it holds Odoo's module table
/// (see [`has_module_table`]); `None` when it has none.
async fn with_module_table(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
) -> Result<Option<tokio_postgres::Client>, PgError> {
    with_table(cluster, login, database, "ir_module_module").await
}

/// A connection to `database` as the tenant, when `public.<table>` is a plain
/// table there (see [`plain_table`]); `None` when it has none.
async fn with_table(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
    table: &str,
) -> Result<Option<tokio_postgres::Client>, PgError> {
    check_identifier("database name", database)?;
    let client = connect_tenant(cluster, login, database).await?;
    Ok(plain_table(&client, database, table)
        .await?
        .then_some(client))
}

/// Whether `database` holds Odoo's module table `public.ir_module_module`, as a
/// plain table. Anything else of that name (a view, a foreign table) is refused: it
/// would run the tenant's code, or answer what the tenant wants.
pub async fn has_module_table(
    client: &tokio_postgres::Client,
    database: &str,
) -> Result<bool, PgError> {
    plain_table(client, database, "ir_module_module").await
}

/// Whether `public.<table>` exists as a plain table; an error when something
/// else has its name (see [`has_module_table`]).
async fn plain_table(
    client: &tokio_postgres::Client,
    database: &str,
    table: &str,
) -> Result<bool, PgError> {
    let kind: Option<String> = client
        .query_opt(
            "SELECT c.relkind::pg_catalog.text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relname = $1",
            &[&table],
        )
        .await
        .map_err(catalog("looking for one of Odoo's tables"))?
        .map(|r| r.get(0));
    match kind.as_deref() {
        None => Ok(false),
        Some("r" | "p") => Ok(true),
        Some(kind) => Err(PgError::NotATable {
            database: database.into(),
            relation: format!("public.{table}"),
            kind: relkind_name(kind),
        }),
    }
}

/// Whether `database` is marked neutralized: Odoo's `database.is_neutralized`
/// system parameter, which its neutralization sets (and which shows the banner),
/// is true.
pub async fn neutralized(
    cluster: &PgCluster,
    login: &TenantLogin,
    database: &str,
) -> Result<bool, PgError> {
    let Some(client) = with_table(cluster, login, database, "ir_config_parameter").await? else {
        return Ok(false);
    };
    let value: Option<String> = client
        .query_opt(
            "SELECT value::pg_catalog.text FROM public.ir_config_parameter \
             WHERE key::pg_catalog.text = 'database.is_neutralized'",
            &[],
        )
        .await
        .map_err(catalog("reading database.is_neutralized"))?
        .and_then(|r| r.get(0));
    Ok(value.is_some_and(|v| v.eq_ignore_ascii_case("true")))
}

fn relkind_name(kind: &str) -> &'static str {
    match kind {
        "v" => "a view",
        "m" => "a materialized view",
        "f" => "a foreign table",
        "S" => "a sequence",
        "i" | "I" => "an index",
        "c" => "a composite type",
        _ => "not a table",
    }
}

/// The shape of a database, without its contents: schemas, extensions and table
/// names. What a copy of a database that keeps being written must still match.
pub fn shape(inventory: &Inventory) -> Inventory {
    Inventory {
        schemas: inventory.schemas.clone(),
        extensions: inventory.extensions.clone(),
        tables: inventory.tables.keys().map(|t| (t.clone(), 0)).collect(),
        sequences: BTreeMap::new(),
    }
}

/// Every way `copy` differs from `source`, one line each; empty when it is faithful.
pub fn differences(source: &Inventory, copy: &Inventory) -> Vec<String> {
    let mut out = Vec::new();
    let sets = [
        ("schema", &source.schemas, &copy.schemas),
        ("extension", &source.extensions, &copy.extensions),
    ];
    for (what, a, b) in sets {
        out.extend(
            a.difference(b)
                .map(|n| format!("{what} {} is missing", shown(n))),
        );
        out.extend(
            b.difference(a)
                .map(|n| format!("{what} {} is extra", shown(n))),
        );
    }
    for (table, rows) in &source.tables {
        let t = shown(table);
        match copy.tables.get(table) {
            None => out.push(format!("table {t} is missing")),
            Some(r) if r != rows => out.push(format!("table {t} has {r} rows, not {rows}")),
            Some(_) => {}
        }
    }
    out.extend(
        copy.tables
            .keys()
            .filter(|t| !source.tables.contains_key(*t))
            .map(|t| format!("table {} is extra", shown(t))),
    );
    for (seq, value) in &source.sequences {
        let s = shown(seq);
        match copy.sequences.get(seq) {
            None => out.push(format!("sequence {s} is missing")),
            Some(v) if v != value => {
                out.push(format!("sequence {s} is {}, not {}", at(*v), at(*value)));
            }
            Some(_) => {}
        }
    }
    out
}

/// A catalog name a tenant chose, as a status message shows it: its control
/// characters (a terminal's escape sequences among them) escaped, the rest as it
/// is. PostgreSQL takes any character but NUL in a quoted name, and the message
/// reaches the terminals of whoever reads the status.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Where a sequence stands, as a user reads it: `at 7`, or `unused` (no
/// `nextval` yet).
fn at(value: Option<i64>) -> String {
    value.map_or_else(|| "unused".into(), |n| format!("at {n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(tables: &[(&str, i64)], seqs: &[(&str, Option<i64>)], ext: &[&str]) -> Inventory {
        Inventory {
            schemas: ["public".to_owned()].into(),
            extensions: ext.iter().map(|e| (*e).to_owned()).collect(),
            tables: tables.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect(),
            sequences: seqs.iter().map(|(s, v)| ((*s).to_owned(), *v)).collect(),
        }
    }

    #[test]
    fn a_faithful_copy_has_no_differences() {
        let a = inv(&[("public.t", 3)], &[("public.s", Some(7))], &["plpgsql"]);
        assert!(differences(&a, &a.clone()).is_empty());
    }

    #[test]
    fn every_kind_of_difference_is_named() {
        let source = inv(
            &[("public.a", 10), ("public.b", 1)],
            &[
                ("public.s", Some(7)),
                ("public.u", None),
                ("public.v", None),
            ],
            &["plpgsql", "citext"],
        );
        let mut copy = inv(
            &[("public.a", 9), ("public.c", 0)],
            &[
                ("public.s", Some(6)),
                ("public.u", Some(1)),
                ("public.v", None),
            ],
            &["plpgsql"],
        );
        copy.schemas.insert("reporting".into());
        let d = differences(&source, &copy);
        for expected in [
            "schema reporting is extra",
            "extension citext is missing",
            "table public.a has 9 rows, not 10",
            "table public.b is missing",
            "table public.c is extra",
            "sequence public.s is at 6, not at 7",
            "sequence public.u is at 1, not unused",
        ] {
            assert!(d.iter().any(|l| l == expected), "{expected:?} not in {d:?}");
        }
        // A sequence unused on both sides (public.v) is no difference.
        assert_eq!(d.len(), 7, "{d:?}");
    }

    #[test]
    fn a_tenants_names_reach_a_message_without_their_control_characters() {
        let source = inv(&[("public.\u{1b}[2Jt", 1)], &[], &[]);
        let d = differences(&source, &inv(&[], &[], &[]));
        assert_eq!(d, ["table public.\\u{1b}[2Jt is missing"]);
        assert_eq!(shown("sale_order\n"), "sale_order\\n");
        assert_eq!(shown("plain.é_name"), "plain.é_name");
    }
}
