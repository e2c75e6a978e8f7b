//! Drops from a plain `pg_dump` script the statements a database owner who is not a
//! superuser cannot run: privileges (`GRANT`/`REVOKE`, default privileges), ownership
//! (`ALTER … OWNER TO`) and `COMMENT ON EXTENSION`, plus `SET transaction_timeout`,
//! which pg_dump 17 writes and older servers reject. The agent restores as the
//! instance's role, and a dump made by another role (Odoo's database manager, another
//! hosting) carries these; with `ON_ERROR_STOP` any of them would fail the restore.
//!
//! The filter works on lines and uses pg_dump's own structure: every object is
//! preceded by a `-- Name: …; Type: …` comment, and table data sits between
//! `COPY … FROM stdin;` and `\.`, where nothing is ever dropped. Only the head of a
//! line is buffered, so a many-megabyte COPY row streams through.
//!
//! It is also the archive's way out of psql closed: every byte psql reads as SQL
//! goes through [`Guard`], which refuses any meta-command (`\!`, `\connect`, …)
//! with an [`UnsafeSql`] error inside the `io::Error` (see [`unsafe_sql`]). pg_dump's
//! own `\restrict KEY` / `\unrestrict KEY` lines are dropped: the session restricts
//! itself with a key of its own. A line is taken for COPY data only after a
//! statement psql certainly runs as `COPY … FROM stdin`, and a `\.` line anywhere
//! else is refused, so psql and the filter never disagree on where data ends.

use std::io::{self, Write};

use crate::sqlguard::{Guard, UnsafeSql};

/// The refusal inside an error the filter returned, if it is one.
pub fn unsafe_sql(e: &io::Error) -> Option<&UnsafeSql> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<UnsafeSql>())
}

fn refusal(e: UnsafeSql) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Lines outside COPY data are buffered up to this length to be classified (COPY
/// headers of wide Odoo tables run to tens of KiB). Longer lines pass untouched.
const HEAD_LIMIT: usize = 1 << 20;
/// Inside COPY data only the end marker `\.` matters.
const COPY_HEAD_LIMIT: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Collecting the head of a line.
    Head,
    /// The rest of the current line is forwarded.
    Pass,
    /// The rest of the current line is dropped.
    Drop,
}

pub struct SqlFilter<W> {
    inner: W,
    head: Vec<u8>,
    mode: Mode,
    in_copy: bool,
    /// Inside a TOC entry (ACL, default ACL, comment on an extension) whose
    /// statements are all dropped.
    skipping_entry: bool,
    dropped: u64,
    guard: Guard,
}

impl<W: Write> SqlFilter<W> {
    pub fn new(inner: W) -> Self {
        SqlFilter {
            inner,
            head: Vec::new(),
            mode: Mode::Head,
            in_copy: false,
            skipping_entry: false,
            dropped: 0,
            guard: Guard::new(),
        }
    }

    /// Forwards a last line without newline and returns the inner writer and the
    /// number of statements dropped.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        if !self.head.is_empty() {
            self.decide(true)?;
        }
        if !self.in_copy {
            self.guard.finish().map_err(refusal)?;
        }
        self.inner.flush()?;
        Ok((self.inner, self.dropped))
    }

    fn decide(&mut self, complete: bool) -> io::Result<()> {
        let line = std::mem::take(&mut self.head);
        let was_copy = self.in_copy;
        let keep = self.classify(&line, complete)?;
        if keep {
            if !was_copy {
                let began = self.guard.at_statement_start();
                let before = self.guard.statements();
                self.guard.feed(&line).map_err(refusal)?;
                if began
                    && self.guard.statements() == before + 1
                    && self.guard.at_statement_start()
                    && is_copy_from_stdin(&line, complete)
                {
                    self.in_copy = true;
                }
            } else if complete {
                self.guard.skip_line();
            }
            self.inner.write_all(&line)?;
        } else {
            self.dropped += 1;
            if complete {
                self.guard.skip_line();
            }
        }
        self.mode = match (complete, keep) {
            (true, _) => Mode::Head,
            (false, true) => Mode::Pass,
            (false, false) => Mode::Drop,
        };
        // Reuse the allocation for the next line.
        self.head = line;
        self.head.clear();
        Ok(())
    }

    /// Whether the line is kept; refuses what psql must not see.
    fn classify(&mut self, line: &[u8], complete: bool) -> io::Result<bool> {
        if self.in_copy {
            if complete && matches!(line, b"\\.\n" | b"\\.\r\n" | b"\\.") {
                self.in_copy = false;
            }
            return Ok(true);
        }
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text == b"\\." {
            // psql would end a COPY here that the filter does not know of.
            return Err(refusal(UnsafeSql {
                line: self.guard.line(),
                reason: "a COPY end marker (\\.) outside COPY data".into(),
            }));
        }
        if !self.guard.at_statement_start() {
            // Inside a statement, a string or a comment: text, whatever it looks like.
            return Ok(true);
        }
        if let Some(header) = text
            .strip_prefix(b"-- Name: ")
            .or_else(|| text.strip_prefix(b"-- Data for Name: "))
        {
            self.skipping_entry = unwanted_entry(header);
            return Ok(true);
        }
        if text.starts_with(b"-- PostgreSQL database dump complete") {
            self.skipping_entry = false;
        }
        if complete && is_restrict_line(text) {
            // pg_dump's own guard; the session sets one with a key of its own.
            return Ok(false);
        }
        if text.is_empty() || text.starts_with(b"--") {
            return Ok(true);
        }
        if self.skipping_entry || text.starts_with(b"SET transaction_timeout") {
            return Ok(false);
        }
        if complete
            && text.starts_with(b"ALTER ")
            && contains(text, b" OWNER TO ")
            && text.ends_with(b";")
            && !text[..text.len() - 1].contains(&b';')
        {
            return Ok(false);
        }
        Ok(true)
    }
}

