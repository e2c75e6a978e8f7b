//! Archives written by an attacker, restored by the real agent with the machine's
//! psql into a real PostgreSQL, as a restore job's pod does. Each case either is
//! refused before anything is written, fails and rolls back, or loads harmlessly;
//! after every case the test proves that nothing happened outside the target: no
//! file written (the shell commands would create a sentinel), the live database of
//! the same instance unchanged, no role of the cluster altered.
//!
//! The operator's own reads of such a database are the other half (a trojan
//! `ir_module_module` view, a `search_path` set on the database, a row-security
//! policy): here they load, and `operator/tests/tenant_reads.rs` reads them.

use std::io::Write as _;
use std::path::Path;

use odoo_tests::agent::{Database, checksums, make_filestore, run_agent, strings, superuser_rows};

/// The instance's role: it owns both the live database and the restore's target,
/// as the operator provisions them, and so may do anything in either.
const ROLE: &str = "hostile_tenant";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Exit 3, "nothing was written": the agent refused the archive up front.
    Refused,
    /// Failed or succeeded: either way without a side effect.
    Contained,
}

/// Every role's attributes: a role made superuser, or given rights, shows here.
fn roles() -> Vec<String> {
    superuser_rows(
        "postgres",
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication \
         FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1",
    )
    .expect("reading the roles")
}

