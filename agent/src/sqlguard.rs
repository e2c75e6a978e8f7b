//! Follows SQL text the way psql's own lexer reads it, to find psql meta-commands
//! (`\!`, `\connect`, `\copy … to program`, `\set x \`cmd\``) before psql sees them.
//! An archive is a tenant's text: a meta-command in it would run in the load pod
//! (a shell, another database) with the pod's rights, so any backslash that psql
//! would read as a command is refused, wherever it sits on a line.
//!
//! psql treats a backslash as a command outside quoted strings, quoted identifiers,
//! dollar quotes and comments. The guard tracks exactly those states and fails
//! closed where its reading and psql's could differ:
//!
//! - `\'` inside a single-quoted string is refused: whether it ends the string
//!   depends on `standard_conforming_strings`, which the SQL itself can change;
//! - a `$` that could open a dollar quote right after a word that starts with a digit
//!   is refused (psql's number rules differ between versions);
//! - the text must end outside every quote and comment, so what the agent sends
//!   after it is read as the agent meant it.
//!
//! COPY data is not SQL and is not given to the guard (see `sqlfilter`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Normal,
    /// `'…'`, `E'…'`, `U&'…'` and the like.
    Quote,
    /// `"…"`.
    Ident,
    /// Inside `$tag$ … $tag$`; the tag without its dollars.
    Dollar(Vec<u8>),
    /// `-- …` up to the end of the line.
    LineComment,
    /// `/* … */`, nested.
    Block(u32),
}

/// Where the previous byte left a word, for the `$` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    None,
    /// An identifier or keyword: `$` continues it. One right after a `.` may
    /// also be the end of a number (`1.e`), where a `$` would open a dollar quote.
    Ident {
        after_dot: bool,
    },
    /// A word that began with a digit.
    Number,
}

/// Why SQL text cannot be given to psql.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeSql {
    /// 1-based line of the SQL text (of `dump.sql` in a zip).
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for UnsafeSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the archive's SQL, line {}: {}; refusing it (psql would run it as a client command, with the load pod's rights)",
            self.line, self.reason
        )
    }
}

impl std::error::Error for UnsafeSql {}

#[derive(Debug)]
pub struct Guard {
    state: State,
    word: Word,
    /// The previous byte, for two-byte tokens (`--`, `/*`, `*/`, `\'`).
    prev: u8,
    /// Bytes of a possible dollar-quote delimiter seen so far (after its `$`).
    delimiter: Option<Vec<u8>>,
    /// When `delimiter` began right after a digit-started word.
    delimiter_after_number: bool,
    /// Inside a dollar quote: how far the closing `$tag$` has matched.
    closing: usize,
    line: u64,
    /// Only whitespace and comments since the last statement ended.
    statement_start: bool,
    /// Statements ended so far (a `;` psql sends on).
    statements: u64,
    /// Open parentheses: a `;` inside them does not end a statement.
    parens: u32,
    /// `BEGIN … END` depth of a `CREATE FUNCTION … BEGIN ATOMIC` body, counted as
    /// psql counts it but for every statement that has the word `create`: never
    /// less than psql's count, so a statement never ends here before it ends there.
    begin_depth: u32,
    create_seen: bool,
    /// The identifier being read, lower-cased, up to 8 bytes.
    word_text: Vec<u8>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            state: State::Normal,
            word: Word::None,
            prev: b'\n',
            delimiter: None,
            delimiter_after_number: false,
            closing: 0,
            line: 1,
            statement_start: true,
            statements: 0,
            parens: 0,
            begin_depth: 0,
            create_seen: false,
            word_text: Vec::new(),
        }
    }
}

fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn ident_cont(b: u8) -> bool {
    ident_start(b) || b.is_ascii_digit()
}

impl Guard {
    pub fn new() -> Self {
        Self::default()
    }

    /// The line the next byte belongs to.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Outside every quote and comment, with no statement begun: where a line that
    /// starts a statement (a COPY) is read by psql as one.
    pub fn at_statement_start(&self) -> bool {
        self.state == State::Normal && self.delimiter.is_none() && self.statement_start
    }

    /// Statements ended so far.
    pub fn statements(&self) -> u64 {
        self.statements
    }

    /// Outside every quote and comment (a line comment ends with its line).
    pub fn outside_quotes(&self) -> bool {
        matches!(self.state, State::Normal | State::LineComment) && self.delimiter.is_none()
    }

