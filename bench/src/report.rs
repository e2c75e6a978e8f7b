//! The benchmark's output: one table per instance count, operator beside floor with
//! their ratio, and the same figures as JSON.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::measure::{self, ByVerb};
use super::{Outcome, Reconciler};

/// One instance count: both runs and operator ÷ floor.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub instances: usize,
    pub operator: Outcome,
    pub floor: Outcome,
    pub ratio: Ratios,
}

/// Operator ÷ floor (`None` when the floor's figure is zero).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ratios {
    pub seconds_to_running: Option<f64>,
    pub requests_by_reconciler: Option<f64>,
    pub writes_by_reconciler: Option<f64>,
    pub requests_all_clients: Option<f64>,
    pub peak_rss: Option<f64>,
    pub cpu_seconds: Option<f64>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

impl Comparison {
    pub fn new(operator: Outcome, floor: Outcome) -> Comparison {
        debug_assert_eq!(operator.reconciler, Reconciler::Operator);
        let requests = |o: &Outcome| measure::total(&o.requests_by_reconciler) as f64;
        let writes = |o: &Outcome| measure::writes(&o.requests_by_reconciler) as f64;
        let all = |o: &Outcome| measure::total(&o.requests_all_clients) as f64;
        let ratio = Ratios {
            seconds_to_running: ratio(operator.seconds_to_running, floor.seconds_to_running),
            requests_by_reconciler: ratio(requests(&operator), requests(&floor)),
            writes_by_reconciler: ratio(writes(&operator), writes(&floor)),
            requests_all_clients: ratio(all(&operator), all(&floor)),
            peak_rss: ratio(
                operator.usage.peak_rss_bytes as f64,
                floor.usage.peak_rss_bytes as f64,
            ),
            cpu_seconds: ratio(operator.usage.cpu_seconds, floor.usage.cpu_seconds),
        };
        Comparison {
            instances: operator.instances,
            operator,
            floor,
            ratio,
        }
    }
}

