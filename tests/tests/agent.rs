//! The backup agent's data path with real processes: the operator binary's `agent`
//! subcommand against the test PostgreSQL and a real S3 server (versitygw), with
//! pg_dump/psql/pg_restore from the machine's PostgreSQL. Run with `--nocapture`
//! to see the memory, disk and time figures.

use odoo_model::agent::hex;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use odoo_tests::agent::{
    AgentRun, Database, Snapshot, block_on, checksums, make_filestore, run_agent,
    run_agent_observed, strings,
};
use odoo_tests::odoo_zip;
use odoo_tests::s3::shared_s3;
use sha2::{Digest, Sha256};

const BUCKET: &str = "backups";
/// Instance role of the source database (the restore targets are owned by it too,
/// as the operator creates them).
const ROLE: &str = "agent_instance";

/// The "live" database every test backs up: Odoo-like, over 10 MB, with a filestore of
/// 1,000 files. Backups only read it; the refusal test checks it stays untouched.
struct Source {
    db: Database,
    filestore: PathBuf,
    snapshot: Snapshot,
    files: std::collections::BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

fn source() -> &'static Source {
    static SOURCE: OnceLock<Source> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let db = Database::create("agent_live", ROLE).expect("creating the source database");
        db.populate_odoo_like(100)
            .expect("populating the source database");
        let dir = tempfile::tempdir().expect("temporary directory");
        let filestore = dir.path().join("filestore").join(&db.name);
        let bytes = make_filestore(&filestore, 1000, 42).expect("writing the filestore");
        println!(
            "source: database {} ({} tables), filestore {} files, {} KiB",
            db.name,
            db.table_count().unwrap_or_default(),
            1000,
            bytes / 1024
        );
        Source {
            snapshot: db.snapshot().expect("snapshot of the source"),
            files: checksums(&filestore).expect("filestore checksums"),
            db,
            filestore,
            _dir: dir,
        }
    })
}

fn s3_env() -> Vec<(String, String)> {
    let s3 = shared_s3();
    s3.create_bucket(BUCKET).expect("creating the bucket");
    s3.agent_env()
}

fn backup(
    db: &Database,
    destination: &str,
    extra: &[&str],
    env: &[(String, String)],
    watch: &Path,
) -> AgentRun {
    let (mut args, mut agent_env) = db.agent_args();
    args.insert(0, "backup".into());
    args.extend(strings(&[
        "--destination",
        destination,
        "--odoo-version",
        "17.0",
    ]));
    args.extend(strings(extra));
    agent_env.extend_from_slice(env);
    run_agent(&args, &agent_env, watch)
}

fn restore(
    target: &Database,
    source: &str,
    extra: &[&str],
    env: &[(String, String)],
    watch: &Path,
) -> AgentRun {
    let (mut args, mut agent_env) = target.agent_args();
    args.insert(0, "restore".into());
    args.extend(strings(&["--source", source]));
    args.extend(strings(extra));
    agent_env.extend_from_slice(env);
    run_agent(&args, &agent_env, watch)
}

