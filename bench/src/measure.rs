//! What the benchmark measures, and how: request counts from the API server's
//! `/metrics` (every client) and from its audit log (one identity), and a process's
//! peak memory and CPU time from `/proc`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;

use odoo_tests::ControlPlane;

/// Requests by verb (`GET`, `LIST`, `WATCH`, `POST`, `APPLY`, `PATCH`, `PUT`, `DELETE`…).
pub type ByVerb = BTreeMap<String, u64>;

/// Verbs that change stored state, as the API server's metrics spell them.
const WRITE_VERBS: &[&str] = &[
    "POST",
    "PUT",
    "PATCH",
    "APPLY",
    "DELETE",
    "DELETECOLLECTION",
];

/// Sum of the write verbs.
pub fn writes(counts: &ByVerb) -> u64 {
    counts
        .iter()
        .filter(|(verb, _)| WRITE_VERBS.contains(&verb.as_str()))
        .map(|(_, n)| n)
        .sum()
}

/// Sum over every verb.
pub fn total(counts: &ByVerb) -> u64 {
    counts.values().sum()
}

/// `after - before` per verb, leaving out verbs that did not move.
pub fn delta(before: &ByVerb, after: &ByVerb) -> ByVerb {
    after
        .iter()
        .map(|(verb, n)| {
            (
                verb.clone(),
                n.saturating_sub(*before.get(verb).unwrap_or(&0)),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// `apiserver_request_total` summed by verb: every request any client sent so far.
pub fn api_server_requests(cp: &ControlPlane) -> anyhow::Result<ByVerb> {
    let text = cp
        .kubectl_output(&["get", "--raw=/metrics"])
        .context("reading the API server's /metrics")?;
    Ok(requests_by_verb(&text))
}

/// Parses the Prometheus text of the API server.
pub fn requests_by_verb(metrics: &str) -> ByVerb {
    let mut out = ByVerb::new();
    for (verb, value) in samples(metrics, "apiserver_request_total", "verb") {
        *out.entry(verb.to_owned()).or_default() += value;
    }
    out
}

/// The samples of `metric` in Prometheus text, as the value of their label
/// `label` and the sample's value; samples without that label are left out.
fn samples<'a>(
    metrics: &'a str,
    metric: &'a str,
    label: &'a str,
) -> impl Iterator<Item = (&'a str, u64)> + 'a {
    metrics.lines().filter_map(move |line| {
        let rest = line.strip_prefix(metric)?.strip_prefix('{')?;
        let (labels, value) = rest.rsplit_once("} ")?;
        let found = labels.split(',').find_map(|l| {
            l.strip_prefix(label)?
                .strip_prefix("=\"")
                .map(|v| v.trim_end_matches('"'))
        })?;
        Some((found, value.trim().parse::<f64>().ok()? as u64))
    })
}

/// Where the audit log ends now: later counts start here.
pub fn audit_offset(log: &Path) -> u64 {
    std::fs::metadata(log).map(|m| m.len()).unwrap_or(0)
}

/// Requests of `username` audited between bytes `from` and `to` (the end when
/// `None`) of the log, by verb in the metrics' spelling. A watch is audited when it
/// starts and again when it ends, so requests are counted once per audit ID.
pub fn audited_requests(
    log: &Path,
    from: u64,
    to: Option<u64>,
    username: &str,
) -> anyhow::Result<ByVerb> {
    audited(log, from, to, username, |verb, _| verb)
}

/// Like [`audited_requests`], by `VERB resource[/subresource]`: where the requests
/// went, so a change can be traced to the figure it moved.
pub fn audited_by_resource(
    log: &Path,
    from: u64,
    to: Option<u64>,
    username: &str,
) -> anyhow::Result<BTreeMap<String, u64>> {
    audited(log, from, to, username, |verb, resource| {
        format!("{verb} {resource}")
    })
}

/// Like [`audited_requests`], counting the writes only, by `VERB resource`: what a
/// client keeps writing when nothing changes.
pub fn audited_writes(
    log: &Path,
    from: u64,
    to: Option<u64>,
    username: &str,
) -> anyhow::Result<BTreeMap<String, u64>> {
    let all = audited(log, from, to, username, |verb, resource| {
        format!("{verb} {resource}")
    })?;
    Ok(all
        .into_iter()
        .filter(|(key, _)| {
            !["GET ", "LIST ", "WATCH "]
                .iter()
                .any(|r| key.starts_with(r))
        })
        .collect())
}

fn audited(
    log: &Path,
    from: u64,
    to: Option<u64>,
    username: &str,
    key: impl Fn(String, &str) -> String,
) -> anyhow::Result<BTreeMap<String, u64>> {
    use std::io::{BufRead as _, Read as _, Seek as _};
    let mut file =
        std::fs::File::open(log).with_context(|| format!("opening {}", log.display()))?;
    file.seek(std::io::SeekFrom::Start(from))?;
    let window = file.take(to.map_or(u64::MAX, |to| to.saturating_sub(from)));
    let mut seen = BTreeSet::new();
    let mut out = ByVerb::new();
    for line in std::io::BufReader::new(window).lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(&line?) else {
            continue;
        };
        if event["user"]["username"] != username {
            continue;
        }
        let id = event["auditID"].as_str().unwrap_or_default().to_owned();
        if !seen.insert(id) {
            continue;
        }
        let verb = metrics_verb(event["verb"].as_str().unwrap_or_default());
        let resource = event["objectRef"]["resource"].as_str().unwrap_or_default();
        let resource = match event["objectRef"]["subresource"].as_str() {
            Some(sub) => format!("{resource}/{sub}"),
            None => resource.to_owned(),
        };
        *out.entry(key(verb, &resource)).or_default() += 1;
    }
    Ok(out)
}

/// The audit log's verbs (`get`, `list`, `watch`, `create`, `patch`…) in the metrics'
/// spelling. The log does not tell a server-side apply from another patch, so both
/// count as `PATCH` here (the metrics say `APPLY` for the former).
fn metrics_verb(verb: &str) -> String {
    match verb {
        "create" => "POST".into(),
        "update" => "PUT".into(),
        other => other.to_uppercase(),
    }
}

/// What one of the operator's watch caches holds, from its metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreSize {
    pub objects: u64,
    /// The objects' size as JSON.
    pub bytes: u64,
}

/// The operator's `/metrics` on `port`, read over plain HTTP.
pub fn operator_metrics(port: u16) -> anyhow::Result<String> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))
        .with_context(|| format!("connecting to the operator's port {port}"))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (_, body) = response
        .split_once("\r\n\r\n")
        .context("the operator's /metrics sent no body")?;
    Ok(body.to_owned())
}

