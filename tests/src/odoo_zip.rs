//! Odoo's own zip tooling, to test the agent against: archives made the way Odoo's
//! database manager makes them, and Python's zipfile (what Odoo restores with)
//! reading the agent's archives.

use std::path::Path;
use std::process::Command;

use crate::agent::Database;

/// Odoo's `zip_dir(dump_dir, stream, include_dir=False, fnct_sort=…)`, as its
/// database manager calls it: Python's zipfile, deflated, dump.sql sorted first, then
/// the rest of the top level, then the filestore as os.walk finds it.
const ODOO_ZIP_DIR: &str = r#"
import os, sys, zipfile
path = os.path.normpath(sys.argv[1])
len_prefix = len(path) + 1
with open(sys.argv[2], 'wb') as stream:
    with zipfile.ZipFile(stream, 'w', compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zipf:
        for dirpath, dirnames, filenames in os.walk(path):
            filenames = sorted(filenames, key=lambda file_name: file_name != 'dump.sql')
            for fname in filenames:
                bname, ext = os.path.splitext(fname)
                ext = ext or bname
                if ext not in ['.pyc', '.pyo', '.swp', '.DS_Store']:
                    p = os.path.normpath(os.path.join(dirpath, fname))
                    if os.path.isfile(p):
                        zipf.write(p, p[len_prefix:])
"#;

/// Stages what Odoo's dump_db stages (filestore copy, manifest.json, dump.sql from
/// `pg_dump --no-owner` run by another role than the restoring one) and zips it the
/// way Odoo does.
pub fn odoo_made_zip(db: &Database, filestore: &Path, manifest: bool, out: &Path) {
    let pg = crate::postgres::shared_postgres();
    let stage = tempfile::tempdir().expect("temporary directory");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(filestore)
        .arg(stage.path().join("filestore"))
        .status()
        .expect("cp");
    assert!(copy.success());
    if manifest {
        let manifest = serde_json::json!({
            "odoo_dump": "1", "db_name": db.name, "version": "17.0",
            "version_info": [17, 0, 0, "final", 0, ""], "major_version": "17.0",
            "pg_version": "15.0", "modules": {"base": "17.0.1.3"},
        });
        std::fs::write(
            stage.path().join("manifest.json"),
            serde_json::to_string_pretty(&manifest).expect("json"),
        )
        .expect("manifest.json");
    }
    let dump = Command::new(pg.bin_dir.join("pg_dump"))
        .arg("--no-owner")
        .arg(format!(
            "--file={}",
            stage.path().join("dump.sql").display()
        ))
        .args([
            "-h",
            &pg.host,
            "-p",
            &pg.port.to_string(),
            "-U",
            &pg.superuser,
        ])
        .arg(&db.name)
        .env("PGPASSWORD", &pg.password)
        .output()
        .expect("pg_dump");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let zip = Command::new("python3")
        .args(["-c", ODOO_ZIP_DIR])
        .arg(stage.path())
        .arg(out)
        .output()
        .expect("python3");
    assert!(
        zip.status.success(),
        "{}",
        String::from_utf8_lossy(&zip.stderr)
    );
}

/// Reads an archive the way Odoo's restore does (Python's zipfile): the order of the
/// entries, the CRC test of every member and manifest.json.
pub fn python_listing(archive: &Path) -> serde_json::Value {
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
