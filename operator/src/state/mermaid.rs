//! Renders the transition table as a Mermaid state diagram for the docs; a test
//! fails when `docs/state-machine.md` is stale.

use std::fmt::Write as _;

use odoo_model::InstancePhase;

use super::table::TRANSITIONS;
use super::upgrade_steps::MOVES;

/// Path of the generated document, relative to the workspace root.
pub const DOC_FILE: &str = "docs/state-machine.md";

/// The whole document.
pub fn document() -> String {
    let mut out = String::from(
        "# OdooInstance lifecycle\n\n\
         Generated from `operator/src/state/table.rs` by \
         `cargo run -p odoo-operator -- state-diagram --write docs/state-machine.md`; do not edit.\n\n\
         In each reconcile the first row of the table whose source phase matches and whose guard holds \
         fires; actions run once, on the transition.\n\n```mermaid\nstateDiagram-v2\n",
    );
    let _ = writeln!(out, "    [*] --> {}", InstancePhase::Provisioning);
    for t in TRANSITIONS {
        for from in t.from {
            let action = t
                .action
                .map(|a| format!(" / {}", <&str>::from(a)))
                .unwrap_or_default();
            let _ = writeln!(out, "    {from} --> {}: {}{action}", t.to, t.guard.name);
        }
    }
    out.push_str("```\n\n| from | to | guard | action |\n|---|---|---|---|\n");
    for t in TRANSITIONS {
        let from: Vec<String> = t.from.iter().map(ToString::to_string).collect();
        let action = t.action.map(<&str>::from).unwrap_or("");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {action} |",
            from.join(", "),
            t.to,
            t.guard.name
        );
    }
    out.push_str(
        "\n# OdooUpgradeJob steps (strategy Copy, and rehearsals)\n\n\
         Generated from `operator/src/state/upgrade_steps.rs`, which the upgrade job's controller checks \
         every move against. The live database changes only in Switching, by a rename in one transaction \
         (undone when its files cannot follow); every failure goes through Discarding, which removes the copy. \
         While an upgrade (not a rehearsal) runs, the instance is Upgrading with web and cron at zero.\n\n\
         ```mermaid\nstateDiagram-v2\n",
    );
    for mv in MOVES {
        let _ = writeln!(out, "    {} --> {}: {}", mv.from, mv.to, mv.when);
    }
    out.push_str("```\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_diagram_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(super::DOC_FILE);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == super::document(),
            "{} is stale; regenerate it with\n  cargo run -p odoo-operator -- state-diagram --write {}",
            path.display(),
            super::DOC_FILE
        );
    }
}