    /// Counts lines the caller passes over without lexing (COPY data, dropped lines).
    pub fn skip_line(&mut self) {
        self.line += 1;
        self.prev = b'\n';
        self.end_word();
        if self.state == State::LineComment {
            self.state = State::Normal;
        }
    }

    fn refuse(&self, reason: impl Into<String>) -> UnsafeSql {
        UnsafeSql {
            line: self.line,
            reason: reason.into(),
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), UnsafeSql> {
        for &b in bytes {
            self.byte(b)?;
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(())
    }

    /// The text ended: it must end where the agent's own commands after it are read
    /// as commands.
    pub fn finish(&self) -> Result<(), UnsafeSql> {
        // A `$tag` with no closing dollar (`delimiter`) is plain text to psql.
        match &self.state {
            State::Normal | State::LineComment => Ok(()),
            State::Quote => Err(self.refuse("the SQL ends inside a quoted string")),
            State::Ident => Err(self.refuse("the SQL ends inside a quoted identifier")),
            State::Dollar(_) => Err(self.refuse("the SQL ends inside a dollar-quoted string")),
            State::Block(_) => Err(self.refuse("the SQL ends inside a /* comment */")),
        }
    }

    fn byte(&mut self, b: u8) -> Result<(), UnsafeSql> {
        let prev = std::mem::replace(&mut self.prev, b);
        match &mut self.state {
            State::Normal => self.normal(prev, b),
            State::Quote => {
                if b == b'\'' && prev == b'\\' {
                    return Err(self.refuse(
                        "a backslash before a quote inside a string literal (whether it ends the string depends on standard_conforming_strings)",
                    ));
                }
                if b == b'\'' {
                    // A doubled quote is read as a new string right after: the same
                    // state psql is in once it sees the second quote.
                    self.state = State::Normal;
                    self.word = Word::None;
                    // `''` inside a string: the next byte reopens it in `normal`.
                    self.prev = 0;
                }
                Ok(())
            }
            State::Ident => {
                if b == b'"' {
                    // A `$` right after a quoted identifier opens a dollar quote.
                    self.state = State::Normal;
                    self.word = Word::None;
                    self.prev = 0;
                }
                Ok(())
            }
            State::Dollar(tag) => {
                // The closing delimiter is `$` tag `$`; `closing` counts matched bytes.
                let want = if self.closing == 0 || self.closing == tag.len() + 1 {
                    b'$'
                } else {
                    tag[self.closing - 1]
                };
                if b == want {
                    self.closing += 1;
                    if self.closing == tag.len() + 2 {
                        self.state = State::Normal;
                        self.closing = 0;
                        self.word = Word::None;
                        self.prev = 0;
                    }
                } else {
                    self.closing = usize::from(b == b'$');
                }
                Ok(())
            }
            State::LineComment => {
                // psql ends a line comment at a carriage return too.
                if b == b'\n' || b == b'\r' {
                    self.state = State::Normal;
                    self.word = Word::None;
                }
                Ok(())
            }
            State::Block(depth) => {
                if prev == b'/' && b == b'*' {
                    *depth += 1;
                    self.prev = 0;
                } else if prev == b'*' && b == b'/' {
                    *depth -= 1;
                    if *depth == 0 {
                        self.state = State::Normal;
                        self.word = Word::None;
                    }
                    self.prev = 0;
                }
                Ok(())
            }
        }
    }

    fn normal(&mut self, prev: u8, b: u8) -> Result<(), UnsafeSql> {
        if self.delimiter_byte(b)? || self.word_byte(b)? {
            return Ok(());
        }
        let after_number = self.word == Word::Number;
        self.end_word();
        self.token(prev, b, after_number)
    }

    /// A byte after a `$` that may open a dollar quote; whether it was taken.
    fn delimiter_byte(&mut self, b: u8) -> Result<bool, UnsafeSql> {
        let Some(tag) = &mut self.delimiter else {
            return Ok(false);
        };
        if b == b'$' {
            let tag = std::mem::take(tag);
            self.delimiter = None;
            if self.delimiter_after_number {
                return Err(self.refuse(
                    "a dollar quote right after a number (psql versions read it differently)",
                ));
            }
            self.state = State::Dollar(tag);
            self.closing = 0;
            self.statement_start = false;
            return Ok(true);
        }
        let fits = if tag.is_empty() {
            ident_start(b)
        } else {
            ident_cont(b)
        };
        if fits {
            tag.push(b);
            return Ok(true);
        }
        // `$name` without a second `$` (a parameter, or junk): not a quote. The
        // byte is read afresh by the caller.
        self.delimiter = None;
        Ok(false)
    }

    /// A byte that continues the word being read; whether it was taken.
    fn word_byte(&mut self, b: u8) -> Result<bool, UnsafeSql> {
        if let Word::Ident { after_dot } = self.word
            && (ident_cont(b) || b == b'$')
        {
            if b == b'$' && after_dot {
                return Err(self.refuse(
                    "a `$` right after a word that follows a dot (psql may read `1.e$` as a number and a dollar quote)",
                ));
            }
            if self.word_text.len() < 8 {
                self.word_text.push(b.to_ascii_lowercase());
            }
            return Ok(true);
        }
        Ok(self.word == Word::Number && (ident_cont(b) || b == b'.'))
    }

    /// A byte outside every word, quote and comment.
    fn token(&mut self, prev: u8, b: u8, after_number: bool) -> Result<(), UnsafeSql> {
        match b {
            b'\\' => Err(self.refuse("a psql meta-command (a backslash outside quotes)")),
            b'\'' => {
                self.state = State::Quote;
                self.statement_start = false;
                Ok(())
            }
            b'"' => {
                self.state = State::Ident;
                self.statement_start = false;
                Ok(())
            }
            b'-' if prev == b'-' => {
                self.state = State::LineComment;
                Ok(())
            }
            b'*' if prev == b'/' => {
                self.state = State::Block(1);
                self.prev = 0;
                Ok(())
            }
            b'$' => {
                self.delimiter_after_number = after_number;
                self.delimiter = Some(Vec::new());
                self.statement_start = false;
                Ok(())
            }
            b'(' => {
                self.parens += 1;
                self.statement_start = false;
                Ok(())
            }
            b')' => {
                self.parens = self.parens.saturating_sub(1);
                Ok(())
            }
            b';' => {
                if self.parens == 0 && self.begin_depth == 0 {
                    self.statement_start = true;
                    self.statements += 1;
                    self.create_seen = false;
                }
                Ok(())
            }
            _ => {
                self.word_start(prev, b);
                Ok(())
            }
        }
    }

    /// Any other byte: it may begin a word.
    fn word_start(&mut self, prev: u8, b: u8) {
        // A word that follows a `.` may be the rest of a number (`1.e`).
        self.word = if b.is_ascii_digit() {
            Word::Number
        } else if ident_start(b) {
            self.word_text.push(b.to_ascii_lowercase());
            Word::Ident {
                after_dot: prev == b'.',
            }
        } else {
            Word::None
        };
        // `-` and `/` may begin a comment: not yet a statement.
        if !b.is_ascii_whitespace() && b != b'-' && b != b'/' {
            self.statement_start = false;
        }
    }

    /// An identifier ended: psql's `BEGIN ATOMIC` bookkeeping.
    fn end_word(&mut self) {
        if matches!(self.word, Word::Ident { .. }) {
            match self.word_text.as_slice() {
                b"create" => self.create_seen = true,
                b"begin" if self.create_seen && self.parens == 0 => self.begin_depth += 1,
                b"case" if self.create_seen && self.parens == 0 && self.begin_depth > 0 => {
                    self.begin_depth += 1;
                }
                b"end" if self.create_seen && self.parens == 0 => {
                    self.begin_depth = self.begin_depth.saturating_sub(1);
                }
                _ => {}
            }
        }
        self.word_text.clear();
        self.word = Word::None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str) -> Result<(), UnsafeSql> {
        let mut g = Guard::new();
        g.feed(sql.as_bytes())?;
        g.finish()
    }

    fn refused(sql: &str) -> UnsafeSql {
        check(sql).expect_err(sql)
    }

    #[test]
    fn meta_commands_are_refused_wherever_they_sit() {
        for (sql, line) in [
            ("\\! touch /tmp/x\n", 1),
            ("SELECT 1;\n\\connect other\n", 2),
            ("SELECT 1; \\! id\n", 1),
            ("SELECT 1 \\g\n", 1),
            ("\\copy t to program 'id'\n", 1),
            ("\\set x `id`\n", 1),
            // Closed strings, identifiers, comments and dollar quotes do not hide one.
            ("SELECT 'a''b' \\! id\n", 1),
            ("SELECT \"a\"\"b\" \\! id\n", 1),
            ("SELECT 1; /* a /* nested */ comment */ \\! id\n", 1),
            ("SELECT $$x$$; \\! id\n", 1),
            ("SELECT $f$ $$ $f$; \\! id\n", 1),
            ("-- comment\n\\! id\n", 2),
            // `$1` is a parameter, not a quote.
            ("SELECT $1 \\! id $1\n", 1),
            // `a$b$` is one identifier, not a quote.
            ("SELECT a$b$ \\! id $b$;\n", 1),
        ] {
            let e = refused(sql);
            assert_eq!(e.line, line, "{sql:?}: {e}");
            assert!(e.to_string().contains("meta-command"), "{sql:?}: {e}");
        }
    }

    #[test]
    fn backslashes_psql_reads_as_text_pass() {
        for sql in [
            "SELECT 'C:\\temp';\n",
            "SELECT \"we\\ird\";\n",
            "-- a \\! comment\nSELECT 1;\n",
            "/* \\! */ SELECT 1;\n",
            "CREATE FUNCTION f() RETURNS text AS $$ SELECT '\\'; $$ LANGUAGE sql;\n",
            "CREATE FUNCTION f() RETURNS text AS $body$\n\\! not a command\n$body$ LANGUAGE sql;\n",
            "SELECT $a$ $b$ \\x $b$ $a$;\n",
            "SELECT '{\"k\": \"v\\\\n\"}'::jsonb;\n",
        ] {
            check(sql).unwrap_or_else(|e| panic!("{sql:?}: {e}"));
        }
    }

    #[test]
    fn what_could_read_two_ways_is_refused() {
        // With standard_conforming_strings off, `\'` does not end the string and
        // the `\!` would be outside it.
        let e = refused("SET standard_conforming_strings = off;\nSELECT 'a\\'' \\! id '';\n");
        assert!(e.reason.contains("standard_conforming_strings"), "{e}");
        refused("SELECT E'\\'';\n");
        let e = refused("SELECT 1$$ \\! id $$;\n");
        assert!(e.reason.contains("number"), "{e}");
    }

    #[test]
    fn the_text_must_end_outside_quotes() {
        for (sql, what) in [
            ("SELECT '\n", "quoted string"),
            ("SELECT \"x\n", "quoted identifier"),
            ("SELECT $$\n", "dollar-quoted"),
            ("/* open\n", "comment"),
        ] {
            let e = refused(sql);
            assert!(e.reason.contains(what), "{sql:?}: {e}");
        }
        check("SELECT 1; -- last line without newline").expect("a trailing comment is fine");
    }

    #[test]
    fn statement_starts_are_known() {
        let mut g = Guard::new();
        assert!(g.at_statement_start());
        g.feed(b"SELECT 1;\n").expect("harmless SQL");
        assert!(g.at_statement_start());
        g.feed(b"-- c\n/* d */\n").expect("harmless SQL");
        assert!(g.at_statement_start());
        g.feed(b"SELECT\n").expect("harmless SQL");
        assert!(!g.at_statement_start());
        g.feed(b"'x;\n").expect("harmless SQL");
        assert!(!g.at_statement_start());
        assert!(!g.outside_quotes());
    }

    #[test]
    fn semicolons_psql_does_not_send_on_do_not_end_a_statement() {
        let mut g = Guard::new();
        g.feed(b"SELECT (1;\n").expect("harmless SQL");
        assert!(!g.at_statement_start(), "inside parentheses");
        g.feed(b");\n").expect("harmless SQL");
        assert!(g.at_statement_start());
        assert_eq!(g.statements(), 1);
        g.feed(b"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\n")
            .expect("harmless SQL");
        assert!(!g.at_statement_start(), "inside BEGIN ATOMIC");
        g.feed(b"SELECT CASE WHEN true THEN 1 END;\nEND;\n")
            .expect("harmless SQL");
        assert!(g.at_statement_start());
        assert_eq!(g.statements(), 2);
        // Dots and numbers do not hide a BEGIN from the count.
        g.feed(
            b"CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.begin;\nEND;\n",
        )
        .expect("harmless SQL");
        assert!(!g.at_statement_start(), "t.begin counts as psql counts it");
    }

    #[test]
    fn dollars_after_dotted_words_are_refused() {
        let e = refused("SELECT 1.e$$ x $$ \\! id\n");
        assert!(
            e.reason.contains("dot") || e.reason.contains("number"),
            "{e}"
        );
    }
}