/// A whole line `COPY … FROM stdin;`, as pg_dump writes table data, whose one `;`
/// is its last byte (so no comment or second statement follows it).
fn is_copy_from_stdin(line: &[u8], complete: bool) -> bool {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    complete
        && text.starts_with(b"COPY ")
        && text.ends_with(b" FROM stdin;")
        && text.iter().filter(|&&b| b == b';').count() == 1
}

/// `\\restrict KEY` or `\\unrestrict KEY`, as pg_dump writes them (KEY alphanumeric).
fn is_restrict_line(text: &[u8]) -> bool {
    let key = text
        .strip_prefix(b"\\restrict ")
        .or_else(|| text.strip_prefix(b"\\unrestrict "));
    key.is_some_and(|k| !k.is_empty() && k.iter().all(u8::is_ascii_alphanumeric))
}

/// `header` is `<name>; Type: <type>; Schema: …; Owner: …`.
fn unwanted_entry(header: &[u8]) -> bool {
    let text = String::from_utf8_lossy(header);
    let mut parts = text.split("; ");
    let name = parts.next().unwrap_or_default();
    let kind = parts
        .find_map(|p| p.strip_prefix("Type: "))
        .unwrap_or_default();
    matches!(kind, "ACL" | "DEFAULT ACL") || (kind == "COMMENT" && name.starts_with("EXTENSION "))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl<W: Write> Write for SqlFilter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            match self.mode {
                Mode::Pass | Mode::Drop => {
                    let end = rest.iter().position(|&b| b == b'\n').map(|i| i + 1);
                    let (this_line, next) = rest.split_at(end.unwrap_or(rest.len()));
                    let lexed = self.mode == Mode::Pass && !self.in_copy;
                    if lexed {
                        // The rest of a long SQL line is SQL too.
                        self.guard.feed(this_line).map_err(refusal)?;
                    }
                    if self.mode == Mode::Pass {
                        self.inner.write_all(this_line)?;
                    }
                    if end.is_some() {
                        if !lexed {
                            self.guard.skip_line();
                        }
                        self.mode = Mode::Head;
                    }
                    rest = next;
                }
                Mode::Head => {
                    let limit = if self.in_copy {
                        COPY_HEAD_LIMIT
                    } else {
                        HEAD_LIMIT
                    };
                    let room = limit.saturating_sub(self.head.len()).min(rest.len());
                    match rest[..room].iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            self.head.extend_from_slice(&rest[..=i]);
                            rest = &rest[i + 1..];
                            self.decide(true)?;
                        }
                        None => {
                            self.head.extend_from_slice(&rest[..room]);
                            rest = &rest[room..];
                            if self.head.len() >= limit {
                                self.decide(false)?;
                            }
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "\
--
-- PostgreSQL database dump
--

\\restrict abc123
SET statement_timeout = 0;
SET transaction_timeout = 0;

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement';


--
-- Name: res_partner; Type: TABLE; Schema: public; Owner: odoo
--

CREATE TABLE public.res_partner (
    id integer NOT NULL,
    name character varying
);


ALTER TABLE public.res_partner OWNER TO odoo;

--
-- Name: TABLE res_partner; Type: COMMENT; Schema: public; Owner: odoo
--

COMMENT ON TABLE public.res_partner IS 'Contact';


--
-- Data for Name: res_partner; Type: TABLE DATA; Schema: public; Owner: odoo
--

COPY public.res_partner (id, name) FROM stdin;
1\tGRANT ALL ON SCHEMA public TO x;
2\tALTER TABLE t OWNER TO y;
-- Name: fake; Type: ACL; Schema: -; Owner: -
\\.


--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

REVOKE USAGE ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO odoo;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: public; Owner: odoo
--

ALTER DEFAULT PRIVILEGES FOR ROLE odoo IN SCHEMA public GRANT SELECT ON TABLES TO report;


--
-- PostgreSQL database dump complete
--

\\unrestrict abc123

";

    fn filter_in_chunks(input: &[u8], chunk: usize) -> (String, u64) {
        let mut f = SqlFilter::new(Vec::new());
        for c in input.chunks(chunk) {
            f.write_all(c).expect("writing to memory");
        }
        let (out, dropped) = f.finish().expect("writing to memory");
        (String::from_utf8_lossy(&out).into_owned(), dropped)
    }

    #[test]
    fn drops_privileges_ownership_and_extension_comments_only() {
        let (out, dropped) = filter_in_chunks(DUMP.as_bytes(), 1 << 16);
        for gone in [
            "COMMENT ON EXTENSION",
            "ALTER TABLE public.res_partner OWNER TO odoo;",
            "REVOKE USAGE",
            "GRANT ALL ON SCHEMA public TO odoo;",
            "ALTER DEFAULT PRIVILEGES",
            "transaction_timeout",
        ] {
            assert!(!out.contains(gone), "{gone:?} survived:\n{out}");
        }
        for gone in ["\\restrict abc123", "\\unrestrict abc123"] {
            assert!(!out.contains(gone), "{gone:?} survived:\n{out}");
        }
        for kept in [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE TABLE public.res_partner",
            "COMMENT ON TABLE public.res_partner IS 'Contact';",
            // COPY data is data, whatever it looks like.
            "1\tGRANT ALL ON SCHEMA public TO x;\n2\tALTER TABLE t OWNER TO y;\n-- Name: fake; Type: ACL; Schema: -; Owner: -\n\\.\n",
        ] {
            assert!(out.contains(kept), "{kept:?} lost:\n{out}");
        }
        assert_eq!(dropped, 8);
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let whole = filter_in_chunks(DUMP.as_bytes(), 1 << 16);
        for chunk in [1, 2, 3, 5, 7, 64] {
            assert_eq!(
                filter_in_chunks(DUMP.as_bytes(), chunk),
                whole,
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn long_copy_rows_stream_through_unchanged() {
        let row = "x".repeat(3 << 20);
        let input = format!("COPY public.t (data) FROM stdin;\n{row}\n\\.\nSELECT 1;\n");
        let (out, dropped) = filter_in_chunks(input.as_bytes(), 8192);
        assert_eq!(out, input);
        assert_eq!(dropped, 0);
    }

    fn refused(input: &str) -> crate::sqlguard::UnsafeSql {
        let mut f = SqlFilter::new(Vec::new());
        let e = f
            .write_all(input.as_bytes())
            .and_then(|()| f.finish().map(|_| ()))
            .expect_err(input);
        unsafe_sql(&e)
            .cloned()
            .unwrap_or_else(|| panic!("{input:?}: {e}"))
    }

    #[test]
    fn meta_commands_never_reach_psql() {
        for (input, line) in [
            ("SELECT 1;\n\\! touch /tmp/x\n", 2),
            ("\\connect live\nDROP TABLE t;\n", 1),
            // Data that psql would not read as data is SQL.
            (
                "SELECT 1;\nCOPY t (a) TO stdout; -- FROM stdin;\n\\! id\n",
                3,
            ),
            ("SELECT (1;\nCOPY t (a) FROM stdin;\n\\! id\n\\.\n);\n", 3),
            ("SELECT '\n\\.\n\\! id\n';\n", 2),
            // The rest of a line longer than the buffered head is lexed too.
            (
                &format!("SELECT '{}'; \\! id\n", "x".repeat(HEAD_LIMIT + 10)),
                1,
            ),
        ] {
            let e = refused(input);
            assert_eq!(e.line, line, "{input:.80}: {e}");
        }
    }

    #[test]
    fn copy_data_that_looks_like_commands_is_data() {
        let input = "COPY public.t (a) FROM stdin;\n\\! not a command\n\\N\n\\.\nSELECT 1;\n";
        let (out, dropped) = filter_in_chunks(input.as_bytes(), 3);
        assert_eq!(out, input);
        assert_eq!(dropped, 0);
        let e = refused("COPY public.t (a) FROM stdin;\nx\n\\.\n\\! id\n");
        assert_eq!(e.line, 4, "{e}");
    }
}
