//! A psql session that loads SQL into the target database inside one transaction and
//! commits only when told to: the restore commits after the whole archive was read a
//! second time and still has the verified SHA-256, so a database is either fully
//! restored or left empty (a failed psql rolls back when its connection closes).

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
        let mut session = PsqlSession {
            tool,
            stdin,
            stdout: BufReader::new(stdout),
        };
        if session.stdin.write_all(b"BEGIN;\n").is_err() {
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
        // The dump ends with a newline, but a hand-made one may not.
        if write!(self.stdin, "\n\\echo {MARKER}\n").is_err() || self.stdin.flush().is_err() {
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
