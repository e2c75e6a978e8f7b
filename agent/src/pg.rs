//! PostgreSQL through its own client tools (`pg_dump`, `psql`, `pg_restore`) from the
//! job's image, whose major version the operator matched to the server. Going through
//! libpq everywhere, queries included, means one connection setup (TLS modes, CA
//! file, password from `PGPASSWORD`) for every step.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use odoo_model::agent::PgConnection;

/// How much of a tool's stderr is kept for the error message.
const STDERR_TAIL: usize = 8 * 1024;

/// The tools' connection to one database: the request's, with where the tools are.
/// The password is never part of it: libpq reads `PGPASSWORD` from the
/// environment, which the tools inherit, unless the connection has its own.
#[derive(Debug, Clone)]
pub struct PgArgs {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// The database a command works on.
    pub database: String,
    pub sslmode: odoo_model::SslMode,
    pub sslrootcert: Option<PathBuf>,
    /// Directory of pg_dump, psql and pg_restore; found on PATH when unset.
    pub bin_dir: Option<PathBuf>,
    /// A password of its own (the other side of a copy); PGPASSWORD otherwise.
    pub password: Option<String>,
}

/// Where the PostgreSQL client tools are: this machine's, not the request's.
#[derive(clap::Args, Debug, Clone)]
pub struct PgTools {
    /// Directory of pg_dump, psql and pg_restore; found on PATH when unset.
    #[arg(long = "pg-bin-dir", env = "ODOO_AGENT_PG_BIN_DIR")]
    pub bin_dir: Option<PathBuf>,
}

