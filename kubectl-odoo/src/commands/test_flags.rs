//! Unit tests' parser of one command's flags: what clap makes of the words a user
//! types, without the whole command tree around them.

use clap::{Args, Command, FromArgMatches};

/// `words` (the command's name first) as the flags `A`, or clap's error.
pub fn parse<A: Args + FromArgMatches>(words: &[&str]) -> Result<A, clap::Error> {
    let matches = A::augment_args(Command::new("test")).try_get_matches_from(words)?;
    A::from_arg_matches(&matches)
}

/// `words` as the flags `A`, which they must be.
pub fn flags<A: Args + FromArgMatches>(words: &[&str]) -> A {
    parse(words).unwrap_or_else(|e| panic!("{words:?} should parse: {e}"))
}
