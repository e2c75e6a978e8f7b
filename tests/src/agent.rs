//! Fixtures for the backup agent's tests: an Odoo-like database and filestore on the
//! test PostgreSQL, the real agent binary run with its memory and temporary-disk use
//! sampled, and snapshots to compare a restored database with its source.

use odoo_model::agent::hex;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::postgres::{Postgres, shared_postgres};
use crate::process::on_spawner_thread;

/// Runs a future on a runtime of its own (the tests themselves are synchronous).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a tokio runtime")
        .block_on(f)
}

async fn connect(
    pg: &Postgres,
    user: &str,
    password: &str,
    db: &str,
) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::Config::new()
        .host(&pg.host)
        .port(pg.port)
        .user(user)
        .password(password)
        .dbname(db)
        .connect(tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to {db} as {user}"))?;
    tokio::spawn(connection);
    Ok(client)
}

/// Runs SQL in `db` as the superuser.
pub fn superuser_sql(db: &str, sql: &str) -> anyhow::Result<()> {
    superuser_sql_on(shared_postgres(), db, sql)
}

/// Runs SQL in `db` on `pg` as its superuser.
pub fn superuser_sql_on(pg: &Postgres, db: &str, sql: &str) -> anyhow::Result<()> {
    block_on(async {
        connect(pg, &pg.superuser, &pg.password, db)
            .await?
            .batch_execute(sql)
            .await
            .with_context(|| format!("running in {db}: {sql}"))
    })
}

/// Runs a query in `db` as the superuser; each row's columns as text, joined by `|`.
pub fn superuser_rows(db: &str, sql: &str) -> anyhow::Result<Vec<String>> {
    superuser_rows_on(shared_postgres(), db, sql)
}

/// [`superuser_rows`] on `pg`.
pub fn superuser_rows_on(pg: &Postgres, db: &str, sql: &str) -> anyhow::Result<Vec<String>> {
    block_on(async {
        let client = connect(pg, &pg.superuser, &pg.password, db).await?;
        let rows = client
            .simple_query(sql)
            .await
            .with_context(|| format!("running in {db}: {sql}"))?;
        Ok(rows
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                _ => None,
            })
            .collect())
    })
}

/// A database owned by a role of its own, as the operator provisions an instance.
#[derive(Debug, Clone)]
pub struct Database {
    pub name: String,
    pub role: String,
    pub password: String,
    /// The server it is on.
    pub server: &'static Postgres,
}

impl Database {
    /// A new, empty database owned by `role` (created when missing) on the shared
    /// server.
    pub fn create(prefix: &str, role: &str) -> anyhow::Result<Database> {
        Database::create_on(shared_postgres(), prefix, role)
    }

