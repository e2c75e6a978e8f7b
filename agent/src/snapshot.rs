//! A read-only transaction whose snapshot pg_dump shares (`--snapshot`): rows
//! counted in it are exactly the rows the dump holds, whatever is written to the
//! database meanwhile. A backup verified by a restore compares the scratch
//! database with these counts.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use super::pg::{PgArgs, PgToolError};

/// Every table's exact rows as one JSON object, `schema.table` → rows, named as
/// the operator's own inventory names them.
const COUNT_ROWS: &str = "SELECT coalesce(json_object_agg(schemaname || '.' || tablename, \
     (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename), \
     false, true, '')))[1]::text::bigint), '{}') \
     FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');";

/// The open transaction; it must stay open until pg_dump has started.
pub struct Snapshot {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The exported snapshot, for `pg_dump --snapshot`.
    pub id: String,
}

impl Snapshot {
    /// Opens the transaction and exports its snapshot.
    pub fn export(pg: &PgArgs) -> Result<Snapshot, PgToolError> {
        let mut cmd = pg.command("psql");
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| PgToolError::Spawn {
            tool: "psql",
            source,
        })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(PgToolError::ParseOutput {
                what: "exporting a snapshot",
                output: "psql without pipes".into(),
            });
        };
        let mut snapshot = Snapshot {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            id: String::new(),
        };
        snapshot.id = snapshot.ask(
            "exporting a snapshot",
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();",
        )?;
        Ok(snapshot)
    }

    /// Every table's rows in the snapshot.
    pub fn count_rows(&mut self) -> Result<BTreeMap<String, i64>, PgToolError> {
        let what = "counting rows in the dump's snapshot";
        let line = self.ask(what, COUNT_ROWS)?;
        serde_json::from_str(&line).map_err(|_| PgToolError::ParseOutput { what, output: line })
    }

    /// Ends the transaction (after pg_dump finished).
    pub fn close(mut self) -> Result<(), PgToolError> {
        let _ = self.stdin.write_all(b"COMMIT;\n");
        drop(self.stdin);
        let status = self.child.wait().map_err(|source| PgToolError::Spawn {
            tool: "psql",
            source,
        })?;
        if status.success() {
            Ok(())
        } else {
            Err(PgToolError::ParseOutput {
                what: "closing the snapshot",
                output: format!("psql exited with {status}"),
            })
        }
    }

    /// Sends `sql` and reads the one line it prints.
    fn ask(&mut self, what: &'static str, sql: &str) -> Result<String, PgToolError> {
        let sent = writeln!(self.stdin, "{sql}").and_then(|()| self.stdin.flush());
        let mut line = String::new();
        let read = sent.and_then(|()| self.stdout.read_line(&mut line));
        match read {
            Ok(n) if n > 0 && !line.trim().is_empty() => Ok(line.trim().to_owned()),
            _ => {
                let _ = self.child.kill();
                let mut stderr = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = e.read_to_string(&mut stderr);
                }
                Err(PgToolError::ParseOutput {
                    what,
                    output: stderr.trim().to_owned(),
                })
            }
        }
    }
}
