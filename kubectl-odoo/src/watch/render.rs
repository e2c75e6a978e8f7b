//! The three renderers of a snapshot stream.

use std::fmt::Write as _;

use console::{Style, measure_text_width, truncate_str};
use odoo_model::InstancePhase;

use crate::output::View;
use crate::phase;
use crate::watch::snapshot::Snapshot;

/// One snapshot, as `status NAME` prints it without `--watch`.
impl View for Snapshot {
    fn data(&self) -> impl serde::Serialize {
        self
    }

    fn table(&self, _wide: bool, color: bool) -> String {
        block(self, color, 0).join("\n") + "\n"
    }
}

/// The full block, as `status` prints it and the live view redraws it: every line
/// cut to `width` visible columns (0: no limit), measured as a terminal shows them.
pub fn block(s: &Snapshot, color: bool, width: usize) -> Vec<String> {
    if !s.exists {
        return vec![format!("odoo/{} in {}: not found", s.name, s.namespace)];
    }
    let mut lines = summary(s, color);
    lines.extend(conditions(s, color, width));
    lines.extend(children(s, color));
    lines.extend(events(s, color));
    lines.extend(log_tail(s, color));
    if width == 0 {
        return lines;
    }
    lines
        .into_iter()
        .map(|l| truncate_str(&l, width, "…").into_owned())
        .collect()
}

fn paint(color: bool, style: Style, text: &str) -> String {
    style.force_styling(color).apply_to(text).to_string()
}

/// The phase line and one line for each fact of the instance that is set.
fn summary(s: &Snapshot, color: bool) -> Vec<String> {
    let phase_style = match s.instance_phase() {
        Some(InstancePhase::Running) => Style::new().green(),
        Some(p) if p == InstancePhase::Degraded || phase::FAILED.contains(&p) => Style::new().red(),
        Some(InstancePhase::Stopped) => Style::new().dim(),
        _ => Style::new().yellow(),
    };
    let stale = if s.caught_up() {
        ""
    } else {
        " (operator has not seen the latest spec yet)"
    };
    let mut lines = vec![
        format!(
            "odoo/{}  {}  {}{stale}",
            s.name,
            paint(color, phase_style, &s.phase),
            s.message
        ),
        format!(
            "  ready {}   url {}   image {}",
            dash(&s.ready),
            dash(&s.url),
            dash(&s.image)
        ),
    ];
    if !s.last_backup.is_empty() {
        lines.push(format!("  last backup {}", s.last_backup));
    }
    for kept in &s.kept {
        lines.push(format!("  kept database {kept}"));
    }
    if !s.serving.is_empty() {
        lines.push(format!("  serving at {}", s.serving.join(", ")));
    }
    if !s.active_job.is_empty() {
        lines.push(format!("  busy with {}", s.active_job));
    }
    if !s.rehearsal.is_empty() {
        lines.push(format!("  upgrade {}", s.rehearsal));
    }
    lines
}

/// Conditions wrap onto as many lines as the width needs; none is cut.
fn conditions(s: &Snapshot, color: bool, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let marks = s.conditions.iter().map(|c| {
        let mark = if c.status == "True" {
            paint(color, Style::new().green(), "✓")
        } else {
            paint(color, Style::new().dim(), "·")
        };
        format!("{mark} {}", c.type_)
    });
    let mut line = String::from("  conditions");
    for mark in marks {
        if width > 0 && measure_text_width(&line) + 2 + measure_text_width(&mark) > width {
            lines.push(std::mem::replace(&mut line, "            ".into()));
        }
        let _ = write!(line, "  {mark}");
    }
    if !s.conditions.is_empty() {
        lines.push(line);
    }
    lines
}

fn children(s: &Snapshot, color: bool) -> Vec<String> {
    s.children
        .iter()
        .map(|c| {
            let mark = if c.ok {
                paint(color, Style::new().green(), "✓")
            } else {
                paint(color, Style::new().yellow(), "…")
            };
            format!("  {mark} {:<20} {:<28} {}", c.kind, c.name, c.state)
        })
        .collect()
}

