//! Unit tests' parser of one command's flags: what clap makes of the words a user
//! types, without the whole command tree around them.

use clap::{Args, Command, FromArgMatches};

/// `line`, what follows the command's name on a command line (words split at white
/// space, so no word holds a space), as the flags `A`, or clap's error.
pub fn parse<A: Args + FromArgMatches>(line: &str) -> Result<A, clap::Error> {
    let words = std::iter::once("command").chain(line.split_whitespace());
    let matches = A::augment_args(Command::new("test")).try_get_matches_from(words)?;
    A::from_arg_matches(&matches)
}

/// `line` as the flags `A`, which it must be.
pub fn flags<A: Args + FromArgMatches>(line: &str) -> A {
    parse(line).unwrap_or_else(|e| panic!("{line:?} should parse: {e}"))
}

/// `line` refused as the flags `A` for a value the flag's parser does not take: a
/// usage error (exit 2) before anything runs; clap's message.
pub fn refused<A: Args + FromArgMatches>(line: &str) -> String {
    match parse::<A>(line) {
        Ok(_) => panic!("{line:?} should be refused"),
        Err(e) => {
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{line}: {e}"
            );
            assert_eq!(e.exit_code(), 2, "{line}");
            e.to_string()
        }
    }
}
