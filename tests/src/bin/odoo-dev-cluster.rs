//! `odoo-dev-cluster up|down|status`: the simulated cluster for the demo and for
//! trying the operator on a laptop. `up` starts a supervisor in the background that
//! owns every process (they die with it); `down` stops it.
//!
//! Besides the control plane the supervisor runs a PostgreSQL server (the operator's
//! default cluster), an S3 server with a bucket and a credentials Secret for
//! backups (described in `s3.env` of the state directory), and the local-pods
//! harness for namespace `default`: kwok runs no containers, so every agent pod
//! (backup, restore, copy…, whatever its image) runs the real `odoo-agent` on this
//! machine instead, with each claim a directory `volumes/claims/<claim>` of the
//! state directory. Only Odoo's own processes (init, upgrade, web, cron) are
//! simulated.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use odoo_tests::local_pods::LocalPods;
use odoo_tests::s3::S3Server;
use odoo_tests::{ControlPlane, Options, process};

/// Namespace of the operator and its pg-clusters Secret on the dev cluster.
const OPERATOR_NAMESPACE: &str = "odoo-operator";
/// Namespace of the demo's instances: the S3 credentials and the local pods are here.
const NAMESPACE: &str = "default";
/// The bucket backups go to, and the Secret holding the S3 server's credentials.
const BUCKET: &str = "odoo-backups";
const S3_SECRET: &str = "demo-s3";

fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ODOO_DEV_CLUSTER_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache")
        .join("odoo-operator")
        .join("dev-cluster")
}

fn usage() -> ! {
    eprintln!("usage: odoo-dev-cluster up|down|status");
    std::process::exit(2)
}

fn main() -> anyhow::Result<()> {
    let dir = state_dir();
    match std::env::args().nth(1).as_deref() {
        Some("up") => up(&dir),
        Some("down") => down(&dir),
        Some("status") => status(&dir),
        Some("serve") => serve(&dir),
        _ => usage(),
    }
}

fn pid_file(dir: &Path) -> PathBuf {
    dir.join("supervisor.pid")
}

fn kubeconfig(dir: &Path) -> PathBuf {
    dir.join("cluster").join("kubeconfig")
}