fn corpus(sentinel: &Path, live: &str) -> Vec<(&'static str, String, Expect)> {
    let touch = format!("touch {}", sentinel.display());
    let escalate = format!(
        "IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE {ROLE} SUPERUSER'; END IF;"
    );
    vec![
        ("shell", format!("\\! {touch}\n"), Expect::Refused),
        (
            "shell after a statement",
            format!("CREATE TABLE a (x int);\nSELECT 1; \\! {touch}\n"),
            Expect::Refused,
        ),
        (
            "connect to the live database",
            format!("CREATE TABLE a (x int);\n\\connect {live}\nCREATE TABLE pwned (x int);\n"),
            Expect::Refused,
        ),
        (
            "\\copy to program",
            format!("\\copy (SELECT 1) to program '{touch}'\n"),
            Expect::Refused,
        ),
        (
            "\\set with backticks",
            format!("\\set x `{touch}`\n"),
            Expect::Refused,
        ),
        (
            "a COPY that is not one",
            format!(
                "CREATE TABLE t (a text);\nCOPY t (a) TO stdout; -- FROM stdin;\n\\! {touch}\n\\.\n"
            ),
            Expect::Refused,
        ),
        (
            "a string that ends elsewhere without standard_conforming_strings",
            format!("SET standard_conforming_strings = off;\nSELECT 'a\\'' \\! {touch} '';\n"),
            Expect::Refused,
        ),
        (
            "a dump's own \\restrict, then a meta-command",
            format!("\\restrict abc\nSELECT 1;\n\\unrestrict abc\n\\! {touch}\n"),
            Expect::Refused,
        ),
        (
            "COPY to program",
            format!("CREATE TABLE t (a text);\nCOPY t TO PROGRAM '{touch}';\n"),
            Expect::Contained,
        ),
        (
            "SECURITY DEFINER function",
            format!(
                "CREATE FUNCTION escalate() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$ \
                 BEGIN EXECUTE 'ALTER ROLE {ROLE} SUPERUSER'; END $$;\nSELECT escalate();\n"
            ),
            Expect::Contained,
        ),
        (
            "trojan ir_module_module view",
            format!(
                "CREATE FUNCTION trojan() RETURNS TABLE(name varchar, state varchar, latest_version varchar) \
                 LANGUAGE plpgsql AS $$ BEGIN {escalate} \
                 RETURN QUERY SELECT 'base'::varchar, 'installed'::varchar, '17.0.1.3'::varchar; END $$;\n\
                 CREATE VIEW ir_module_module AS SELECT * FROM trojan();\n"
            ),
            Expect::Contained,
        ),
        (
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
        (
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
        (
            "an untrusted extension",
            "CREATE EXTENSION IF NOT EXISTS plpython3u;\nCREATE EXTENSION IF NOT EXISTS file_fdw;\n"
                .to_owned(),
            Expect::Contained,
        ),
    ]
}

fn zip_with_dump(sql: &str, out: &Path) {
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

#[test]
fn hostile_archives_are_refused_or_contained() {
    let work = tempfile::tempdir().expect("temporary directory");
    let live = Database::create("hostile_live", ROLE).expect("live database");
    live.populate_odoo_like(3).expect("populating");
    let live_files = work.path().join("filestore").join(&live.name);
    make_filestore(&live_files, 20, 7).expect("live filestore");
    let live_snapshot = live.snapshot().expect("snapshot");
    let live_checksums = checksums(&live_files).expect("checksums");
    let roles_before = roles();
    let sentinel = work.path().join("pwned");

    for (what, sql, expect) in corpus(&sentinel, &live.name) {
        for format in ["sql", "zip"] {
            let case = format!("{what} ({format})");
            let archive = work.path().join(format!("archive.{format}"));
            if format == "zip" {
                zip_with_dump(&sql, &archive);
            } else {
                std::fs::write(&archive, &sql).expect("archive");
            }
            let target = Database::create("hostile_target", ROLE).expect("target");
            let target_dir = work.path().join("filestore").join(&target.name);
            let (mut args, env) = target.agent_args();
            args.insert(0, "restore".into());
            args.extend(strings(&[
                "--source",
                &archive.display().to_string(),
                "--filestore",
                &target_dir.display().to_string(),
            ]));
            let run = run_agent(&args, &env, &work.path().join("tmp"));
            let last = run.stderr.lines().last().unwrap_or_default().to_owned();
            println!("{case}: exit {:?}: {last}", run.status.code());
            match expect {
                Expect::Refused => {
                    assert_eq!(run.status.code(), Some(3), "{case}: {}", run.stderr);
                    let why = ["meta-command", "COPY end marker", "quote"];
                    assert!(
                        run.stderr.contains("nothing was written")
                            && why.iter().any(|w| run.stderr.contains(w)),
                        "{case}: {}",
                        run.stderr
                    );
                    assert_eq!(target.table_count().expect("tables"), 0, "{case}");
                    assert!(!target_dir.exists(), "{case}: filestore written");
                }
                Expect::Contained => {
                    if !run.status.success() {
                        // A failed load rolls back: the target holds nothing.
                        assert_eq!(target.table_count().expect("tables"), 0, "{case}");
                    }
                }
            }
            assert!(!sentinel.exists(), "{case}: a shell command ran");
            assert_eq!(roles(), roles_before, "{case}: a role was altered");
            assert_eq!(
                live.snapshot().expect("snapshot"),
                live_snapshot,
                "{case}: the live database changed"
            );
            assert_eq!(
                checksums(&live_files).expect("checksums"),
                live_checksums,
                "{case}: the live filestore changed"
            );
        }
    }
}

#[test]
fn a_dump_with_pg_dumps_own_restrict_lines_still_loads() {
    let work = tempfile::tempdir().expect("temporary directory");
    let sql = "\\restrict Zx9\nSET statement_timeout = 0;\nCREATE TABLE t (a text);\n\
               COPY public.t (a) FROM stdin;\n\\\\! data, not a command\n\\N\n\\.\n\\unrestrict Zx9\n";
    let archive = work.path().join("dump.sql");
    std::fs::write(&archive, sql).expect("archive");
    // A role of its own: the tests of this file run at once, and two creations of
    // one role race.
    let target = Database::create("restrict_target", "restrict_tenant").expect("target");
    let (mut args, env) = target.agent_args();
    args.insert(0, "restore".into());
    args.extend(strings(&["--source", &archive.display().to_string()]));
    let run = run_agent(&args, &env, &work.path().join("tmp"));
    run.assert_success();
    let rows =
        superuser_rows(&target.name, "SELECT coalesce(a, 'NULL') FROM t ORDER BY 1").expect("rows");
    assert_eq!(rows, ["NULL", "\\! data, not a command"]);
}