/// Each store's objects and size, from the operator's metrics text.
pub fn store_sizes(metrics: &str) -> BTreeMap<String, StoreSize> {
    let mut out = BTreeMap::<String, StoreSize>::new();
    for (store, objects) in samples(metrics, "odoo_operator_cache_objects", "store") {
        out.entry(store.to_owned()).or_default().objects = objects;
    }
    for (store, bytes) in samples(metrics, "odoo_operator_cache_size_bytes", "store") {
        out.entry(store.to_owned()).or_default().bytes = bytes;
    }
    out
}

/// Reconciles run per controller, from the operator's metrics text.
pub fn reconciles(metrics: &str) -> BTreeMap<String, u64> {
    samples(metrics, "odoo_operator_reconciles_total", "controller")
        .map(|(controller, n)| (controller.to_owned(), n))
        .collect()
}

/// Peak resident memory and CPU time (user + system) of a live process.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct ProcessUsage {
    pub peak_rss_bytes: u64,
    /// Of the resident memory, the largest sampled share of the process' own
    /// (anonymous) pages: its heap, stacks and buffers.
    pub peak_anon_bytes: u64,
    /// And of the pages mapped from its binary and libraries: shared with the page
    /// cache and reclaimable, about the same at any size.
    pub peak_file_bytes: u64,
    pub cpu_seconds: f64,
}

/// Samples a process' resident memory by kind (`RssAnon`, `RssFile`) five times a
/// second, for the peaks the kernel does not keep.
pub struct MemorySampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64)>,
}

impl MemorySampler {
    pub fn start(pid: u32) -> MemorySampler {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut anon, mut file) = (0, 0);
            while !stopped.load(Ordering::Relaxed) {
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    anon = anon.max(kib(&status, "RssAnon:").unwrap_or(0) * 1024);
                    file = file.max(kib(&status, "RssFile:").unwrap_or(0) * 1024);
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            (anon, file)
        });
        MemorySampler { stop, thread }
    }

    /// The peaks of anonymous and file-backed resident memory.
    pub fn finish(self) -> (u64, u64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or((0, 0))
    }
}