    /// [`Database::create`] on `server`. The role's password depends only on its
    /// name, so a role of the same name on two servers logs in alike (as the
    /// operator recreates an instance's role on a migration's target).
    pub fn create_on(
        server: &'static Postgres,
        prefix: &str,
        role: &str,
    ) -> anyhow::Result<Database> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!("{prefix}_{}", SEQ.fetch_add(1, Ordering::Relaxed));
        let password = format!("pw-{role}");
        // Tests that run at once may create the same role: the loser of that race
        // sees it exist (duplicate_object) or collide in the catalog (unique_violation).
        superuser_sql_on(
            server,
            "postgres",
            &format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN \
                 CREATE ROLE {role} LOGIN PASSWORD '{password}'; END IF; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
            ),
        )?;
        // Alone: CREATE DATABASE cannot run in the implicit transaction of a batch.
        superuser_sql_on(
            server,
            "postgres",
            &format!("CREATE DATABASE {name} OWNER {role}"),
        )?;
        Ok(Database {
            name,
            role: role.to_owned(),
            password,
            server,
        })
    }

    /// Runs SQL in this database as its owner.
    pub fn sql(&self, sql: &str) -> anyhow::Result<()> {
        let pg = self.server;
        block_on(async {
            connect(pg, &self.role, &self.password, &self.name)
                .await?
                .batch_execute(sql)
                .await
                .with_context(|| format!("running in {}", self.name))
        })
    }

    /// Tables, sequences, a view, a trigger function, indexes and `blobs` rows of
    /// 100 KiB of random bytes, shaped like Odoo's: `ir_module_module` has installed
    /// and other modules, `ir_attachment` a bytea column.
    pub fn populate_odoo_like(&self, blobs: u32) -> anyhow::Result<()> {
        self.sql(&format!(
            "CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar NOT NULL UNIQUE,
                 state varchar, latest_version varchar);
             INSERT INTO ir_module_module (name, state, latest_version) VALUES
                 ('base', 'installed', '17.0.1.3'), ('web', 'installed', '17.0.1.0'),
                 ('sale', 'installed', '17.0.1.2'), ('crm', 'uninstalled', NULL),
                 ('account', 'to install', NULL);
             CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar NOT NULL,
                 email varchar, comment text, write_date timestamp);
             CREATE FUNCTION touch_write_date() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN NEW.write_date := '2024-01-01'; RETURN NEW; END $$;
             CREATE TRIGGER res_partner_touch BEFORE INSERT ON res_partner
                 FOR EACH ROW EXECUTE FUNCTION touch_write_date();
             INSERT INTO res_partner (name, email, comment)
                 SELECT 'Partner ' || g, 'p' || g || '@example.com', repeat(md5(g::text), 3)
                 FROM generate_series(1, 40000) g;
             CREATE INDEX res_partner_email_idx ON res_partner (email);
             SELECT setval('res_partner_id_seq', 50000);
             CREATE SEQUENCE sale_order_name_seq START 1000 INCREMENT 7;
             CREATE TABLE sale_order (id bigserial PRIMARY KEY,
                 name varchar DEFAULT 'SO' || nextval('sale_order_name_seq'),
                 partner_id int REFERENCES res_partner (id), amount numeric(12, 2));
             INSERT INTO sale_order (partner_id, amount)
                 SELECT (g % 40000) + 1, g * 1.5 FROM generate_series(1, 20000) g;
             CREATE VIEW big_orders AS SELECT * FROM sale_order WHERE amount > 1000;
             CREATE TABLE ir_attachment (id serial PRIMARY KEY, name varchar,
                 store_fname varchar, db_datas bytea);
             INSERT INTO ir_attachment (name, db_datas)
                 SELECT 'blob ' || g, (SELECT decode(string_agg(md5(random()::text || g || i), ''), 'hex')
                                       FROM generate_series(1, 6400) i)
                 FROM generate_series(1, {blobs}) g;"
        ))
    }

    /// Row count and content digest of every table, and every sequence's state.
    pub fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let pg = self.server;
        block_on(async {
            let client = connect(pg, &pg.superuser, &pg.password, &self.name).await?;
            let mut snapshot = Snapshot::default();
            let tables = client
                .query(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                    &[],
                )
                .await?;
            for row in tables {
                let table: String = row.get(0);
                let row = client
                    .query_one(
                        &format!(
                            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) \
                             FROM public.\"{table}\" t"
                        ),
                        &[],
                    )
                    .await?;
                snapshot.tables.insert(table, (row.get(0), row.get(1)));
            }
            for row in client
                .query(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'",
                    &[],
                )
                .await?
            {
                snapshot.sequences.insert(row.get(0), row.get(1));
            }
            Ok(snapshot)
        })
    }

    /// Tables in the public schema.
    pub fn table_count(&self) -> anyhow::Result<usize> {
        Ok(self.snapshot()?.tables.len())
    }

    /// Connection flags and environment for the agent, as this database's owner.
    pub fn agent_args(&self) -> (Vec<String>, Vec<(String, String)>) {
        let pg = self.server;
        let args = [
            "--pg-host",
            &pg.host,
            "--pg-port",
            &pg.port.to_string(),
            "--pg-user",
            &self.role,
            "--pg-database",
            &self.name,
            "--pg-sslmode",
            "require",
        ]
        .map(str::to_owned)
        .to_vec();
        (args, vec![("PGPASSWORD".into(), self.password.clone())])
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    /// table → (rows, md5 of the sorted rows)
    pub tables: BTreeMap<String, (i64, String)>,
    /// sequence → last value (None before the first nextval)
    pub sequences: BTreeMap<String, Option<i64>>,
}

