//! Archives written by an attacker: the corpus the agent-level test
//! (`tests/hostile_archives.rs`) and the restore through `kubectl odoo restore
//! --from-file` (`tests/restore_jobs.rs`) both run, and what they check after each
//! case.

use std::io::Write as _;
use std::path::Path;

use crate::agent::superuser_rows;

/// What an archive may do at most.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// Refused before anything is written, naming why (a meta-command, a COPY end
    /// marker out of place, an unclosed quote).
    Refused,
    /// Fails or loads; either way without a side effect.
    Contained,
}

/// One hostile archive's SQL.
#[derive(Debug, Clone)]
pub struct Case {
    pub what: &'static str,
    pub sql: String,
    pub expect: Expect,
}

impl Case {
    /// Whether the case brings its own `ir_module_module` (the trojan view); the
    /// others get a plain one prepended when they go through the operator, so that
    /// nothing but the attack itself can make the restore fail.
    pub fn defines_modules(&self) -> bool {
        self.sql.contains("ir_module_module")
    }
}

/// Words a refusal names its reason with.
pub const REFUSAL_REASONS: [&str; 3] = ["meta-command", "COPY end marker", "quote"];

/// The corpus. `sentinel` is the file a shell command would create, `live` the
/// instance's live database (what `\connect` aims at) and `role` the instance's
/// role (what an escalation would make superuser).
pub fn corpus(sentinel: &Path, live: &str, role: &str) -> Vec<Case> {
    let touch = format!("touch {}", sentinel.display());
    let escalate = format!(
        "IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE \"{role}\" SUPERUSER'; END IF;"
    );
    let case = |what, sql: String, expect| Case { what, sql, expect };
    vec![
        case("shell", format!("\\! {touch}\n"), Expect::Refused),
        case(
            "shell after a statement",
            format!("CREATE TABLE a (x int);\nSELECT 1; \\! {touch}\n"),
            Expect::Refused,
        ),
        case(
            "connect to the live database",
            format!("CREATE TABLE a (x int);\n\\connect {live}\nCREATE TABLE pwned (x int);\n"),
            Expect::Refused,
        ),
        case(
            "\\copy to program",
            format!("\\copy (SELECT 1) to program '{touch}'\n"),
            Expect::Refused,
        ),
        case(
            "\\set with backticks",
            format!("\\set x `{touch}`\n"),
            Expect::Refused,
        ),
        case(
            "a COPY that is not one",
            format!(
                "CREATE TABLE t (a text);\nCOPY t (a) TO stdout; -- FROM stdin;\n\\! {touch}\n\\.\n"
            ),
            Expect::Refused,
        ),
        case(
            "a string that ends elsewhere without standard_conforming_strings",
            format!("SET standard_conforming_strings = off;\nSELECT 'a\\'' \\! {touch} '';\n"),
            Expect::Refused,
        ),
        case(
            "a dump's own \\restrict, then a meta-command",
            format!("\\restrict abc\nSELECT 1;\n\\unrestrict abc\n\\! {touch}\n"),
            Expect::Refused,
        ),
        case(
            "COPY to program",
            format!("CREATE TABLE t (a text);\nCOPY t TO PROGRAM '{touch}';\n"),
            Expect::Contained,
        ),
        case(
            "SECURITY DEFINER function",
            format!(
                "CREATE FUNCTION escalate() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$ \
                 BEGIN EXECUTE 'ALTER ROLE \"{role}\" SUPERUSER'; END $$;\nSELECT escalate();\n"
            ),
            Expect::Contained,
        ),
        case(
            "trojan ir_module_module view",
            format!(
                "CREATE FUNCTION trojan() RETURNS TABLE(name varchar, state varchar, latest_version varchar) \
                 LANGUAGE plpgsql AS $$ BEGIN {escalate} \
                 RETURN QUERY SELECT 'base'::varchar, 'installed'::varchar, '17.0.1.3'::varchar; END $$;\n\
                 CREATE VIEW ir_module_module AS SELECT * FROM trojan();\n"
            ),
            Expect::Contained,
        ),
        case(
            "search_path set on the database",
            format!(
                "CREATE SCHEMA evil;\n\
                 CREATE FUNCTION evil.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS $$ \
                 BEGIN {escalate} RETURN NULL; END $$;\n\
                 DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = evil, pg_catalog, public', \
                 current_database()); END $$;\n"
            ),
            Expect::Contained,
        ),
        case(
            "row-security policy with a side effect",
            format!(
                "CREATE FUNCTION spy() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN {escalate} \
                 RETURN true; END $$;\n\
                 CREATE TABLE res_partner (id int, name text);\n\
                 COPY res_partner (id, name) FROM stdin;\n1\tA\n\\.\n\
                 ALTER TABLE res_partner ENABLE ROW LEVEL SECURITY;\n\
                 ALTER TABLE res_partner FORCE ROW LEVEL SECURITY;\n\
                 CREATE POLICY p ON res_partner USING (spy());\n"
            ),
            Expect::Contained,
        ),
        case(
            "an untrusted extension",
            // Installed with the server and untrusted: only a superuser may create
            // them (file_fdw reads server files, dblink opens connections as the
            // server).
            "CREATE EXTENSION IF NOT EXISTS file_fdw;\nCREATE EXTENSION IF NOT EXISTS dblink;\n\
             CREATE EXTENSION IF NOT EXISTS plpython3u;\n"
                .to_owned(),
            Expect::Contained,
        ),
    ]
}

/// Every role's attributes: a role made superuser, or given rights, shows here.
pub fn roles() -> Vec<String> {
    superuser_rows(
        "postgres",
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication \
         FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1",
    )
    .expect("reading the roles")
}

/// What changed between two readings of [`roles`]: a role that was there with
/// other attributes, or a new role that is a superuser. Other tests of the same
/// binary create tenant roles meanwhile; those are not a change.
pub fn roles_changed(before: &[String], after: &[String]) -> Vec<String> {
    let name = |row: &String| row.split('|').next().unwrap_or_default().to_owned();
    let known: std::collections::BTreeMap<String, &String> =
        before.iter().map(|r| (name(r), r)).collect();
    after
        .iter()
        .filter(|row| match known.get(&name(row)) {
            Some(was) => *was != *row,
            None => row.split('|').nth(1) == Some("t"),
        })
        .cloned()
        .collect()
}

/// An Odoo-style zip whose `dump.sql` is `sql`, with one filestore file.
pub fn zip_with_dump(sql: &str, out: &Path) {
    let file = std::fs::File::create(out).expect("zip file");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("dump.sql", options).expect("dump.sql entry");
    zip.write_all(sql.as_bytes()).expect("dump.sql");
    zip.start_file("filestore/ab/abcdef", options)
        .expect("filestore entry");
    zip.write_all(b"attachment").expect("filestore file");
    zip.finish().expect("finishing the zip");
}