/// Warnings first, then the recent events that are not warnings.
fn events(s: &Snapshot, color: bool) -> Vec<String> {
    let warnings = s.warnings.iter().map(|w| (Style::new().red(), "!", w));
    let recent = s
        .recent
        .iter()
        .filter(|e| e.type_ != "Warning")
        .map(|e| (Style::new().dim(), "·", e));
    warnings
        .chain(recent)
        .map(|(style, mark, e)| {
            format!(
                "  {} {:>4} {} {}: {}",
                paint(color, style, mark),
                ago(&e.last_seen),
                e.object,
                e.reason,
                e.message
            )
        })
        .collect()
}

fn log_tail(s: &Snapshot, color: bool) -> Vec<String> {
    if s.log_tail.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!("  {}", paint(color, Style::new().dim(), "job log"))];
    for l in &s.log_tail {
        lines.push(format!("  {} {l}", paint(color, Style::new().dim(), "|")));
    }
    lines
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

/// How long ago an RFC 3339 time was, like kubectl's ages (`45s`, `12m`, `5h`).
fn ago(time: &str) -> String {
    match time.parse::<k8s_openapi::jiff::Timestamp>() {
        Ok(t) => crate::output::age(Some(&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            t,
        ))),
        Err(_) => "-".into(),
    }
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
    for l in crate::watch::job::new_lines(&old.log_tail, &new.log_tail) {
        out.push(format!("{now}   | {l}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::children::ChildView;

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
                image: String::new(),
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
            "  ✓ Deployment           shop-web                     1/1",
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
    fn conditions_wrap_and_coloured_lines_are_cut_at_their_visible_width() {
        let mut s = snap("Running", "1/1");
        s.conditions = [
            "DatabaseReady",
            "Initialized",
            "Ready",
            "Progressing",
            "Degraded",
        ]
        .iter()
        .map(|t| crate::watch::snapshot::ConditionView {
            type_: (*t).into(),
            status: "True".into(),
            ..Default::default()
        })
        .collect();
        let lines = block(&s, true, 40);
        let shown: String = lines.iter().map(|l| console::strip_ansi_codes(l)).collect();
        for c in &s.conditions {
            assert!(shown.contains(&c.type_), "{} cut: {lines:?}", c.type_);
        }
        assert!(
            lines.iter().all(|l| measure_text_width(l) <= 40),
            "{lines:?}"
        );
        assert!(lines.iter().filter(|l| l.contains('✓')).count() >= 2);
    }

    #[test]
    fn events_show_their_age_and_warnings_stand_out() {
        let mut s = snap("Running", "1/1");
        let at = |secs: i64| {
            (k8s_openapi::jiff::Timestamp::now()
                - k8s_openapi::jiff::SignedDuration::from_secs(secs))
            .to_string()
        };
        s.recent = vec![crate::watch::snapshot::EventView {
            object: "OdooInstance/shop".into(),
            reason: "Upgraded".into(),
            message: "to odoo:19.0-1".into(),
            type_: "Normal".into(),
            last_seen: at(300),
            ..Default::default()
        }];
        s.warnings = vec![crate::watch::snapshot::EventView {
            object: "PVC/shop-filestore".into(),
            reason: "ClaimLost".into(),
            message: "lost".into(),
            type_: "Warning".into(),
            last_seen: at(30),
            ..Default::default()
        }];
        let lines = block(&s, false, 0);
        assert!(
            lines.contains(&"  !  30s PVC/shop-filestore ClaimLost: lost".to_owned()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"  ·   5m OdooInstance/shop Upgraded: to odoo:19.0-1".to_owned()),
            "{lines:?}"
        );
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

    #[test]
    fn the_job_holding_the_instance_is_named() {
        let mut s = snap("BackingUp", "1/1");
        assert!(!block(&s, false, 0).iter().any(|l| l.contains("busy")));
        s.active_job = "OdooBackupJob/nightly-1".into();
        let lines = block(&s, false, 0);
        assert!(
            lines.contains(&"  busy with OdooBackupJob/nightly-1".to_owned()),
            "{lines:?}"
        );
    }
}
