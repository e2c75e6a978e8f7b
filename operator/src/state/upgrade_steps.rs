//! The steps of an upgrade on a copy (strategy Copy, and rehearsals) as data: the
//! moves the upgrade job's controller may make. It checks every move against this
//! table, and the docs draw the diagram from it.

use odoo_model::upgrade_job::UpgradeStep as S;

/// Where an upgrade job on a copy can be: not started, at a step, or finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Start,
    Step(S),
    Succeeded,
    Failed,
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Start => f.write_str("[*]"),
            Node::Step(s) => write!(f, "{s}"),
            Node::Succeeded => f.write_str("Succeeded"),
            Node::Failed => f.write_str("Failed"),
        }
    }
}

/// One move and when it is made.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub from: Node,
    pub to: Node,
    pub when: &'static str,
}

const fn m(from: Node, to: Node, when: &'static str) -> Move {
    Move { from, to, when }
}

/// Every move of a Copy upgrade. The live database changes only in Switching, by a
/// rename in one transaction (undone when its files cannot follow); every path to
/// Failed goes through Discarding, which removes the copy.
pub static MOVES: &[Move] = &[
    m(Node::Start, Node::Step(S::Stopping), "an upgrade starts"),
    m(
        Node::Start,
        Node::Step(S::Copying),
        "a rehearsal starts (no downtime)",
    ),
    m(
        Node::Step(S::Stopping),
        Node::Step(S::Copying),
        "web and cron at zero",
    ),
    m(
        Node::Step(S::Copying),
        Node::Step(S::Upgrading),
        "copy checked against the live database, files linked",
    ),
    m(
        Node::Step(S::Copying),
        Node::Step(S::Discarding),
        "the copy failed or differs",
    ),
    m(
        Node::Step(S::Upgrading),
        Node::Step(S::Switching),
        "odoo -u succeeded, base at the target's series",
    ),
    m(
        Node::Step(S::Upgrading),
        Node::Step(S::Discarding),
        "odoo -u failed, or a rehearsal's ended",
    ),
    m(
        Node::Step(S::Switching),
        Node::Succeeded,
        "copy renamed live, files switched, previous kept",
    ),
    m(
        Node::Step(S::Switching),
        Node::Step(S::Starting),
        "switched with previousDatabase Drop: previous kept until the target runs",
    ),
    m(
        Node::Step(S::Starting),
        Node::Succeeded,
        "the instance runs the target: previous files, then database, dropped",
    ),
    m(
        Node::Step(S::Switching),
        Node::Step(S::Discarding),
        "a switch failed (the previous database is put back)",
    ),
    m(
        Node::Step(S::Discarding),
        Node::Succeeded,
        "copy removed after a rehearsal whose update succeeded",
    ),
    m(
        Node::Step(S::Discarding),
        Node::Failed,
        "copy removed; the live database was not touched",
    ),
];

/// Whether the table has the move.
pub fn allowed(from: Node, to: Node) -> bool {
    MOVES.iter().any(|mv| mv.from == from && mv.to == to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_goes_through_discarding_and_only_switching_touches_the_live_database() {
        for mv in MOVES {
            if mv.to == Node::Failed {
                assert_eq!(mv.from, Node::Step(S::Discarding), "{mv:?}");
            }
        }
        assert!(allowed(Node::Step(S::Switching), Node::Succeeded));
        assert!(!allowed(Node::Step(S::Upgrading), Node::Succeeded));
        assert!(!allowed(Node::Step(S::Copying), Node::Failed));
    }
}