impl PgTools {
    /// The tools' connection to `to`.
    pub fn connect(&self, to: &PgConnection) -> PgArgs {
        PgArgs {
            host: to.host.clone(),
            port: to.port,
            user: to.user.clone(),
            database: to.database.clone(),
            sslmode: to.sslmode,
            sslrootcert: to.sslrootcert.clone(),
            bin_dir: self.bin_dir.clone(),
            password: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PgToolError {
    #[error("starting {tool}: {source} (is postgresql-client installed in the job image?)")]
    Spawn {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} failed ({status}): {stderr}")]
    Failed {
        tool: &'static str,
        status: ExitStatus,
        stderr: String,
    },
    #[error("waiting for {tool}: {source}")]
    Wait {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: unexpected psql output {output:?}")]
    ParseOutput { what: &'static str, output: String },
}

impl PgArgs {
    /// A tool's command with the connection in its environment (libpq's own
    /// variables, so no value ever appears in a process listing).
    pub fn command(&self, tool: &str) -> Command {
        let program = match &self.bin_dir {
            Some(dir) => dir.join(tool),
            None => PathBuf::from(tool),
        };
        let mut cmd = Command::new(program);
        cmd.env("PGHOST", &self.host)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", &self.user)
            .env("PGDATABASE", &self.database)
            .env("PGSSLMODE", self.sslmode.as_str())
            .env("PGAPPNAME", "odoo-agent")
            .env("PGCONNECT_TIMEOUT", "30");
        if let Some(ca) = &self.sslrootcert {
            cmd.env("PGSSLROOTCERT", ca);
        }
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        cmd
    }

    /// Runs one query through psql and returns its single unaligned output line.
    ///
    /// The session's `search_path` is pinned to `pg_catalog`: the database's owner
    /// (a tenant, or an archive) can `ALTER DATABASE … SET search_path` and put
    /// functions of its own (`to_regclass`, `count`) before the system's, so the
    /// queries name Odoo's tables as `public.…` and find every function in the
    /// catalog.
    pub fn query_one(&self, what: &'static str, sql: &str) -> Result<String, PgToolError> {
        let mut cmd = self.command("psql");
        cmd.env("PGOPTIONS", "-c search_path=pg_catalog");
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]);
        let tool = Tool::spawn("psql", cmd, false, true)?;
        let mut tool = tool;
        let mut out = String::new();
        if let Some(mut stdout) = tool.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        tool.finish()?;
        let line = out.trim();
        if line.is_empty() || line.contains('\n') {
            return Err(PgToolError::ParseOutput { what, output: out });
        }
        Ok(line.to_owned())
    }

    /// The server's version (`server_version_num`, `server_version`).
    pub fn server_version(&self) -> Result<(u32, String), PgToolError> {
        let what = "reading the server version";
        let line = self.query_one(
            what,
            "SELECT current_setting('server_version_num') || ' ' || current_setting('server_version')",
        )?;
        let bad = || PgToolError::ParseOutput {
            what,
            output: line.clone(),
        };
        let (num, text) = line.split_once(' ').ok_or_else(bad)?;
        let num = num.parse().map_err(|_| bad())?;
        // "15.14 (Debian 15.14-0+deb12u1)" → "15.14"
        let short = text.split_whitespace().next().unwrap_or(text).to_owned();
        Ok((num, short))
    }

    /// Installed modules and their versions, as Odoo's manifest lists them.
    pub fn installed_modules(&self) -> Result<BTreeMap<String, Option<String>>, PgToolError> {
        let what = "reading the installed modules from ir_module_module";
        // A database Odoo never initialized has no module table: it is still backed
        // up, with an empty module list rather than not at all.
        let present = self.query_one(
            what,
            "SELECT to_regclass('public.ir_module_module') IS NOT NULL",
        )?;
        if present.trim() != "t" {
            return Ok(BTreeMap::new());
        }
        let line = self.query_one(
            what,
            "SELECT coalesce(json_object_agg(name, latest_version ORDER BY name), '{}') \
             FROM public.ir_module_module WHERE state = 'installed'",
        )?;
        serde_json::from_str(&line).map_err(|_| PgToolError::ParseOutput { what, output: line })
    }

    /// What the database holds after a load, for the restore's report: the number of
    /// tables, exact row counts of the largest (by size on disk), and the installed
    /// version of `base`. Table names are `schema.table`, as the operator's own
    /// inventory names them; the operator recounts them itself.
    pub fn loaded(&self) -> Result<odoo_model::agent::Loaded, PgToolError> {
        let what = "counting what the load wrote";
        let sql = format!(
            "WITH t AS (SELECT schemaname, tablename FROM pg_tables \
                        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')), \
             largest AS (SELECT schemaname, tablename FROM t \
                         ORDER BY pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass) DESC, \
                                  schemaname, tablename \
                         LIMIT {limit}) \
             SELECT json_build_object( \
               'tables', (SELECT count(*) FROM t), \
               'largest', coalesce((SELECT json_agg(json_build_object( \
                   'table', schemaname || '.' || tablename, \
                   'rows', (xpath('/row/c/text()', query_to_xml( \
                       format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename), \
                       false, true, '')))[1]::text::bigint)) FROM largest), '[]'::json), \
               'base_version', CASE WHEN to_regclass('public.ir_module_module') IS NULL THEN NULL ELSE \
                   (xpath('/row/v/text()', query_to_xml( \
                       'SELECT max(latest_version) AS v FROM public.ir_module_module \
                        WHERE name = ''base'' AND state = ''installed''', \
                       false, true, '')))[1]::text END)",
            limit = odoo_model::agent::Loaded::LARGEST
        );
        let line = self.query_one(what, &sql)?;
        serde_json::from_str(&line).map_err(|_| PgToolError::ParseOutput { what, output: line })
    }

    /// Number of relations, types and functions outside the system schemas: zero for
    /// a freshly created database.
    pub fn user_object_count(&self) -> Result<u64, PgToolError> {
        let what = "checking the target database is empty";
        let line = self.query_one(
            what,
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
                        AND n.nspname NOT LIKE 'pg_toast%') \
                  + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))",
        )?;
        line.parse()
            .map_err(|_| PgToolError::ParseOutput { what, output: line })
    }
}

/// A running client tool: its stdin/stdout as requested, stderr collected in the
/// background (forwarded to ours, the tail kept for the error message). Killed when
/// dropped unfinished, so a failed pipeline leaves no pg_dump running.
pub struct Tool {
    pub name: &'static str,
    child: Child,
    pub stdin: Option<ChildStdin>,
    pub stdout: Option<ChildStdout>,
    stderr: Option<JoinHandle<()>>,
    tail: Arc<Mutex<Vec<u8>>>,
    finished: bool,
}

impl Tool {
    pub fn spawn(
        name: &'static str,
        mut cmd: Command,
        stdin: bool,
        stdout: bool,
    ) -> Result<Tool, PgToolError> {
        let piped = |yes: bool| if yes { Stdio::piped() } else { Stdio::null() };
        cmd.stdin(piped(stdin))
            .stdout(piped(stdout))
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|source| PgToolError::Spawn { tool: name, source })?;
        let tail = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().map(|mut err| {
            let tail = tail.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let _ = std::io::stderr().write_all(&buf[..n]);
                    let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                    t.extend_from_slice(&buf[..n]);
                    if t.len() > STDERR_TAIL {
                        let cut = t.len() - STDERR_TAIL;
                        t.drain(..cut);
                    }
                }
            })
        });
        Ok(Tool {
            name,
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            child,
            stderr,
            tail,
            finished: false,
        })
    }

    /// Closes stdin, waits, and fails with the tool's own words on a non-zero exit.
    pub fn finish(mut self) -> Result<(), PgToolError> {
        drop(self.stdin.take());
        drop(self.stdout.take());
        let status = self.child.wait().map_err(|source| PgToolError::Wait {
            tool: self.name,
            source,
        })?;
        self.finished = true;
        if let Some(h) = self.stderr.take() {
            let _ = h.join();
        }
        if status.success() {
            return Ok(());
        }
        let tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        Err(PgToolError::Failed {
            tool: self.name,
            status,
            stderr: redacted(String::from_utf8_lossy(&tail).trim()),
        })
    }
}

