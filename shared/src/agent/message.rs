//! The line itself: a command's outcome, how it is cut to fit, and how the
//! operator reads it back.

use serde::{Deserialize, Serialize};

use super::Command;
// Only the docs name it: the line's bound is the report's table limit.
#[cfg(doc)]
use super::Loaded;

/// A command's report: what its line proves when the command succeeded.
pub trait Report: Serialize + for<'de> Deserialize<'de> {
    const COMMAND: Command;
}

/// The line the agent leaves: which command, and its outcome.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(bound = "R: Report")]
pub struct Message<R> {
    pub command: Command,
    #[serde(flatten)]
    pub outcome: Outcome<R>,
}

/// Done with its report, or failed with why.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "outcome", content = "detail", rename_all = "lowercase")]
#[serde(bound = "R: Report")]
pub enum Outcome<R> {
    Done(R),
    Failed(Failure),
}

impl<R: Report> Message<R> {
    pub fn done(report: R) -> Self {
        Message {
            command: R::COMMAND,
            outcome: Outcome::Done(report),
        }
    }

    /// Bytes of an error message a line keeps.
    pub const ERROR_LIMIT: usize = 3000;

    pub fn failed(mut error: String, target_touched: bool) -> Self {
        if error.len() > Self::ERROR_LIMIT {
            let mut cut = Self::ERROR_LIMIT;
            while !error.is_char_boundary(cut) {
                cut -= 1;
            }
            error.truncate(cut);
            error.push('…');
        }
        Message {
            command: R::COMMAND,
            outcome: Outcome::Failed(Failure {
                error,
                target_touched,
            }),
        }
    }

    /// The JSON line. Reports are bounded (at most [`Loaded::LARGEST`] tables, an
    /// error of at most [`Message::ERROR_LIMIT`] bytes), so it fits the 4096 bytes
    /// Kubernetes keeps of a termination message.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a termination message: the line of this command, or why it is not one.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ParseError::Missing);
        }
        let line = text
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .ok_or_else(|| ParseError::NotAReport(excerpt(text)))?;
        let probe: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| ParseError::Malformed(format!("{e}: {}", excerpt(line))))?;
        let command = probe.get("command").and_then(|c| c.as_str());
        if command != Some(R::COMMAND.as_str()) {
            return Err(ParseError::OtherCommand {
                expected: R::COMMAND,
                found: command.unwrap_or("none").to_owned(),
            });
        }
        serde_json::from_value(probe)
            .map_err(|e| ParseError::Malformed(format!("{e}: {}", excerpt(line))))
    }
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(200).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// Why a termination message is not a report the operator can take.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    Missing,
    NotAReport(String),
    Malformed(String),
    OtherCommand { expected: Command, found: String },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Missing => f.write_str("the agent left no report"),
            ParseError::NotAReport(text) => {
                write!(f, "the agent's container ended without a report: {text:?}")
            }
            ParseError::Malformed(why) => write!(f, "the agent's report is malformed: {why}"),
            ParseError::OtherCommand { expected, found } => write!(
                f,
                "the container left a report of command {found:?}, not {expected}: the binary that ran is not this job's agent"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Why a command failed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    /// Whether the target database or directory may hold partial data.
    pub target_touched: bool,
}
