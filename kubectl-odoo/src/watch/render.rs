//! The three renderers of a snapshot stream.

use std::fmt::Write as _;

use super::Snapshot;

/// The full block, as `status` prints it and the live view redraws it.
pub fn block(s: &Snapshot, color: bool, width: usize) -> Vec<String> {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let phase_color = match s.phase.as_str() {
        "Running" => "32",
        "Error" | "InitFailed" | "UpgradeFailed" | "Degraded" => "31",
        "Stopped" => "2",
        _ => "33",
    };
    let mut lines = Vec::new();
    if !s.exists {
        lines.push(format!("odoo/{} in {}: not found", s.name, s.namespace));
        return lines;
    }
    let stale = if s.caught_up() {
        ""
    } else {
        " (operator has not seen the latest spec yet)"
    };
    lines.push(format!(
        "odoo/{}  {}  {}{stale}",
        s.name,
        paint(phase_color, &s.phase),
        s.message
    ));
    lines.push(format!(
        "  ready {}   url {}   image {}",
        dash(&s.ready),
        dash(&s.url),
        dash(&s.image)
    ));
    if !s.rehearsal.is_empty() {
        lines.push(format!("  upgrade {}", s.rehearsal));
    }
    if !s.conditions.is_empty() {
        let mut line = String::from("  conditions");
        for c in &s.conditions {
            let mark = if c.status == "True" {
                paint("32", "✓")
            } else {
                paint("2", "·")
            };
            let _ = write!(line, "  {mark} {}", c.type_);
        }
        lines.push(line);
    }
    for c in &s.children {
        let mark = if c.ok {
            paint("32", "✓")
        } else {
            paint("33", "…")
        };
        lines.push(format!(
            "  {mark} {:<12} {:<28} {}",
            c.kind, c.name, c.state
        ));
    }
    for w in &s.warnings {
        lines.push(format!(
            "  {} {} {}: {}",
            paint("31", "!"),
            w.object,
            w.reason,
            w.message
        ));
    }
    if !s.log_tail.is_empty() {
        lines.push(format!("  {}", paint("2", "job log")));
        for l in &s.log_tail {
            lines.push(format!("  {} {l}", paint("2", "|")));
        }
    }
    lines.into_iter().map(|l| fit(&l, width)).collect()
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

/// Cuts a line to the terminal width (counting characters, ignoring colour codes
/// approximately: lines with colour get a little more room).
fn fit(line: &str, width: usize) -> String {
    let visible = line.chars().filter(|c| !c.is_control()).count();
    if width == 0 || visible <= width {
        return line.to_owned();
    }
    let extra = line.len().saturating_sub(visible).min(40);
    line.chars()
        .take(width.saturating_sub(1) + extra)
        .collect::<String>()
        + "…"
}

/// One timestamped line per change between two snapshots (the non-terminal renderer).
pub fn changes(old: Option<&Snapshot>, new: &Snapshot, now: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(old) = old else {
        out.push(format!(
            "{now} odoo/{} phase {}: {}",
            new.name, new.phase, new.message
        ));
        return out;
    };
    if old.exists && !new.exists {
        out.push(format!("{now} odoo/{} deleted", new.name));
        return out;
    }
    if old.phase != new.phase {
        out.push(format!(
            "{now} odoo/{} phase {} → {}: {}",
            new.name, old.phase, new.phase, new.message
        ));
    }
    if old.ready != new.ready && !new.ready.is_empty() {
        out.push(format!("{now} odoo/{} ready {}", new.name, new.ready));
    }
    for c in &new.conditions {
        let before = old
            .conditions
            .iter()
            .find(|o| o.type_ == c.type_)
            .map(|o| o.status.as_str());
        if before != Some(c.status.as_str()) {
            out.push(format!(
                "{now} odoo/{} condition {}={} ({})",
                new.name, c.type_, c.status, c.reason
            ));
        }
    }
    for c in &new.children {
        if old
            .children
            .iter()
            .find(|o| o.name == c.name && o.kind == c.kind)
            .map(|o| &o.state)
            != Some(&c.state)
        {
            out.push(format!("{now} {}/{} {}", c.kind, c.name, c.state));
        }
    }
    for w in &new.warnings {
        if !old.warnings.contains(w) {
            out.push(format!(
                "{now} warning {} {}: {}",
                w.object, w.reason, w.message
            ));
        }
    }
    for l in super::job::new_lines(&old.log_tail, &new.log_tail) {
        out.push(format!("{now}   | {l}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::snapshot::ChildView;

    fn snap(phase: &str, ready: &str) -> Snapshot {
        Snapshot {
            name: "shop".into(),
            namespace: "ns".into(),
            phase: phase.into(),
            ready: ready.into(),
            exists: true,
            generation: 2,
            observed_generation: 2,
            children: vec![ChildView {
                kind: "Deployment".into(),
                name: "shop-web".into(),
                state: ready.into(),
                ok: true,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn only_what_changed_is_printed() {
        let a = snap("Starting", "0/2");
        let b = snap("Running", "2/2");
        let lines = changes(Some(&a), &b, "12:00:00");
        assert_eq!(lines[0], "12:00:00 odoo/shop phase Starting → Running: ");
        assert!(lines.iter().any(|l| l.ends_with("ready 2/2")));
        assert!(changes(Some(&b), &b, "12:00:01").is_empty());
    }

    #[test]
    fn a_running_job_shows_its_log_tail_under_the_view() {
        let mut s = snap("Upgrading", "1/1");
        s.message = "odoo --update runs".into();
        s.log_tail = vec![
            "INFO shop odoo.modules.loading: loading 42 modules...".into(),
            "INFO shop odoo.modules.loading: 42 modules loaded in 3.10s".into(),
        ];
        let expected = [
            "odoo/shop  Upgrading  odoo --update runs",
            "  ready 1/1   url -   image -",
            "  ✓ Deployment   shop-web                     1/1",
            "  job log",
            "  | INFO shop odoo.modules.loading: loading 42 modules...",
            "  | INFO shop odoo.modules.loading: 42 modules loaded in 3.10s",
        ];
        assert_eq!(block(&s, false, 0), expected);
        // No log (kwok serves none, the pod is pending): nothing at all, not a header.
        s.log_tail.clear();
        assert_eq!(block(&s, false, 0), expected[..3]);
        // Without a terminal, only the lines not printed before.
        let mut next = s.clone();
        next.log_tail = vec!["a".into(), "b".into()];
        let mut later = next.clone();
        later.log_tail = vec!["b".into(), "c".into()];
        assert_eq!(changes(Some(&s), &next, "t"), ["t   | a", "t   | b"]);
        assert_eq!(changes(Some(&next), &later, "t"), ["t   | c"]);
    }

    #[test]
    fn the_block_fits_the_terminal_and_says_when_the_operator_lags() {
        let mut s = snap("Running", "2/2");
        s.observed_generation = 1;
        s.message = "x".repeat(300);
        let lines = block(&s, false, 80);
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:?}");
        let full = block(&s, false, 0);
        assert!(full[0].contains("has not seen the latest spec"));
    }

    #[test]
    fn the_last_rehearsal_is_shown_when_there_is_one() {
        let mut s = snap("Running", "1/1");
        assert!(!block(&s, false, 0).iter().any(|l| l.contains("rehearsed")));
        s.rehearsal = "rehearsed odoo:19.0-1 2026-12-01 02:00 UTC in 4m12s, succeeded".into();
        let lines = block(&s, false, 0);
        assert!(
            lines.contains(
                &"  upgrade rehearsed odoo:19.0-1 2026-12-01 02:00 UTC in 4m12s, succeeded"
                    .to_owned()
            ),
            "{lines:?}"
        );
    }
}
