//! Odoo 18.0's own command line (`odoo-bin`, from `hack/odoo.sh`), run by a test
//! as a user or a DBA would run it beside the cluster: `shell` to write data the
//! way Odoo writes it, `db dump` and `db load` to judge archives.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::Context as _;

/// An odoo.conf for `odoo-bin` on this machine: the instance's own (from its
/// config Secret) with `data_dir` pointed at a local directory, written to `dir`.
pub fn local_conf(instance_conf: &str, data_dir: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let mut conf = String::new();
    for line in instance_conf.lines() {
        match line.split_once('=') {
            Some((key, _)) if key.trim() == "data_dir" => {
                conf.push_str(&format!("data_dir = {}\n", data_dir.display()));
            }
            _ => {
                conf.push_str(line);
                conf.push('\n');
            }
        }
    }
    let path = dir.join("odoo.conf");
    std::fs::write(&path, conf)?;
    Ok(path)
}

/// An odoo.conf that logs in to the shared test server as its superuser (what
/// `db load` needs to create a database), with `data_dir` local.
pub fn superuser_conf(data_dir: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let pg = crate::postgres::shared_postgres();
    let conf = format!(
        "[options]\ndb_host = {}\ndb_port = {}\ndb_user = {}\ndb_password = {}\ndata_dir = {}\n",
        pg.host,
        pg.port,
        pg.superuser,
        pg.password,
        data_dir.display()
    );
    let path = dir.join("superuser.conf");
    std::fs::write(&path, conf)?;
    Ok(path)
}

/// Runs `odoo-bin ARGS`, with `stdin` fed to it when given (`shell` reads Python
/// there), PostgreSQL's client tools on PATH; fails unless it exits 0.
pub fn run(args: &[&str], stdin: Option<&str>) -> anyhow::Result<Output> {
    let runtime = crate::tools::odoo_runtime()?;
    let pg_bin = crate::postgres::bin_dir()?;
    let mut child = Command::new(&runtime.python)
        .arg(&runtime.odoo_bin)
        .args(args)
        .env("PATH", format!("{}:/usr/bin:/bin", pg_bin.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", runtime.odoo_bin.display()))?;
    let mut input = child.stdin.take().context("stdin")?;
    input.write_all(stdin.unwrap_or_default().as_bytes())?;
    drop(input);
    let out = child.wait_with_output()?;
    anyhow::ensure!(
        out.status.success(),
        "odoo-bin {args:?} exited {:?}:\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        tail(&String::from_utf8_lossy(&out.stderr))
    );
    Ok(out)
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