fn assert_restored(target: &Database, filestore: Option<&Path>) {
    let src = source();
    let restored = target
        .snapshot()
        .expect("snapshot of the restored database");
    assert_eq!(restored.tables, src.snapshot.tables, "rows differ");
    assert_eq!(
        restored.sequences, src.snapshot.sequences,
        "sequences differ"
    );
    if let Some(dir) = filestore {
        assert_eq!(
            checksums(dir).expect("restored filestore"),
            src.files,
            "filestore differs"
        );
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[test]
fn zip_backup_to_s3_streams_and_restores_identically() {
    let src = source();
    let env = s3_env();
    let work = tempfile::tempdir().expect("temporary directory");
    let key = "ns/shop/20260101T120000Z.zip";
    let location = format!("s3://{BUCKET}/{key}");
    let termination_log = work.path().join("termination-log");
    let run = backup(
        &src.db,
        &location,
        &[
            "--filestore",
            &src.filestore.display().to_string(),
            "--termination-log",
            &termination_log.display().to_string(),
        ],
        &env,
        &work.path().join("tmp"),
    );
    let report = run.assert_success();
    println!("{}", run.figures("zip backup to S3"));
    println!("report: {report}");

    // What the agent reports is what landed in the bucket.
    let object = block_on(shared_s3().get(BUCKET, key)).expect("downloading the backup");
    assert_eq!(report["location"], location);
    assert_eq!(report["size_bytes"], object.len() as u64);
    assert_eq!(report["sha256"], sha256_hex(&object));
    assert_eq!(report["odoo_version"], "17.0");
    assert_eq!(report["filestore_files"], 1000);
    assert!(
        report["pg_version"]
            .as_str()
            .is_some_and(|v| v.starts_with(char::is_numeric))
    );
    assert_eq!(
        std::fs::read_to_string(&termination_log).expect("termination log"),
        run.stdout.trim_end()
    );
    println!("archive: {} KiB", object.len() / 1024);

    // Streaming: nothing of the archive's size was staged on disk, memory stayed at a
    // few upload parts.
    assert!(object.len() > 10 << 20, "archive smaller than the data?");
    assert!(
        run.max_watched_bytes < 1 << 20,
        "{} bytes of temporary files",
        run.max_watched_bytes
    );
    assert!(run.peak_rss_kib < 200 * 1024, "{}", run.figures("backup"));

    // Odoo's reader accepts it, in Odoo's order, with Odoo's manifest.
    let archive = work.path().join("backup.zip");
    std::fs::write(&archive, &object).expect("writing the archive");
    let listing = odoo_zip::python_listing(&archive);
    assert_eq!(listing["bad"], serde_json::Value::Null);
    let names: Vec<&str> = listing["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(names[..2], ["dump.sql", "manifest.json"]);
    assert_eq!(
        names.iter().filter(|n| n.starts_with("filestore/")).count(),
        1000
    );
    let manifest = &listing["manifest"];
    assert_eq!(manifest["odoo_dump"], "1");
    assert_eq!(manifest["db_name"], src.db.name.as_str());
    assert_eq!(manifest["version"], "17.0");
    assert_eq!(
        manifest["version_info"],
        serde_json::json!([17, 0, 0, "final", 0, ""])
    );
    assert_eq!(manifest["major_version"], "17.0");
    assert!(
        manifest["pg_version"]
            .as_str()
            .is_some_and(|v| v.ends_with(".0"))
    );
    assert_eq!(
        manifest["modules"],
        serde_json::json!({"base": "17.0.1.3", "sale": "17.0.1.2", "web": "17.0.1.0"})
    );

    // Restore into a new empty database and a new filestore directory.
    let target = Database::create("agent_restored_s3", ROLE).expect("target database");
    let target_dir = work.path().join("restored-filestore").join(&target.name);
    let run = restore(
        &target,
        &location,
        &[
            "--filestore",
            &target_dir.display().to_string(),
            "--expected-sha256",
            report["sha256"].as_str().unwrap_or_default(),
        ],
        &env,
        &work.path().join("tmp-restore"),
    );
    let restored = run.assert_success();
    println!("{}", run.figures("zip restore from S3"));
    assert_eq!(restored["sha256"], report["sha256"]);
    assert_eq!(restored["odoo_version"], "17.0");
    assert!(run.max_watched_bytes < 1 << 20);
    assert_restored(&target, Some(&target_dir));
}

#[test]
fn file_destination_and_database_only_formats_restore_identically() {
    let src = source();
    let env = s3_env();
    let work = tempfile::tempdir().expect("temporary directory");
    // zip with filestore onto a volume path; dump to S3; sql onto a volume path.
    let volume = work.path().join("volume");
    let cases: [(&str, String, Vec<&str>); 3] = [
        (
            "zip",
            format!("file://{}/ns/shop/a.zip", volume.display()),
            vec!["--filestore", src.filestore.to_str().unwrap_or_default()],
        ),
        (
            "dump",
            format!("s3://{BUCKET}/ns/shop/b.dump"),
            vec!["--format", "dump"],
        ),
        (
            "sql",
            format!("{}/ns/shop/c.sql", volume.display()),
            vec!["--format", "sql"],
        ),
    ];
    for (format, location, extra) in cases {
        let run = backup(&src.db, &location, &extra, &env, &work.path().join("tmp"));
        let report = run.assert_success();
        println!(
            "{} ({} bytes)",
            run.figures(&format!("{format} backup")),
            report["size_bytes"]
        );
        assert_eq!(
            report["format"].as_str().map(str::to_lowercase).as_deref(),
            Some(format)
        );
        if let Some(path) = location
            .strip_prefix("file://")
            .or(Some(&location))
            .filter(|p| p.starts_with('/'))
        {
            let bytes = std::fs::read(path).expect("the backup file");
            assert_eq!(report["sha256"], sha256_hex(&bytes));
            assert!(!Path::new(&format!("{path}.partial")).exists());
        }

        let target =
            Database::create(&format!("agent_restored_{format}"), ROLE).expect("target database");
        let target_dir = work.path().join("restored").join(&target.name);
        let dir_arg = target_dir.display().to_string();
        let mut restore_extra = vec![
            "--expected-sha256",
            report["sha256"].as_str().unwrap_or_default(),
        ];
        if format == "zip" {
            restore_extra.extend(["--filestore", &dir_arg]);
        }
        let run = restore(
            &target,
            &location,
            &restore_extra,
            &env,
            &work.path().join("tmp"),
        );
        let restored = run.assert_success();
        println!("{}", run.figures(&format!("{format} restore")));
        assert_eq!(
            restored["format"]
                .as_str()
                .map(str::to_lowercase)
                .as_deref(),
            Some(format)
        );
        assert_restored(&target, (format == "zip").then_some(target_dir.as_path()));
    }
}

#[test]
fn zips_made_by_odoos_database_manager_restore() {
    let env = s3_env();
    let work = tempfile::tempdir().expect("temporary directory");
    // A database of its own, with what a dump by another role carries: an extension
    // and its comment, grants to other roles.
    let db = Database::create("agent_odoo_made", ROLE).expect("database");
    db.populate_odoo_like(5).expect("populating");
    odoo_tests::agent::superuser_sql(
        &db.name,
        "CREATE EXTENSION pg_trgm; COMMENT ON EXTENSION pg_trgm IS 'set by the superuser'; \
         GRANT SELECT ON res_partner TO PUBLIC;",
    )
    .expect("extension and grants");
    let filestore = work.path().join("filestore");
    make_filestore(&filestore, 50, 7).expect("filestore");
    let expected = db.snapshot().expect("snapshot");
    let expected_files = checksums(&filestore).expect("checksums");

    for (manifest, via_s3) in [(true, true), (false, false)] {
        let archive = work.path().join(format!("odoo-{manifest}.zip"));
        odoo_zip::odoo_made_zip(&db, &filestore, manifest, &archive);
        let location = if via_s3 {
            let key = format!("odoo-made/{manifest}.zip");
            let bytes = std::fs::read(&archive).expect("archive");
            block_on(shared_s3().put(BUCKET, &key, bytes)).expect("uploading");
            format!("s3://{BUCKET}/{key}")
        } else {
            archive.display().to_string()
        };
        let target = Database::create("agent_from_odoo", ROLE).expect("target");
        let target_dir = work.path().join("restored").join(&target.name);
        let run = restore(
            &target,
            &location,
            &["--filestore", &target_dir.display().to_string()],
            &env,
            &work.path().join("tmp"),
        );
        let report = run.assert_success();
        println!(
            "{}",
            run.figures(&format!("Odoo-made zip (manifest: {manifest})"))
        );
        assert_eq!(
            report["odoo_version"],
            if manifest {
                serde_json::json!("17.0")
            } else {
                serde_json::Value::Null
            }
        );
        assert!(run.stderr.contains("skipped privilege"), "{}", run.stderr);
        let restored = target.snapshot().expect("snapshot");
        assert_eq!(restored, expected);
        assert_eq!(checksums(&target_dir).expect("checksums"), expected_files);
    }
}

#[test]
fn corrupt_truncated_and_unexpected_archives_are_refused_untouched() {
    let src = source();
    let work = tempfile::tempdir().expect("temporary directory");
    let good = work.path().join("good.zip");
    let run = backup(
        &src.db,
        &good.display().to_string(),
        &["--filestore", &src.filestore.display().to_string()],
        &[],
        &work.path().join("tmp"),
    );
    let sha = run.assert_success()["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bytes = std::fs::read(&good).expect("archive");

    let corrupt = work.path().join("corrupt.zip");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    for b in &mut flipped[middle..middle + 16] {
        *b ^= 0xff;
    }
    std::fs::write(&corrupt, &flipped).expect("corrupt copy");
    let truncated = work.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).expect("truncated copy");
    let wrong_sha = "0".repeat(64);

    let cases: [(&str, &Path, Vec<&str>, &str); 4] = [
        ("corrupt", &corrupt, vec![], "corrupt"),
        ("truncated", &truncated, vec![], "truncated"),
        (
            "wrong sha256",
            &good,
            vec!["--expected-sha256", &wrong_sha],
            "SHA-256 mismatch",
        ),
        (
            "corrupt, right sha256 given",
            &corrupt,
            vec!["--expected-sha256", &sha],
            "corrupt",
        ),
    ];
    for (what, archive, extra, message) in cases {
        let target = Database::create("agent_refused", ROLE).expect("target");
        let target_dir = work.path().join("restored").join(&target.name);
        let termination_log = work.path().join(format!("{}.log", target.name));
        let mut args = vec![
            "--filestore".to_owned(),
            target_dir.display().to_string(),
            "--termination-log".to_owned(),
            termination_log.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = restore(
            &target,
            &archive.display().to_string(),
            &args,
            &[],
            &work.path().join("tmp"),
        );
        println!("{what}: {}", run.stderr.lines().last().unwrap_or_default());
        assert_eq!(run.status.code(), Some(3), "{what}: {}", run.stderr);
        assert!(
            run.stderr.contains("nothing was written"),
            "{what}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{what}: {}", run.stderr);
        let failure = odoo_model::agent::Message::<odoo_model::agent::RestoreReport>::parse(
            &std::fs::read_to_string(&termination_log).expect("termination log"),
        )
        .expect("the restore's failure line");
        assert!(
            matches!(
                failure.outcome,
                odoo_model::agent::Outcome::Failed(odoo_model::agent::Failure {
                    target_touched: false,
                    ..
                })
            ),
            "{what}: {failure:?}"
        );
        assert_eq!(target.table_count().expect("tables"), 0, "{what}");
        assert!(!target_dir.exists(), "{what}: filestore directory created");
    }

    // Restoring over the live database itself is refused too.
    let run = restore(
        &src.db,
        &good.display().to_string(),
        &[],
        &[],
        &work.path().join("tmp"),
    );
    assert_eq!(run.status.code(), Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("is not empty"), "{}", run.stderr);

    assert_eq!(
        src.db.snapshot().expect("snapshot"),
        src.snapshot,
        "the live database changed"
    );
}

#[test]
fn failed_uploads_leave_no_object() {
    let src = source();
    let work = tempfile::tempdir().expect("temporary directory");

    // Wrong credentials: refused at the start.
    let mut env = s3_env();
    for (k, v) in &mut env {
        if k == "AWS_SECRET_ACCESS_KEY" {
            *v = "not-the-secret".into();
        }
    }
    let key = "ns/shop/wrong-credentials.zip";
    let run = backup(
        &src.db,
        &format!("s3://{BUCKET}/{key}"),
        &["--filestore", &src.filestore.display().to_string()],
        &env,
        &work.path().join("tmp"),
    );
    println!(
        "wrong credentials: {}",
        run.stderr.lines().last().unwrap_or_default()
    );
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        run.stderr
    );
    let keys = block_on(shared_s3().list(BUCKET)).expect("listing");
    assert!(!keys.iter().any(|k| k == key), "{keys:?}");

    // A server of its own for the two interruptions below; parts of 5 MiB so several
    // land before the archive is complete.
    let s3 = odoo_tests::s3::S3Server::start().expect("a server of its own");
    s3.create_bucket(BUCKET).expect("bucket");
    let staging = s3.data_dir().join(BUCKET).join(".sgwtmp");
    let parts_arrived = || odoo_tests::s3::du(&staging) > 0;
    let interrupted_backup = |key: &str, observe: &dyn Fn(u32)| {
        let (mut args, mut env) = src.db.agent_args();
        args.insert(0, "backup".into());
        args.extend(strings(&[
            "--destination",
            &format!("s3://{BUCKET}/{key}"),
            "--odoo-version",
            "17.0",
            "--filestore",
            &src.filestore.display().to_string(),
            "--s3-part-size-mib",
            "5",
        ]));
        env.extend(s3.agent_env());
        run_agent_observed(&args, &env, &work.path().join("tmp"), observe)
    };

    // The job is stopped (SIGTERM, as for a deleted pod) while parts are arriving:
    // the agent aborts the upload, and the server drops the parts.
    let signalled = AtomicBool::new(false);
    let run = interrupted_backup("ns/shop/terminated.zip", &|pid| {
        if parts_arrived() && !signalled.swap(true, Ordering::SeqCst) {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    });
    assert!(
        signalled.load(Ordering::SeqCst),
        "finished before the signal:\n{}",
        run.stderr
    );
    println!("{}", run.figures("backup stopped by SIGTERM"));
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("interrupted by a signal"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("multipart upload aborted"),
        "{}",
        run.stderr
    );
    assert_eq!(odoo_tests::s3::du(&staging), 0, "parts left on the server");
    assert_eq!(
        block_on(s3.list(BUCKET)).expect("listing"),
        Vec::<String>::new()
    );

    // The server dies while parts are arriving: the upload fails, its abort cannot
    // reach the server, and no object exists once the server is back.
    let killed = AtomicBool::new(false);
    let run = interrupted_backup("ns/shop/killed.zip", &|_| {
        if parts_arrived() && !killed.swap(true, Ordering::SeqCst) {
            s3.kill();
        }
    });
    assert!(
        killed.load(Ordering::SeqCst),
        "the upload finished before the server could be stopped:\n{}",
        run.stderr
    );
    println!("{}", run.figures("backup with the server killed"));
    println!(
        "server killed: {}",
        run.stderr.lines().last().unwrap_or_default()
    );
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    s3.spawn().expect("restarting the server");
    assert_eq!(
        block_on(s3.list(BUCKET)).expect("listing"),
        Vec::<String>::new()
    );
}

/// A key used before is never written over: the second backup to it is refused
/// before it uploads anything, and the first archive stays as it was, as on a
/// volume.
#[test]
fn an_s3_backup_never_replaces_an_existing_object() {
    let src = source();
    let work = tempfile::tempdir().expect("temporary directory");
    let env = s3_env();
    let key = "ns/shop/fixed-key.zip";
    let destination = format!("s3://{BUCKET}/{key}");
    let filestore = src.filestore.display().to_string();
    let first = backup(
        &src.db,
        &destination,
        &["--filestore", &filestore],
        &env,
        &work.path().join("tmp"),
    );
    let report = first.assert_success();
    let stored = block_on(shared_s3().get(BUCKET, key)).expect("the first archive");
    assert_eq!(
        Some(sha256_hex(&stored).as_str()),
        report["sha256"].as_str()
    );

    let second = backup(
        &src.db,
        &destination,
        &["--format", "sql"],
        &env,
        &work.path().join("tmp"),
    );
    assert_eq!(second.status.code(), Some(1), "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("already exists; a backup never overwrites"),
        "{}",
        second.stderr
    );
    let after = block_on(shared_s3().get(BUCKET, key)).expect("the first archive");
    assert_eq!(after, stored, "the first archive was replaced");
}
