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

use odoo_tests::agent::{Database, checksums, make_filestore, run_agent, strings, superuser_rows};
use odoo_tests::hostile::{Expect, REFUSAL_REASONS, corpus, roles, roles_changed, zip_with_dump};

/// The instance's role: it owns both the live database and the restore's target,
/// as the operator provisions them, and so may do anything in either.
const ROLE: &str = "hostile_tenant";

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

    for case in corpus(&sentinel, &live.name, ROLE) {
        let (what, sql, expect) = (case.what, case.sql, case.expect);
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
                    assert!(
                        run.stderr.contains("nothing was written")
                            && REFUSAL_REASONS.iter().any(|w| run.stderr.contains(w)),
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
            let changed = roles_changed(&roles_before, &roles());
            assert!(changed.is_empty(), "{case}: roles altered: {changed:?}");
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

/// A load that fails on the tenant's own rows (a duplicate key, a value that does
/// not parse) says which table and constraint failed, never the rows: the result
/// line is what reaches the job's status, its events and the callbacks.
#[test]
fn a_failing_load_never_reports_the_tenants_rows() {
    let work = tempfile::tempdir().expect("temporary directory");
    let cases = [
        (
            "duplicate key",
            "CREATE TABLE res_partner (id int, email text UNIQUE, salary text);\n\
             COPY res_partner (id, email, salary) FROM stdin;\n\
             1\tsecret-mail@tenant.example\tsecret-salary-1\n\
             2\tsecret-mail@tenant.example\tsecret-salary-2\n\\.\n",
            "res_partner_email_key",
        ),
        (
            "a value that does not parse",
            "CREATE TABLE res_partner (id int, email text);\n\
             COPY res_partner (id, email) FROM stdin;\n\
             secret-id-1\tsecret-mail@tenant.example\n\\.\n",
            "res_partner",
        ),
        (
            "a failing row",
            "CREATE TABLE res_partner (id int, email text, ssn text NOT NULL);\n\
             INSERT INTO res_partner VALUES (7, 'secret-mail@tenant.example', NULL);\n",
            "res_partner",
        ),
    ];
    let target = Database::create("redacted_target", "redacted_tenant").expect("target");
    for (what, sql, names) in cases {
        let archive = work.path().join("dump.sql");
        std::fs::write(&archive, sql).expect("archive");
        target
            .sql("DROP TABLE IF EXISTS res_partner")
            .expect("a clean target");
        let (mut args, env) = target.agent_args();
        args.insert(0, "restore".into());
        args.extend(strings(&["--source", &archive.display().to_string()]));
        let run = run_agent(&args, &env, &work.path().join("tmp"));
        assert!(!run.status.success(), "{what}: {}", run.stderr);
        let report = run.report();
        let error = report["error"].as_str().unwrap_or_default().to_owned();
        println!("{what}: {error}");
        assert!(
            error.contains(names),
            "{what}: the failure names its table: {error}"
        );
        assert!(
            !error.contains("secret"),
            "{what}: tenant data reported: {error}"
        );
        // The pod's own log keeps the whole error for its operator.
        assert!(run.stderr.contains("secret"), "{what}: {}", run.stderr);
    }
}