/// Longest tool message kept for a report: job status, events and callbacks carry it.
const MESSAGE_LIMIT: usize = 2000;

/// A tool's stderr as a report may carry it: the tenant's data that PostgreSQL
/// quotes in errors (a COPY row, a failing row, a duplicate key's value, an input
/// that did not parse) is withheld, and only the last [`MESSAGE_LIMIT`] bytes are
/// kept. The whole stderr stays in the pod's log.
pub fn redacted(stderr: &str) -> String {
    let lines: Vec<String> = stderr.lines().map(redact_line).collect();
    let text = lines.join("\n");
    if text.len() <= MESSAGE_LIMIT {
        return text;
    }
    let mut cut = text.len() - MESSAGE_LIMIT;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    format!("…{}", &text[cut..])
}

fn redact_line(line: &str) -> String {
    const WITHHELD: &str = "(data withheld)";
    if let Some(at) = line.find("Failing row contains (") {
        return format!("{}Failing row contains {WITHHELD}", &line[..at]);
    }
    // `Key (email)=(a@example.com) already exists.`
    if let (Some(start), Some(end)) = (line.find(")=("), line.rfind(')'))
        && end > start + 2
    {
        return format!("{})={WITHHELD}{}", &line[..start], &line[end + 1..]);
    }
    // `CONTEXT:  COPY t, line 3: "…"`, `invalid input syntax for type integer: "…"`:
    // data follows a colon in quotes; identifiers (`relation "t"`) do not.
    match line.find(": \"") {
        Some(at) => format!("{}: {WITHHELD}", &line[..at]),
        None => line.to_owned(),
    }
}

impl Drop for Tool {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A tool's stdout whose end reports the tool's exit: a pg_dump that fails halfway
/// ends its output early, and this turns that end into the read error it is, before
/// anything is made of the partial output.
pub struct ToolOutput {
    stdout: ChildStdout,
    tool: Option<Tool>,
}

impl Tool {
    /// The tool's stdout (spawned with `stdout: true`) as a checked reader.
    pub fn into_output(mut self) -> Result<ToolOutput, PgToolError> {
        match self.stdout.take() {
            Some(stdout) => Ok(ToolOutput {
                stdout,
                tool: Some(self),
            }),
            None => Err(PgToolError::ParseOutput {
                what: self.name,
                output: "no stdout pipe".into(),
            }),
        }
    }
}

impl Read for ToolOutput {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.stdout.read(buf)?;
        if n == 0
            && !buf.is_empty()
            && let Some(tool) = self.tool.take()
        {
            tool.finish().map_err(std::io::Error::other)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn tenant_data_in_errors_is_withheld() {
        let stderr = "psql:<stdin>:40: ERROR:  duplicate key value violates unique constraint \"res_partner_email_key\"\n\
DETAIL:  Key (email)=(jane@example.com) already exists.\n\
CONTEXT:  COPY res_partner, line 2: \"2\tJane Doe\tjane@example.com\"\n\
ERROR:  new row for relation \"t\" violates check constraint \"c\"\n\
DETAIL:  Failing row contains (7, secret salary 9000).\n\
ERROR:  invalid input syntax for type integer: \"4111 1111 1111 1111\"\n\
ERROR:  relation \"ir_cron\" does not exist";
        let out = redacted(stderr);
        for secret in ["jane@example.com", "Jane Doe", "secret salary", "4111"] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
        for kept in [
            "res_partner_email_key",
            "Key (email)=(data withheld) already exists.",
            "COPY res_partner, line 2: (data withheld)",
            "relation \"ir_cron\" does not exist",
            "violates check constraint \"c\"",
        ] {
            assert!(out.contains(kept), "{kept} lost:\n{out}");
        }
        let long = "ERROR:  x\n".repeat(1000);
        assert!(redacted(&long).len() <= 2000 + "…".len());
    }
}
