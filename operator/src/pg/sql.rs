//! Building SQL text safely where PostgreSQL takes no parameters: role and database
//! names in DDL, and the password in `CREATE/ALTER ROLE … PASSWORD`.

/// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1). Longer names are silently
/// truncated by the server, so a catalog lookup by the full name would never match.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Why a name or password cannot be put into SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlTextError {
    #[error("the {what} is empty")]
    Empty { what: &'static str },
    #[error("the {what} contains a NUL character, which PostgreSQL cannot store")]
    ContainsNul { what: &'static str },
    #[error("the {what} {name:?} is {len} bytes; PostgreSQL keeps at most {MAX_IDENTIFIER_BYTES}")]
    TooLong {
        what: &'static str,
        name: String,
        len: usize,
    },
}

/// Checks that `name` is stored by PostgreSQL exactly as given.
pub fn check_identifier(what: &'static str, name: &str) -> Result<(), SqlTextError> {
    if name.is_empty() {
        return Err(SqlTextError::Empty { what });
    }
    if name.contains('\0') {
        return Err(SqlTextError::ContainsNul { what });
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Err(SqlTextError::TooLong {
            what,
            name: name.into(),
            len: name.len(),
        });
    }
    Ok(())
}

/// A quoted identifier: `a"b` becomes `"a""b"`. Always quoted, so case and any
/// character survive and no name can be a keyword.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A string literal, as PostgreSQL's own `quote_literal()` writes it: single quotes
/// doubled, and with an `E` prefix and doubled backslashes when there is a backslash,
/// so the result means the same whatever `standard_conforming_strings` is.
pub fn quote_literal(what: &'static str, value: &str) -> Result<String, SqlTextError> {
    if value.contains('\0') {
        return Err(SqlTextError::ContainsNul { what });
    }
    let quoted = value.replace('\'', "''");
    Ok(if quoted.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    })
}

/// The SCRAM-SHA-256 verifier of `password`, computed here so the clear password is
/// never sent to the server (and so never lands in its logs or statistics).
pub fn scram_verifier(password: &str) -> Result<String, SqlTextError> {
    if password.is_empty() {
        return Err(SqlTextError::Empty { what: "password" });
    }
    if password.contains('\0') {
        return Err(SqlTextError::ContainsNul { what: "password" });
    }
    Ok(postgres_protocol::password::scram_sha_256(
        password.as_bytes(),
    ))
}

/// Passwords the operator generates (roles, the admin Secret): one function in the
/// model crate, shared with the test harness.
pub use odoo_model::password::generate as generate_password;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_quoted_and_inner_quotes_doubled() {
        assert_eq!(quote_ident("odoo"), "\"odoo\"");
        assert_eq!(quote_ident("Odoo.Prod"), "\"Odoo.Prod\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            quote_ident("\"; DROP ROLE x; --"),
            "\"\"\"; DROP ROLE x; --\""
        );
        assert_eq!(quote_ident("select"), "\"select\"");
    }

    #[test]
    fn identifiers_must_survive_unchanged() {
        assert!(check_identifier("role", "odoo_a\"b").is_ok());
        assert!(check_identifier("role", &"x".repeat(63)).is_ok());
        assert!(matches!(
            check_identifier("role", &"x".repeat(64)),
            Err(SqlTextError::TooLong { len: 64, .. })
        ));
        // 63 bytes is the limit, not 63 characters.
        assert!(check_identifier("role", &"é".repeat(32)).is_err());
        assert_eq!(
            check_identifier("database", ""),
            Err(SqlTextError::Empty { what: "database" })
        );
        assert!(check_identifier("role", "a\0b").is_err());
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(quote_literal("x", "plain").as_deref(), Ok("'plain'"));
        assert_eq!(quote_literal("x", "it's").as_deref(), Ok("'it''s'"));
        assert_eq!(quote_literal("x", "''").as_deref(), Ok("''''''"));
        assert_eq!(quote_literal("x", r"a\b").as_deref(), Ok(r"E'a\\b'"));
        assert_eq!(quote_literal("x", r"\'").as_deref(), Ok(r"E'\\'''"));
        assert_eq!(quote_literal("x", "").as_deref(), Ok("''"));
        assert_eq!(
            quote_literal("password", "a\0b"),
            Err(SqlTextError::ContainsNul { what: "password" })
        );
    }

    #[test]
    fn verifiers_are_scram_and_salted() {
        let a = scram_verifier("pw").expect("verifier");
        let b = scram_verifier("pw").expect("verifier");
        assert!(a.starts_with("SCRAM-SHA-256$4096:"), "{a}");
        assert_ne!(a, b, "each verifier has its own salt");
        assert!(!a.contains("pw:") && !a.contains('\''));
        assert!(scram_verifier("").is_err());
        assert!(scram_verifier("a\0").is_err());
    }
}
