//! Prometheus metrics of the reconcilers, served as OpenMetrics text on `/metrics`.
//!
//! Label values are `&'static str` wherever the set is closed (controller names, error
//! categories from `strum::IntoStaticStr`), so a bug cannot blow up series cardinality;
//! phases are strings because they come from the typed phase's `Display`.

use std::sync::Arc;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use warp::Filter;
use warp::http::header::CONTENT_TYPE;

/// The content type of OpenMetrics text, as scrapers negotiate it.
pub const CONTENT_TYPE_OPENMETRICS: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Prefix of every series, so dashboards can tell the operator's metrics apart.
const PREFIX: &str = "odoo_operator";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ControllerLabels {
    controller: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    controller: &'static str,
    category: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransitionLabels {
    from: String,
    to: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreLabels {
    store: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallbackLabels {
    outcome: &'static str,
}

/// One instance: these series have one set per OdooInstance, removed with it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstanceLabels {
    namespace: String,
    instance: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerificationLabels {
    method: &'static str,
    result: &'static str,
}

type HistogramFamily<S> = Family<S, Histogram, fn() -> Histogram>;

/// The operator's metrics. Cheap to clone: every clone updates the same series.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Per-instance series, named `odoo_instance_…` as alerts on instances read
    /// them (the operator's own are `odoo_operator_…`).
    instances: Arc<Registry>,
    last_backup: Family<InstanceLabels, Gauge>,
    last_verified_backup: Family<InstanceLabels, Gauge>,
    reconcile_duration_seconds: HistogramFamily<ControllerLabels>,
    reconciles_total: Family<ControllerLabels, Counter>,
    reconcile_errors_total: Family<ErrorLabels, Counter>,
    phase_transitions_total: Family<TransitionLabels, Counter>,
    callbacks_total: Family<CallbackLabels, Counter>,
    backup_verifications_total: Family<VerificationLabels, Counter>,
    cache_objects: Family<StoreLabels, Gauge>,
    cache_bytes: Family<StoreLabels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn duration_histogram() -> Histogram {
    // 5 ms … ~20 s: a reconcile is a handful of API calls, but a slow PostgreSQL or
    // a throttled API server shows up in the upper buckets.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let reconcile_duration_seconds: HistogramFamily<ControllerLabels> =
            Family::new_with_constructor(duration_histogram);
        let reconciles_total = Family::<ControllerLabels, Counter>::default();
        let reconcile_errors_total = Family::<ErrorLabels, Counter>::default();
        let phase_transitions_total = Family::<TransitionLabels, Counter>::default();
        let callbacks_total = Family::<CallbackLabels, Counter>::default();
        let backup_verifications_total = Family::<VerificationLabels, Counter>::default();
        let cache_objects = Family::<StoreLabels, Gauge>::default();
        let cache_bytes = Family::<StoreLabels, Gauge>::default();
        // The client appends the unit and, for counters, `_total` to these names.
        registry.register_with_unit(
            "reconcile_duration",
            "Time spent in one reconcile",
            Unit::Seconds,
            reconcile_duration_seconds.clone(),
        );
        registry.register("reconciles", "Reconciles run", reconciles_total.clone());
        registry.register(
            "reconcile_errors",
            "Reconciles that failed, by error category",
            reconcile_errors_total.clone(),
        );
        registry.register(
            "phase_transitions",
            "OdooInstance phase changes",
            phase_transitions_total.clone(),
        );
        registry.register(
            "callbacks",
            "Instance callbacks by outcome: delivered, retried (one failed attempt), failed (gave up), dropped (queue full)",
            callbacks_total.clone(),
        );
        registry.register(
            "backup_verifications",
            "Verifications of stored backups (spec.verify) by method and result: passed or failed",
            backup_verifications_total.clone(),
        );
        registry.register(
            "cache_objects",
            "Objects held by each watch cache",
            cache_objects.clone(),
        );
        registry.register_with_unit(
            "cache_size",
            "Size of each watch cache's objects as JSON: what a store costs, within a small factor",
            Unit::Bytes,
            cache_bytes.clone(),
        );
        let mut instances = Registry::with_prefix("odoo_instance");
        let last_backup = Family::<InstanceLabels, Gauge>::default();
        let last_verified_backup = Family::<InstanceLabels, Gauge>::default();
        instances.register_with_unit(
            "last_backup_timestamp",
            "When the instance's last successful backup completed, in Unix seconds",
            Unit::Seconds,
            last_backup.clone(),
        );
        instances.register_with_unit(
            "last_verified_backup_timestamp",
            "When the instance's last backup whose verification passed completed, in Unix seconds",
            Unit::Seconds,
            last_verified_backup.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            instances: Arc::new(instances),
            last_backup,
            last_verified_backup,
            cache_objects,
            cache_bytes,
            reconcile_duration_seconds,
            reconciles_total,
            reconcile_errors_total,
            phase_transitions_total,
            callbacks_total,
            backup_verifications_total,
        }
    }

    /// Starts timing one reconcile of `controller`; the duration is observed and the
    /// reconcile counted when the timer drops, so early returns are measured too.
    pub fn reconcile_timer(&self, controller: &'static str) -> ReconcileTimer {
        ReconcileTimer {
            metrics: self.clone(),
            controller,
            start: Instant::now(),
        }
    }

    /// Counts a failed reconcile; `category` is the error variant's static name.
    pub fn reconcile_error(&self, controller: &'static str, category: &'static str) {
        self.reconcile_errors_total
            .get_or_create(&ErrorLabels {
                controller,
                category,
            })
            .inc();
    }

    pub fn phase_transition(&self, from: &str, to: &str) {
        let labels = TransitionLabels {
            from: from.to_owned(),
            to: to.to_owned(),
        };
        self.phase_transitions_total.get_or_create(&labels).inc();
    }

    /// Counts one callback outcome (a static word, see the series' help).
    pub fn callback(&self, outcome: &'static str) {
        self.callbacks_total
            .get_or_create(&CallbackLabels { outcome })
            .inc();
    }

    /// Counts one verification of a stored backup.
    pub fn backup_verification(&self, method: &'static str, passed: bool) {
        let result = if passed { "passed" } else { "failed" };
        self.backup_verifications_total
            .get_or_create(&VerificationLabels { method, result })
            .inc();
    }

    /// What one watch cache holds now.
    pub fn cache_size(&self, store: &'static str, objects: usize, bytes: usize) {
        let labels = StoreLabels { store };
        self.cache_objects
            .get_or_create(&labels)
            .set(objects as i64);
        self.cache_bytes.get_or_create(&labels).set(bytes as i64);
    }

    /// The backups an instance's status records (`None`: none yet); `gone` when the
    /// instance is deleted, which removes its series.
    pub fn instance_backups(
        &self,
        namespace: &str,
        instance: &str,
        status: Option<&odoo_model::instance::OdooInstanceStatus>,
        gone: bool,
    ) {
        let labels = InstanceLabels {
            namespace: namespace.to_owned(),
            instance: instance.to_owned(),
        };
        let series = [
            (
                &self.last_backup,
                status.and_then(|s| s.last_backup.as_ref()),
            ),
            (
                &self.last_verified_backup,
                status.and_then(|s| s.last_verified_backup.as_ref()),
            ),
        ];
        for (family, backup) in series {
            match backup {
                Some(b) if !gone => {
                    family
                        .get_or_create(&labels)
                        .set(b.completion_time.0.as_second());
                }
                _ => {
                    family.remove(&labels);
                }
            }
        }
    }

    /// All series in OpenMetrics text, ending with `# EOF`.
    pub fn encode(&self) -> String {
        use prometheus_client::encoding::text::{encode_eof, encode_registry};
        let mut out = String::new();
        // Writing to a String cannot fail; only a label encoder could, and ours are
        // derived. Serve what was encoded rather than fail the scrape.
        let encoded = encode_registry(&mut out, &self.registry)
            .and_then(|()| encode_registry(&mut out, &self.instances))
            .and_then(|()| encode_eof(&mut out));
        if let Err(error) = encoded {
            tracing::warn!(%error, "encoding metrics");
        }
        out
    }
}

/// Measures one reconcile; see [`Metrics::reconcile_timer`].
#[must_use = "the reconcile is measured when the timer drops"]
pub struct ReconcileTimer {
    metrics: Metrics,
    controller: &'static str,
    start: Instant,
}

impl Drop for ReconcileTimer {
    fn drop(&mut self) {
        let labels = ControllerLabels {
            controller: self.controller,
        };
        self.metrics
            .reconcile_duration_seconds
            .get_or_create(&labels)
            .observe(self.start.elapsed().as_secs_f64());
        self.metrics.reconciles_total.get_or_create(&labels).inc();
    }
}

/// `GET /metrics`, to combine with the other endpoints of the HTTP server.
pub fn routes(
    metrics: Metrics,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::path!("metrics").and(warp::get()).map(move || {
        warp::reply::with_header(metrics.encode(), CONTENT_TYPE, CONTENT_TYPE_OPENMETRICS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_instance_has_its_backup_times_until_it_is_deleted() {
        use odoo_model::instance::{LastBackup, OdooInstanceStatus};
        let metrics = Metrics::new();
        let at = |t: &str| LastBackup {
            name: "b".into(),
            completion_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                t.parse().expect("time"),
            ),
            size_bytes: None,
            verified: None,
        };
        let status = OdooInstanceStatus {
            last_backup: Some(at("2026-12-04T00:00:00Z")),
            ..Default::default()
        };
        metrics.instance_backups("team-a", "shop", Some(&status), false);
        metrics.instance_backups("team-a", "new", None, false);
        let text = metrics.encode();
        assert!(
            text.contains(
                "odoo_instance_last_backup_timestamp_seconds{namespace=\"team-a\",instance=\"shop\"} 1796342400\n"
            ),
            "{text}"
        );
        assert!(!text.contains("instance=\"new\""), "{text}");
        assert!(
            !text.contains("odoo_instance_last_verified_backup_timestamp_seconds{"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert_eq!(text.matches("# EOF").count(), 1, "{text}");
        metrics.instance_backups("team-a", "shop", Some(&status), true);
        assert!(!metrics.encode().contains("instance=\"shop\""));
    }

    #[test]
    fn transitions_and_errors_are_encoded_with_their_labels() {
        let metrics = Metrics::new();
        metrics.phase_transition("Provisioning", "Initializing");
        metrics.reconcile_error("instance", "ApplyDeployment");
        metrics.reconcile_error("instance", "ApplyDeployment");

        let text = metrics.encode();
        assert!(
            text.contains(
                "odoo_operator_phase_transitions_total{from=\"Provisioning\",to=\"Initializing\"} 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "odoo_operator_reconcile_errors_total{controller=\"instance\",category=\"ApplyDeployment\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_dropped_timer_counts_and_observes_one_reconcile() {
        let metrics = Metrics::new();
        drop(metrics.reconcile_timer("init_job"));

        let text = metrics.encode();
        assert!(
            text.contains("odoo_operator_reconciles_total{controller=\"init_job\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "odoo_operator_reconcile_duration_seconds_count{controller=\"init_job\"} 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("# UNIT odoo_operator_reconcile_duration_seconds seconds\n"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn the_route_serves_openmetrics_text() {
        let metrics = Metrics::new();
        metrics.phase_transition("Starting", "Running");
        let response = warp::test::request()
            .method("GET")
            .path("/metrics")
            .reply(&routes(metrics))
            .await;

        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[CONTENT_TYPE], CONTENT_TYPE_OPENMETRICS);
        let body = String::from_utf8_lossy(response.body());
        assert!(body.contains("to=\"Running\"} 1"), "{body}");
    }
}