/// xorshift64*: incompressible test content without a dependency.
fn random_bytes(seed: &mut u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `files` files of 1–20 KiB random content in Odoo's layout: `ab/abcdef…`, named
/// after a hash of the content. Returns the total size.
pub fn make_filestore(dir: &Path, files: usize, seed: u64) -> anyhow::Result<u64> {
    let mut state = seed | 1;
    let mut total = 0;
    for i in 0..files {
        let len = 1024 + (random_bytes(&mut state, 2)[0] as usize * 19 * 1024 / 255);
        let mut content = random_bytes(&mut state, len);
        content.extend_from_slice(&(i as u64).to_le_bytes());
        let name = hex(&Sha256::digest(&content));
        let name = &name[..40];
        let path = dir.join(&name[..2]).join(name);
        std::fs::create_dir_all(path.parent().context("no parent")?)?;
        std::fs::write(&path, &content)?;
        total += content.len() as u64;
    }
    Ok(total)
}

/// Relative path → SHA-256 of every file under `dir`.
pub fn checksums(dir: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry.path().strip_prefix(dir)?.display().to_string();
                out.insert(rel, hex(&Sha256::digest(std::fs::read(entry.path())?)));
            }
        }
    }
    Ok(out)
}

/// One run of the agent binary.
#[derive(Debug)]
pub struct AgentRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set (VmHWM), KiB.
    pub peak_rss_kib: u64,
    /// Largest total size seen in the watched directory (TMPDIR and working dir).
    pub max_watched_bytes: u64,
    pub elapsed: Duration,
}

impl AgentRun {
    /// The result line's detail (the report, or the failure's `error` and
    /// `target_touched`), with the line's `command` and `outcome` added to it.
    pub fn report(&self) -> serde_json::Value {
        let line = self.stdout.lines().last().unwrap_or_default();
        let message: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "no JSON result line ({e}); stdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        });
        let mut detail = message["detail"].clone();
        if let Some(d) = detail.as_object_mut() {
            d.insert("command".into(), message["command"].clone());
            d.insert("outcome".into(), message["outcome"].clone());
        }
        detail
    }

    pub fn assert_success(&self) -> serde_json::Value {
        assert!(
            self.status.success(),
            "agent failed ({}):\n{}",
            self.status,
            self.stderr
        );
        self.report()
    }

    /// Memory and disk figures, for `--nocapture`.
    pub fn figures(&self, what: &str) -> String {
        format!(
            "{what}: {:.2}s, peak RSS {:.1} MiB, max temporary disk {} KiB",
            self.elapsed.as_secs_f64(),
            self.peak_rss_kib as f64 / 1024.0,
            self.max_watched_bytes / 1024
        )
    }
}

/// The agent binary, `odoo-agent`.
pub fn agent_binary() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| crate::workspace_binary("odoo-agent", "odoo-agent"))
        .clone()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Runs `odoo-agent ARGS` with only `env` (plus PATH with the PostgreSQL
/// client tools first, and TMPDIR and the working directory set to `watch`), tied
/// to this process's life, sampling its peak RSS and `watch`'s size until it exits.
pub fn run_agent(args: &[String], env: &[(String, String)], watch: &Path) -> AgentRun {
    run_agent_observed(args, env, watch, &|_| {})
}

/// [`run_agent`], calling `observe(pid)` every 10 ms while the agent runs (to signal
/// it, or break something under it).
pub fn run_agent_observed(
    args: &[String],
    env: &[(String, String)],
    watch: &Path,
    observe: &dyn Fn(u32),
) -> AgentRun {
    let bin = agent_binary();
    let pg_bin = crate::postgres::bin_dir().expect("PostgreSQL client tools");
    let path = format!(
        "{}:{}",
        pg_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::fs::create_dir_all(watch).expect("creating the watched directory");
    let mut cmd = Command::new("setpriv");
    cmd.args(["--pdeathsig", "KILL", "--"])
        .arg(&bin)
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("TMPDIR", watch)
        .env("RUST_LOG", "info")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(watch)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = on_spawner_thread(move || cmd.spawn()).expect("starting the agent");
    let pid = child.id();
    let read_all = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr")));
    let (mut peak, mut max_watched) = (0, 0);
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        max_watched = max_watched.max(crate::s3::du(watch));
        if let Some(status) = child.try_wait().expect("waiting for the agent") {
            break status;
        }
        observe(pid);
        std::thread::sleep(Duration::from_millis(10));
    };
    AgentRun {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        peak_rss_kib: peak,
        max_watched_bytes: max_watched,
        elapsed: started.elapsed(),
    }
}

/// `s` as owned strings.
pub fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| (*s).to_owned()).collect()
}
