//! A real, throw-away PostgreSQL server on 127.0.0.1 for the provisioning tests.
//!
//! `initdb` and `postgres` from the newest `/usr/lib/postgresql/<version>/bin`
//! (`hack/prereqs.sh` installs them). TCP logins use SCRAM-SHA-256 with a random
//! superuser password; TLS is on, with a certificate for `localhost` only (not
//! `127.0.0.1`) from a CA of its own, so tests can tell `verify-ca` from
//! `verify-full`. Durability is off: the data is thrown away.
//!
//! PostgreSQL refuses to run as root. As root, the server runs as `nobody` and owns
//! its directory; the same `setpriv` that drops the user also sets the parent-death
//! signal, so the server still dies with the test binary (see [`crate::process`]).

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair};

use crate::process::{free_port, on_spawner_thread, tail};

/// The unprivileged account the server runs as when the tests run as root.
const UNPRIVILEGED_USER: &str = "nobody";

/// A running server. Dropping it stops the server and removes its directory; if the
/// test binary dies instead, the kernel stops the server and the next run sweeps the
/// directory.
pub struct Postgres {
    /// Always `127.0.0.1`.
    pub host: String,
    pub port: u16,
    /// `postgres`.
    pub superuser: String,
    pub password: String,
    /// State: `data/`, the socket, the TLS files and `postgres.log`.
    pub dir: PathBuf,
    /// The CA that issued the server certificate (for `localhost`), PEM.
    pub ca_pem: String,
    /// Where `initdb`, `postgres`, `psql`, `pg_dump` … are.
    pub bin_dir: PathBuf,
    child: Mutex<Option<Child>>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dir", &self.dir)
            .finish()
    }
}

fn run_root() -> PathBuf {
    std::env::temp_dir().join("odoo-operator-postgres")
}

/// The newest installed server's `bin` directory.
pub fn bin_dir() -> anyhow::Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(root)
        .with_context(|| format!("reading {} (run hack/prereqs.sh)", root.display()))?
        .flatten()
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major);
    match newest {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no /usr/lib/postgresql/<version>/bin/initdb; run hack/prereqs.sh (Debian package postgresql)"
        ),
    }
}

