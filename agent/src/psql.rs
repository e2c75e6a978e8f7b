//! A psql session that loads SQL into the target database inside one transaction and
//! commits only when told to: the restore commits after the whole archive was read a
//! second time and still has the verified SHA-256, so a database is either fully
//! restored or left empty (a failed psql rolls back when its connection closes).
//!
//! The archive's text never reaches psql as commands: the filter refuses every
//! meta-command, and where the client has it (17.6, 16.10, 15.14, 14.19, 13.22 and
//! later) the session runs under psql's own `\restrict` with a key the archive
//! cannot know, lifted only around the agent's own `\echo`.

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout};

use super::pg::{PgArgs, PgToolError, Tool};
use super::sqlfilter::SqlFilter;

/// psql prints this (through `\echo`, on stdout; query results go to /dev/null)
/// once it executed everything sent before it.
const MARKER: &str = "odoo-operator-agent-sync";

pub struct PsqlSession {
    tool: Tool,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The `\restrict` key in force, when the client supports it.
    restrict_key: Option<String>,
}

/// Whether psql's `--version` line names a release with `\restrict`.
pub fn supports_restrict(version_line: &str) -> bool {
    let Some(version) = version_line
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    else {
        return false;
    };
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    match major {
        18.. => true,
        17 => minor >= 6,
        16 => minor >= 10,
        15 => minor >= 14,
        14 => minor >= 19,
        13 => minor >= 22,
        _ => false,
    }
}

fn client_supports_restrict(pg: &PgArgs) -> bool {
    pg.command("psql")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| supports_restrict(&String::from_utf8_lossy(&o.stdout)))
}

impl PsqlSession {
    pub fn start(pg: &PgArgs) -> Result<PsqlSession, PgToolError> {
        let mut cmd = pg.command("psql");
        cmd.args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-o",
            "/dev/null",
            "-f",
            "-",
        ]);
        let mut tool = Tool::spawn("psql", cmd, true, true)?;
        let (Some(stdin), Some(stdout)) = (tool.stdin.take(), tool.stdout.take()) else {
            return Err(tool.finish().err().unwrap_or(PgToolError::ParseOutput {
                what: "starting psql",
                output: "no pipes".into(),
            }));
        };
        let restrict_key = client_supports_restrict(pg).then(odoo_model::password::generate);
        let mut session = PsqlSession {
            tool,
            stdin,
            stdout: BufReader::new(stdout),
            restrict_key,
        };
        if session.restrict_key.is_none() {
            tracing::warn!(
                "this psql has no \\restrict; the archive's SQL is guarded by the agent's filter alone"
            );
        }
        let restrict = session.restrict_line();
        if writeln!(session.stdin, "{restrict}BEGIN;").is_err() {
            return Err(session.failure());
        }
        Ok(session)
    }

    /// Where the SQL goes, through the filter that drops what a non-superuser owner
    /// cannot run. Finish the filter before [`PsqlSession::sync`].
    pub fn sql(&mut self) -> SqlFilter<&mut ChildStdin> {
        SqlFilter::new(&mut self.stdin)
    }

    /// Waits until psql executed everything sent so far; fails with psql's own
    /// error when a statement failed.
    pub fn sync(mut self) -> Result<PsqlSession, PgToolError> {
        // The dump ends with a newline, but a hand-made one may not. The key
        // changes each time, so no text sent before can lift the next one.
        let unrestrict = match &self.restrict_key {
            Some(key) => format!("\\unrestrict {key}\n"),
            None => String::new(),
        };
        if self.restrict_key.is_some() {
            self.restrict_key = Some(odoo_model::password::generate());
        }
        let restrict = self.restrict_line();
        if write!(self.stdin, "\n{unrestrict}\\echo {MARKER}\n{restrict}").is_err()
            || self.stdin.flush().is_err()
        {
            return Err(self.failure());
        }
        let mut line = String::new();
        loop {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return Err(self.failure()),
                Ok(_) if line.trim_end() == MARKER => return Ok(self),
                Ok(_) => {}
            }
        }
    }

    fn restrict_line(&self) -> String {
        match &self.restrict_key {
            Some(key) => format!("\\restrict {key}\n"),
            None => String::new(),
        }
    }

    pub fn commit(mut self) -> Result<(), PgToolError> {
        if self.stdin.write_all(b"COMMIT;\n").is_err() {
            return Err(self.failure());
        }
        let session = self.sync()?;
        drop(session.stdin);
        drop(session.stdout);
        session.tool.finish()
    }

    /// psql's own account of why it stopped taking input.
    pub fn failure(self) -> PgToolError {
        drop(self.stdin);
        drop(self.stdout);
        match self.tool.finish() {
            Err(e) => e,
            Ok(()) => PgToolError::ParseOutput {
                what: "loading SQL",
                output: "psql exited early without an error".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::supports_restrict;

    #[test]
    fn restrict_is_known_by_release() {
        for (line, yes) in [
            ("psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", true),
            ("psql (PostgreSQL) 15.13", false),
            ("psql (PostgreSQL) 17.6", true),
            ("psql (PostgreSQL) 16.9", false),
            ("psql (PostgreSQL) 18.1", true),
            ("psql (PostgreSQL) 12.22", false),
            ("garbage", false),
        ] {
            assert_eq!(supports_restrict(line), yes, "{line}");
        }
    }
}