/// `GET 1,234 · LIST 12 · …`, largest first.
fn verbs(counts: &ByVerb) -> String {
    let mut sorted: Vec<_> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if sorted.is_empty() {
        return "none".into();
    }
    sorted
        .iter()
        .map(|(verb, n)| format!("{verb} {}", thousands(**n)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The `n` largest counts, one per line.
fn largest(counts: &std::collections::BTreeMap<String, u64>, n: usize) -> String {
    let mut sorted: Vec<_> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    sorted
        .iter()
        .take(n)
        .map(|(key, count)| format!("{key} {}", thousands(**count)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn times(r: Option<f64>) -> String {
    r.map_or("–".into(), |r| format!("{r:.2}×"))
}

/// The table of one comparison.
pub fn table(c: &Comparison) -> Table {
    let (o, f) = (&c.operator, &c.floor);
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(vec![
        match o.namespaces {
            0 | 1 => format!("N = {}", c.instances),
            k => format!("N = {} in {k} namespaces", c.instances),
        },
        "operator".into(),
        "floor".into(),
        "operator ÷ floor".into(),
    ]);
    table.add_row(vec![
        "time until all Running".into(),
        format!(
            "{:.1} s ({} of {})",
            o.seconds_to_running, o.running, o.instances
        ),
        format!(
            "{:.1} s ({} of {})",
            f.seconds_to_running, f.running, f.instances
        ),
        times(c.ratio.seconds_to_running),
    ]);
    table.add_row(vec![
        "requests by the reconciler (audit log)".into(),
        format!(
            "{}\n{}",
            thousands(measure::total(&o.requests_by_reconciler)),
            verbs(&o.requests_by_reconciler)
        ),
        format!(
            "{}\n{}",
            thousands(measure::total(&f.requests_by_reconciler)),
            verbs(&f.requests_by_reconciler)
        ),
        times(c.ratio.requests_by_reconciler),
    ]);
    table.add_row(vec![
        "largest: by verb and resource".into(),
        largest(&o.requests_by_resource, 8),
        largest(&f.requests_by_resource, 8),
        "".into(),
    ]);
    table.add_row(vec![
        "of which writes".into(),
        thousands(measure::writes(&o.requests_by_reconciler)),
        thousands(measure::writes(&f.requests_by_reconciler)),
        times(c.ratio.writes_by_reconciler),
    ]);
    table.add_row(vec![
        "requests by every client (API server metrics)".into(),
        format!(
            "{}\n{}",
            thousands(measure::total(&o.requests_all_clients)),
            verbs(&o.requests_all_clients)
        ),
        format!(
            "{}\n{}",
            thousands(measure::total(&f.requests_all_clients)),
            verbs(&f.requests_all_clients)
        ),
        times(c.ratio.requests_all_clients),
    ]);
    let idle = |o: &Outcome| {
        format!(
            "{} / {}\n{}",
            measure::total(&o.idle_writes_by_reconciler),
            o.idle_writes_all_clients,
            verbs(&o.idle_writes_by_reconciler)
        )
    };
    table.add_row(vec![
        format!(
            "writes in {} s idle: reconciler / every client",
            o.idle_seconds
        ),
        idle(o),
        idle(f),
        "".into(),
    ]);
    if let Some(change) = &o.one_change {
        let total = |m: &std::collections::BTreeMap<String, u64>| m.values().sum::<u64>();
        table.add_row(vec![
            "one change (replicas of one instance): requests until applied".into(),
            format!(
                "{} in {:.2} s\n{}",
                total(&change.requests_until_applied),
                change.seconds_to_applied,
                largest(&change.requests_until_applied, 6)
            ),
            "–".into(),
            "".into(),
        ]);
        table.add_row(vec![
            format!("…and in the {} s after", change.seconds_after),
            format!(
                "{}\n{}",
                total(&change.requests_after),
                largest(&change.requests_after, 6)
            ),
            "–".into(),
            "".into(),
        ]);
    }
    table.add_row(vec![
        "peak RSS".into(),
        mib(o.usage.peak_rss_bytes),
        mib(f.usage.peak_rss_bytes),
        times(c.ratio.peak_rss),
    ]);
    table.add_row(vec![
        "  of it: own pages · binary and libraries (sampled peaks)".into(),
        format!(
            "{} · {}",
            mib(o.usage.peak_anon_bytes),
            mib(o.usage.peak_file_bytes)
        ),
        format!(
            "{} · {}",
            mib(f.usage.peak_anon_bytes),
            mib(f.usage.peak_file_bytes)
        ),
        String::new(),
    ]);
    if !o.reconciles.is_empty() {
        table.add_row(vec![
            "reconciles run (operator's metrics, to the end)".into(),
            largest(&o.reconciles, 8),
            "–".into(),
            "".into(),
        ]);
    }
    if !o.stores.is_empty() {
        let mut stores: Vec<_> = o.stores.iter().filter(|(_, s)| s.objects > 0).collect();
        stores.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        let lines: Vec<String> = stores
            .iter()
            .map(|(name, s)| format!("{name}: {} objects, {}", thousands(s.objects), mib(s.bytes)))
            .collect();
        table.add_row(vec![
            "watch caches at the end (objects, size as JSON)".into(),
            lines.join("\n"),
            "–".into(),
            "".into(),
        ]);
    }
    table.add_row(vec![
        "CPU time (user + system)".into(),
        format!("{:.1} s", o.usage.cpu_seconds),
        format!("{:.1} s", f.usage.cpu_seconds),
        times(c.ratio.cpu_seconds),
    ]);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_listed_largest_first_with_separators() {
        let counts = ByVerb::from([
            ("GET".into(), 1234),
            ("WATCH".into(), 12),
            ("LIST".into(), 1_000_000),
        ]);
        assert_eq!(verbs(&counts), "LIST 1,000,000 · GET 1,234 · WATCH 12");
        assert_eq!(verbs(&ByVerb::new()), "none");
        assert_eq!(times(ratio(3.0, 2.0)), "1.50×");
        assert_eq!(times(ratio(3.0, 0.0)), "–");
    }
}