/// `(uid, gid)` to run the server as, or `None` when not root.
fn server_account() -> anyhow::Result<Option<(String, String)>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .context("no effective uid in /proc/self/status")?;
    if euid != "0" {
        return Ok(None);
    }
    let id = |flag: &str| -> anyhow::Result<String> {
        let out = Command::new("id")
            .args([flag, UNPRIVILEGED_USER])
            .output()?;
        if !out.status.success() {
            bail!(
                "PostgreSQL cannot run as root and user {UNPRIVILEGED_USER} does not exist: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    };
    Ok(Some((id("-u")?, id("-g")?)))
}

/// `setpriv` that kills `program` when the forking thread dies and, as root, drops to
/// the server account first (the death signal is set after the user change, which
/// would otherwise clear it).
fn setpriv(account: Option<&(String, String)>, program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--pdeathsig", "KILL"]);
    if let Some((uid, gid)) = account {
        cmd.arg(format!("--reuid={uid}"))
            .arg(format!("--regid={gid}"))
            .arg("--clear-groups");
    }
    cmd.arg("--").arg(program);
    // The server's own settings only: nothing from the caller's PG* environment.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd.env("LC_ALL", "C").current_dir(dir).stdin(Stdio::null());
    cmd
}

/// Removes directories of killed test runs, and the small SysV shared-memory segment
/// their killed server left behind.
fn sweep_stale_dirs() {
    for dir in crate::process::orphaned_run_dirs(&run_root()) {
        remove_shared_memory(&dir.join("data"));
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Line 7 of `postmaster.pid` is "<key> <shmid>" of the segment a server killed with
/// SIGKILL cannot remove itself.
fn remove_shared_memory(data: &Path) {
    let Ok(pidfile) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return;
    };
    if let Some(shmid) = pidfile
        .lines()
        .nth(6)
        .and_then(|l| l.split_whitespace().nth(1))
        .filter(|id| id.parse::<u64>().is_ok())
    {
        let _ = Command::new("ipcrm")
            .args(["-m", shmid])
            .stderr(Stdio::null())
            .status();
    }
}

/// A CA and a server certificate for `localhost`.
fn tls_files(dir: &Path) -> anyhow::Result<String> {
    let (ca, _) = crate::pki::certificate_authority("odoo-operator-test-postgres-ca")?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".into()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca)?;
    std::fs::write(dir.join("server.crt"), cert.pem())?;
    std::fs::write(dir.join("server.key"), key.serialize_pem())?;
    // The server refuses a key others can read.
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )?;
    Ok(ca.pem())
}

impl Postgres {
    /// Creates a cluster, starts the server and waits until the superuser can log in
    /// over TCP. Blocking, and must run on the spawner thread; use [`start_guarded`].
    pub fn start() -> anyhow::Result<Postgres> {
        let bin_dir = bin_dir()?;
        let account = server_account()?;
        sweep_stale_dirs();
        static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = run_root().join(format!("{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        let password = odoo_model::password::generate();
        let pwfile = dir.join("pwfile");
        std::fs::File::create(&pwfile)?.write_all(password.as_bytes())?;
        let ca_pem = tls_files(&dir)?;
        if let Some((uid, gid)) = &account {
            let status = Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(&dir)
                .status()?;
            if !status.success() {
                bail!("chown -R {uid}:{gid} {} failed", dir.display());
            }
        }
        let postgres = Postgres {
            host: "127.0.0.1".into(),
            port: free_port(),
            superuser: "postgres".into(),
            password,
            dir,
            ca_pem,
            bin_dir,
            child: Mutex::new(None),
        };
        postgres.initdb(account.as_ref(), &pwfile)?;
        let _ = std::fs::remove_file(&pwfile);
        postgres.spawn_server(account.as_ref())?;
        postgres.wait_ready(Duration::from_secs(60))?;
        Ok(postgres)
    }

    fn initdb(&self, account: Option<&(String, String)>, pwfile: &Path) -> anyhow::Result<()> {
        let out = setpriv(account, &self.bin_dir.join("initdb"), &self.dir)
            .arg("--pgdata")
            .arg(self.dir.join("data"))
            .args(["--username", &self.superuser])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args([
                "--auth-host=scram-sha-256",
                // The socket is in a 0700 directory: only the server account gets there.
                "--auth-local=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ])
            .output()
            .context("running initdb")?;
        if !out.status.success() {
            bail!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    fn spawn_server(&self, account: Option<&(String, String)>) -> anyhow::Result<()> {
        let log = std::fs::File::create(self.log())?;
        let dir = self.dir.display().to_string();
        let child = setpriv(account, &self.bin_dir.join("postgres"), &self.dir)
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-k", &dir, "-h", &self.host, "-p", &self.port.to_string()])
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args(["-c", "synchronous_commit=off"])
            .args(["-c", "ssl=on"])
            .arg("-c")
            .arg(format!("ssl_cert_file={dir}/server.crt"))
            .arg("-c")
            .arg(format!("ssl_key_file={dir}/server.key"))
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting postgres")?;
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
        Ok(())
    }

    fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let start = Instant::now();
        let mut last_error = String::from("nothing listens yet");
        while start.elapsed() < timeout {
            self.check_alive()?;
            if std::net::TcpStream::connect((self.host.as_str(), self.port)).is_ok() {
                match runtime.block_on(self.login()) {
                    Ok(()) => return Ok(()),
                    Err(e) => last_error = format!("{e:#}"),
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "PostgreSQL on port {} not ready after {timeout:?} ({last_error}):\n{}",
            self.port,
            tail(&self.log(), 30)
        )
    }

    /// A real SCRAM login as the superuser over TCP.
    async fn login(&self) -> anyhow::Result<()> {
        let (client, connection) = tokio_postgres::Config::new()
            .host(&self.host)
            .port(self.port)
            .user(&self.superuser)
            .password(&self.password)
            .dbname("postgres")
            .connect_timeout(Duration::from_secs(5))
            .connect(tokio_postgres::NoTls)
            .await?;
        let connection = tokio::spawn(connection);
        client.batch_execute("SELECT 1").await?;
        drop(client);
        let _ = connection.await;
        Ok(())
    }

    /// Fails with the log tail when the server has exited.
    pub fn check_alive(&self) -> anyhow::Result<()> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(status) = child.as_mut().map(Child::try_wait).transpose()?.flatten() {
            bail!("postgres exited with {status}:\n{}", tail(&self.log(), 30));
        }
        Ok(())
    }

    /// The server's log file.
    pub fn log(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// One entry of a pg-clusters `clusters.yaml` for this server, as its superuser.
    /// `host` is usually `127.0.0.1`, or `localhost` for `verify-full`.
    pub fn cluster_yaml(&self, name: &str, host: &str, default: bool, ssl_mode: &str) -> String {
        let ca = self
            .ca_pem
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>();
        format!(
            "{name}:\n  host: {host}\n  port: {port}\n  adminUser: {user}\n  \
             adminPassword: \"{password}\"\n  default: {default}\n  sslMode: {ssl_mode}\n  \
             caCert: |\n{ca}",
            port = self.port,
            user = self.superuser,
            password = self.password,
        )
    }

    /// Stops the server (fast shutdown, so it removes its shared memory; SIGKILL
    /// after 10 s) and removes the directory.
    pub fn stop(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut child) = child.take() {
            // setpriv exec()s postgres, so the child's pid is the postmaster's.
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            remove_shared_memory(&self.dir.join("data"));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a server forked by the spawner thread, so it dies with the test binary.
/// Blocking.
pub fn start_guarded() -> anyhow::Result<Postgres> {
    on_spawner_thread(Postgres::start)
}

/// The server shared by the tests of this test binary, started on first use. Never
/// dropped; the kernel stops it when the binary exits.
pub fn shared_postgres() -> &'static Postgres {
    static PG: OnceLock<&'static Postgres> = OnceLock::new();
    PG.get_or_init(|| {
        let pg = start_guarded().unwrap_or_else(|e| panic!("starting PostgreSQL: {e:#}"));
        Box::leak(Box::new(pg))
    })
}

/// A server of its own, e.g. the target of a migration; stopped when dropped.
pub fn start_another() -> anyhow::Result<Postgres> {
    start_guarded()
}

/// SQL on the shared server as its superuser, for tests that look at databases the
/// operator manages: one place instead of a copy per test file.
pub mod sql {
    use super::shared_postgres;

    /// A client of `db` on the shared server, as the superuser.
    pub async fn superuser(db: &str) -> anyhow::Result<tokio_postgres::Client> {
        let pg = shared_postgres();
        let (client, connection) = tokio_postgres::Config::new()
            .host(&pg.host)
            .port(pg.port)
            .user(&pg.superuser)
            .password(&pg.password)
            .dbname(db)
            .connect(tokio_postgres::NoTls)
            .await?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// The databases the operator derived from `database` for `kind` (`restoring`,
    /// `pre_restore`, `pre_upgrade`, `upgrading`, `verify`): `<database>_<kind>_…`,
    /// with `<database>` cut to fit as the operator cuts it, in name order.
    pub async fn databases_of(database: &str, kind: &str) -> anyhow::Result<Vec<String>> {
        // The operator keeps at least 36 bytes of the name before a suffix.
        let prefix: String = database.chars().take(36).collect();
        let prefix = prefix.replace('_', "\\_");
        databases_like(&format!("{prefix}%\\_{kind}\\_%")).await
    }

    /// The databases whose names are LIKE `pattern`, in name order.
    pub async fn databases_like(pattern: &str) -> anyhow::Result<Vec<String>> {
        let rows = superuser("postgres")
            .await?
            .query(
                "SELECT datname::text FROM pg_database WHERE datname LIKE $1 ORDER BY 1",
                &[&pattern],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The one text value `sql` returns in `db`.
    pub async fn scalar(db: &str, sql: &str) -> anyhow::Result<String> {
        let row = superuser(db).await?.query_one(sql, &[]).await?;
        Ok(row.get(0))
    }
}