/// A `Name:   123 kB` line of `/proc/PID/status`, in KiB.
fn kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Reads `/proc/<pid>` (the process must still run: the kernel forgets both once it
/// is reaped).
pub fn process_usage(pid: u32) -> anyhow::Result<ProcessUsage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let peak_kib = kib(&status, "VmHWM:").context("no VmHWM in /proc/PID/status")?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which may hold spaces but ends at the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after ')'.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Ok(ProcessUsage {
        peak_rss_bytes: peak_kib * 1024,
        peak_anon_bytes: 0,
        peak_file_bytes: 0,
        cpu_seconds: ticks as f64 / clock_ticks_per_second(),
    })
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_summed_by_verb_across_resources_and_codes() {
        let text = "# HELP apiserver_request_total x\n\
apiserver_request_total{code=\"200\",component=\"apiserver\",group=\"\",resource=\"pods\",scope=\"resource\",subresource=\"\",verb=\"GET\",version=\"v1\"} 12\n\
apiserver_request_total{code=\"404\",component=\"apiserver\",group=\"\",resource=\"secrets\",scope=\"resource\",subresource=\"\",verb=\"GET\",version=\"v1\"} 3\n\
apiserver_request_total{code=\"201\",component=\"apiserver\",group=\"apps\",resource=\"deployments\",scope=\"resource\",subresource=\"\",verb=\"APPLY\",version=\"v1\"} 4\n\
apiserver_request_duration_seconds_count{verb=\"GET\"} 99\n";
        let counts = requests_by_verb(text);
        assert_eq!(counts.get("GET"), Some(&15));
        assert_eq!(counts.get("APPLY"), Some(&4));
        assert_eq!(writes(&counts), 4);
        let later = requests_by_verb(&text.replace("} 12", "} 20"));
        assert_eq!(delta(&counts, &later), ByVerb::from([("GET".into(), 8)]));
    }

    #[test]
    fn audit_counts_each_request_once_and_only_for_the_user() {
        let dir = tempfile::tempdir().expect("test setup");
        let log = dir.path().join("audit.log");
        let line = |id: &str, user: &str, verb: &str, stage: &str| {
            serde_json::json!({"auditID": id, "user": {"username": user}, "verb": verb,
                "stage": stage, "objectRef": {"resource": "pods"}})
            .to_string()
        };
        let before = line("0", "odoo-operator", "get", "ResponseComplete");
        std::fs::write(&log, format!("{before}\n")).expect("test setup");
        let from = audit_offset(&log);
        let lines = [
            line("1", "odoo-operator", "watch", "ResponseStarted"),
            line("1", "odoo-operator", "watch", "ResponseComplete"),
            line("2", "odoo-operator", "create", "ResponseComplete"),
            line("3", "admin", "create", "ResponseComplete"),
            line("4", "odoo-operator", "patch", "ResponseComplete"),
        ];
        std::fs::write(&log, format!("{before}\n{}\n", lines.join("\n"))).expect("test setup");
        let counts = audited_requests(&log, from, None, "odoo-operator").expect("test setup");
        assert_eq!(
            counts,
            ByVerb::from([("WATCH".into(), 1), ("POST".into(), 1), ("PATCH".into(), 1)])
        );
        let first_two = audited_requests(
            &log,
            from,
            Some(from + (lines[0].len() + lines[1].len()) as u64 + 2),
            "odoo-operator",
        )
        .expect("test setup");
        assert_eq!(first_two, ByVerb::from([("WATCH".into(), 1)]));
        let writes = audited_writes(&log, from, None, "odoo-operator").expect("test setup");
        assert_eq!(
            writes,
            BTreeMap::from([("POST pods".into(), 1), ("PATCH pods".into(), 1)])
        );
    }

    #[test]
    fn store_sizes_are_read_from_the_operators_gauges() {
        let text = "# HELP odoo_operator_cache_objects Objects\n\
odoo_operator_cache_objects{store=\"secrets\"} 300\n\
odoo_operator_cache_size_bytes{store=\"secrets\"} 123456\n\
odoo_operator_cache_objects{store=\"pods\"} 100\n\
odoo_operator_reconciles_total{controller=\"instance\"} 9\n# EOF\n";
        let sizes = store_sizes(text);
        assert_eq!(
            sizes.get("secrets"),
            Some(&StoreSize {
                objects: 300,
                bytes: 123_456
            })
        );
        assert_eq!(sizes.get("pods").map(|s| s.objects), Some(100));
        assert_eq!(sizes.len(), 2);
        assert_eq!(reconciles(text), BTreeMap::from([("instance".into(), 9)]));
    }

    #[test]
    fn this_process_has_a_peak_and_has_used_cpu() {
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert_ne!(x, 1);
        let usage = process_usage(std::process::id()).expect("test setup");
        assert!(usage.peak_rss_bytes > 1 << 20, "{usage:?}");
        assert!(usage.cpu_seconds > 0.0, "{usage:?}");
    }

    #[test]
    fn the_sampler_sees_the_peak_of_the_process_own_pages() {
        let sampler = MemorySampler::start(std::process::id());
        // 64 MiB written (so resident), held across several samples, then freed.
        let block = vec![1u8; 64 << 20];
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(block.iter().map(|&b| u64::from(b)).sum::<u64>(), 64 << 20);
        drop(block);
        let (anon, file) = sampler.finish();
        assert!(anon >= 64 << 20, "anon peak {anon}");
        assert!(file > 0, "file peak {file}");
    }
}