/// The supervisor's pid, if it is alive.
fn running(dir: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(pid_file(dir))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

fn up(dir: &Path) -> anyhow::Result<()> {
    if running(dir).is_some() {
        eprintln!("simulated cluster already running");
        println!("{}", kubeconfig(dir).display());
        return Ok(());
    }
    // A fresh cluster every time: the demo is reproducible and no stale PKI lingers.
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let log = std::fs::File::create(dir.join("supervisor.log"))?;
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own process group: Ctrl-C in the terminal that ran `up` does not stop it.
        .process_group(0)
        .spawn()
        .context("starting the supervisor")?;
    let start = Instant::now();
    eprint!(
        "starting the simulated cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok), PostgreSQL and S3…"
    );
    while start.elapsed() < Duration::from_secs(180) {
        if dir.join("ready").exists() {
            eprintln!(" ready in {:.1}s", start.elapsed().as_secs_f64());
            println!("{}", kubeconfig(dir).display());
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            eprintln!();
            bail!(
                "the supervisor exited with {status}:\n{}",
                process::tail(&dir.join("supervisor.log"), 30)
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    bail!(
        "the simulated cluster did not become ready in 180s; see {}",
        dir.display()
    )
}

fn serve(dir: &Path) -> anyhow::Result<()> {
    std::fs::write(pid_file(dir), std::process::id().to_string())?;
    // The agent the local pods run: the `odoo-agent` binary built beside this one.
    let agent = std::env::current_exe()?.with_file_name("odoo-agent");
    if !agent.exists() {
        bail!(
            "{} is missing: build it with `cargo build --workspace --bins`",
            agent.display()
        );
    }
    let cluster_dir = dir.join("cluster");
    let cp = process::on_spawner_thread(move || {
        let cp = ControlPlane::start(Options {
            simulated: true,
            dir: Some(cluster_dir),
            ..Options::default()
        })?;
        cp.install_crds()?;
        anyhow::Ok(cp)
    })?;
    // A real PostgreSQL server for the operator, registered in the operator
    // namespace's pg-clusters Secret as the default cluster.
    let pg = odoo_tests::postgres::start_guarded()?;
    let pg_clusters = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {OPERATOR_NAMESPACE}}}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {{name: pg-clusters, namespace: {OPERATOR_NAMESPACE}}}\n\
         stringData:\n  clusters.yaml: |\n    main:\n      host: {}\n      port: {}\n      adminUser: {}\n      \
         adminPassword: {}\n      default: true\n      sslMode: disable\n",
        pg.host, pg.port, pg.superuser, pg.password
    );
    cp.kubectl_apply_stdin(&pg_clusters)?;
    let s3 = start_s3(&cp, dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // The volumes are directories of the state directory, where the demo can reach them.
    let pods = runtime.block_on(async {
        let config = odoo_tests::kube_config(&cp).await?;
        LocalPods::start_in(config, NAMESPACE, agent, dir.join("volumes"))
    })?;
    std::fs::write(dir.join("ready"), cp.server.as_bytes())?;
    eprintln!(
        "simulated cluster ready at {}; PostgreSQL on {}:{}; S3 at {}",
        cp.server, pg.host, pg.port, s3.endpoint
    );
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut check = tokio::time::interval(Duration::from_secs(2));
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
                _ = check.tick() => {
                    if let Err(e) = cp.check_alive() {
                        eprintln!("a control-plane process died: {e:#}");
                        break;
                    }
                }
            }
        }
        anyhow::Ok(())
    })?;
    drop(pods);
    drop(runtime);
    drop(s3);
    drop(pg);
    cp.stop();
    let _ = std::fs::remove_file(dir.join("ready"));
    let _ = std::fs::remove_file(pid_file(dir));
    eprintln!("simulated cluster stopped");
    Ok(())
}

/// An S3 server with the backup bucket, its credentials in a Secret of
/// [`NAMESPACE`], and `s3.env` (shell assignments) telling the demo where they are.
fn start_s3(cp: &ControlPlane, dir: &Path) -> anyhow::Result<S3Server> {
    let s3 = S3Server::start()?;
    s3.create_bucket(BUCKET)?;
    let secret = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": S3_SECRET, "namespace": NAMESPACE },
        // The keys the backup destination's credentials default to.
        "stringData": {
            "AWS_ACCESS_KEY_ID": s3.access_key,
            "AWS_SECRET_ACCESS_KEY": s3.secret_key,
        },
    });
    cp.kubectl_apply_stdin(&secret.to_string())?;
    std::fs::write(
        dir.join("s3.env"),
        format!(
            "S3_ENDPOINT={}\nS3_BUCKET={BUCKET}\nS3_SECRET={S3_SECRET}\n",
            s3.endpoint
        ),
    )?;
    Ok(s3)
}

fn down(dir: &Path) -> anyhow::Result<()> {
    let Some(pid) = running(dir) else {
        eprintln!("simulated cluster is not running");
        return Ok(());
    };
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    if !status.success() {
        bail!("could not signal supervisor {pid}");
    }
    let start = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() {
        if start.elapsed() > Duration::from_secs(30) {
            bail!("supervisor {pid} did not stop in 30s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("simulated cluster stopped");
    Ok(())
}

fn status(dir: &Path) -> anyhow::Result<()> {
    match running(dir) {
        Some(pid) => {
            println!(
                "running (supervisor pid {pid}); KUBECONFIG={}",
                kubeconfig(dir).display()
            );
            Ok(())
        }
        None => {
            println!("not running");
            std::process::exit(1)
        }
    }
}
