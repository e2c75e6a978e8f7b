//! The backup agent's data path with real processes: the operator binary's `agent`
//! subcommand against the test PostgreSQL and a real S3 server (versitygw), with
//! pg_dump/psql/pg_restore from the machine's PostgreSQL. Run with `--nocapture`
//! to see the memory, disk and time figures.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use odoo_tests::agent::{
    AgentRun, Database, Snapshot, block_on, checksums, make_filestore, run_agent, strings,
};
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
    format!("{:x}", Sha256::digest(bytes))
}

/// Reads an archive the way Odoo's restore does (Python's zipfile): the order of the
/// entries, the CRC test of every member and manifest.json.
fn python_zip_listing(archive: &Path) -> serde_json::Value {
    let script = "import json, sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  bad = z.testzip()\n\
                  names = z.namelist()\n\
                  manifest = json.loads(z.read('manifest.json')) if 'manifest.json' in names else None\n\
                  print(json.dumps({'bad': bad, 'names': names, 'manifest': manifest}))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(archive)
        .output()
        .expect("running python3 (hack/prereqs.sh installs it)");
    assert!(
        out.status.success(),
        "Python's zipfile rejects the archive: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python output")
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
    let listing = python_zip_listing(&archive);
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
        assert_eq!(report["format"], format);
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
        assert_eq!(restored["format"], format);
        assert_restored(&target, (format == "zip").then_some(target_dir.as_path()));
    }
}
