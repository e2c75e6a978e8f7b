//! What the admission rules answer for one request.

/// The outcome of the rules for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed, with warnings kubectl prints.
    Allow { warnings: Vec<String> },
    /// Refused; the message says what was wrong and what to do instead.
    Deny(String),
}

impl Verdict {
    pub fn allow() -> Verdict {
        Verdict::Allow {
            warnings: Vec::new(),
        }
    }

    pub fn is_allowed(&self) -> bool {
        matches!(self, Verdict::Allow { .. })
    }

    /// One denial message for every problem found, so a user fixes them all at once.
    pub fn from_parts(denials: Vec<String>, warnings: Vec<String>) -> Verdict {
        match denials.len() {
            0 => Verdict::Allow { warnings },
            1 => Verdict::Deny(denials.into_iter().next().unwrap_or_default()),
            n => Verdict::Deny(format!("{n} problems:\n- {}", denials.join("\n- "))),
        }
    }
}
