//! The agent's progress lines, which the plugin reads from a job pod's log.

use serde::{Deserialize, Serialize};

/// Where a byte transfer of the agent stands, printed on stderr as one JSON line
/// (`{"progress":{"pass":"archive written:","bytes":1048576}}`) every few seconds
/// while bytes move. The plugin reads the newest one from the job pod's log to move
/// a byte bar; anything else in the log is left alone.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// What is being counted, as the agent's log lines name it.
    pub pass: String,
    /// Bytes done.
    pub bytes: u64,
    /// Bytes in all, when known before the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct ProgressLine {
    progress: Progress,
}

impl Progress {
    /// The line the agent prints.
    pub fn to_line(&self) -> String {
        serde_json::to_string(&ProgressLine {
            progress: self.clone(),
        })
        .unwrap_or_default()
    }

    /// A progress line, or None for any other log line.
    pub fn parse(line: &str) -> Option<Progress> {
        let line = line.trim();
        if !line.starts_with("{\"progress\"") {
            return None;
        }
        serde_json::from_str::<ProgressLine>(line)
            .ok()
            .map(|l| l.progress)
    }
}
