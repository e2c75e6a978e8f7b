//! Events leave from one queue, in the order they were emitted, so a reconcile does
//! not wait on a round trip per event: at a thousand new instances that waiting
//! was a large part of every pass. Events are best effort: a full queue (the API
//! server unreachable for long) drops new ones with a log line, as a failed
//! publish always did.
//!
//! The queue's task writes `events.k8s.io/v1` Events itself rather than through
//! kube's `Recorder`, which keeps a clone of every event it published for six
//! minutes (to count repeats) and scans them all on each publish: at a thousand
//! new instances that was the operator's second largest use of memory. Here a
//! repeat is known by a hash and counted on the event first written (its
//! `series`), so what is remembered per event is a name and a counter.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::Event as K8sEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::events::{Event, EventType, Reporter};
use kube::{Client, ResourceExt};
use tokio::sync::mpsc;

/// Events waiting to be published before new ones are dropped.
const CAPACITY: usize = 10_000;

/// A repeat within this long of the last one is counted on the first event, as
/// client-go's recorder does.
const SERIES_WINDOW: Duration = Duration::from_secs(6 * 60);

/// How often events older than the window are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

struct Queued {
    event: Event,
    regarding: ObjectReference,
    /// Told once the event was written (or its write failed).
    written: Option<tokio::sync::oneshot::Sender<()>>,
}

/// How long [`Events::publish_written`] waits for a queue that is far behind.
const WRITTEN_WAIT: Duration = Duration::from_secs(10);

/// The queue's receiving end and its writer, until the first event starts them.
type Idle = Option<(mpsc::Receiver<Queued>, Writer)>;

/// The queue and its one publishing task, started with the first event (in the
/// runtime that emits it). Clones share both.
#[derive(Clone)]
pub struct Events {
    sender: mpsc::Sender<Queued>,
    writer: Arc<Mutex<Idle>>,
}

impl Events {
    pub fn new(client: Client, reporter: Reporter) -> Events {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        let writer = Writer {
            client,
            reporter,
            series: Series::default(),
        };
        Events {
            sender,
            writer: Arc::new(Mutex::new(Some((receiver, writer)))),
        }
    }

    /// Queues `event` on `regarding`.
    pub fn publish(&self, event: Event, regarding: ObjectReference) {
        self.queue(event, regarding, None);
    }

    /// Queues `event` and waits until it was written (at most [`WRITTEN_WAIT`]): for
    /// an event that must not be lost if the process dies right after, such as a
    /// phase transition written before the status that records it.
    pub async fn publish_written(&self, event: Event, regarding: ObjectReference) {
        let (tell, written) = tokio::sync::oneshot::channel();
        self.queue(event, regarding, Some(tell));
        let _ = tokio::time::timeout(WRITTEN_WAIT, written).await;
    }

    fn queue(
        &self,
        event: Event,
        regarding: ObjectReference,
        written: Option<tokio::sync::oneshot::Sender<()>>,
    ) {
        let idle = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((mut receiver, mut writer)) = idle {
            tokio::spawn(async move {
                while let Some(q) = receiver.recv().await {
                    if let Err(e) = writer.write(&q.event, &q.regarding).await {
                        tracing::warn!(error = %e, reason = q.event.reason, "publishing an event failed");
                    }
                    if let Some(tell) = q.written {
                        let _ = tell.send(());
                    }
                }
            });
        }
        let queued = Queued {
            event,
            regarding,
            written,
        };
        if let Err(e) = self.sender.try_send(queued) {
            let q = e.into_inner();
            tracing::warn!(
                reason = q.event.reason,
                "event dropped: {CAPACITY} events are waiting to be published"
            );
        }
    }
}

/// Writes events; the only owner of the series memory.
struct Writer {
    client: Client,
    reporter: Reporter,
    series: Series,
}

impl Writer {
    async fn write(&mut self, event: &Event, regarding: &ObjectReference) -> kube::Result<()> {
        let now = Instant::now();
        let namespace = regarding.namespace.as_deref().unwrap_or("default");
        let api: Api<K8sEvent> = Api::namespaced(self.client.clone(), namespace);
        let key = key(event, regarding);
        if let Some((name, count)) = self.series.repeat(key, now) {
            let patch = serde_json::json!({
                "series": {
                    "count": count,
                    "lastObservedTime": MicroTime(k8s_openapi::jiff::Timestamp::now()),
                }
            });
            match api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                // Deleted meanwhile (its TTL, a user): a new event starts a new count.
                Err(kube::Error::Api(s)) if s.is_not_found() => {}
                other => return other.map(|_| ()),
            }
        }
        let created = api
            .create(&PostParams::default(), &self.build(event, regarding))
            .await?;
        self.series.first(key, created.name_any(), now);
        Ok(())
    }

    fn build(&self, event: &Event, regarding: &ObjectReference) -> K8sEvent {
        let now = k8s_openapi::jiff::Timestamp::now();
        let controller = &self.reporter.controller;
        K8sEvent {
            action: Some(event.action.clone()),
            reason: Some(event.reason.clone()),
            event_time: Some(MicroTime(now)),
            regarding: Some(regarding.clone()),
            related: event.secondary.clone(),
            note: event.note.clone(),
            metadata: ObjectMeta {
                namespace: regarding.namespace.clone(),
                // Unique per publish, like client-go's `<name>.<nanoseconds>`.
                name: Some(format!(
                    "{}.{:x}",
                    regarding.name.as_ref().unwrap_or(controller),
                    now.as_nanosecond()
                )),
                ..Default::default()
            },
            reporting_controller: Some(controller.clone()),
            reporting_instance: Some(
                self.reporter
                    .instance
                    .clone()
                    .unwrap_or_else(|| controller.clone()),
            ),
            type_: Some(
                match event.type_ {
                    EventType::Normal => "Normal",
                    EventType::Warning => "Warning",
                }
                .into(),
            ),
            ..Default::default()
        }
    }
}

/// What makes two events the same event: the object, type, reason and message.
fn key(event: &Event, regarding: &ObjectReference) -> u64 {
    let mut h = DefaultHasher::new();
    (
        &regarding.uid,
        &regarding.kind,
        &regarding.namespace,
        &regarding.name,
        matches!(event.type_, EventType::Warning),
        &event.reason,
        &event.action,
        &event.note,
    )
        .hash(&mut h);
    h.finish()
}

/// The events written within the window, to count their repeats.
#[derive(Default)]
struct Series {
    recent: HashMap<u64, Recent>,
    pruned: Option<Instant>,
}

struct Recent {
    name: String,
    count: i32,
    last: Instant,
}

impl Series {
    /// The event `key` repeats and its new count, when it was seen within the window.
    fn repeat(&mut self, key: u64, now: Instant) -> Option<(String, i32)> {
        self.prune(now);
        let recent = self.recent.get_mut(&key)?;
        if now.duration_since(recent.last) >= SERIES_WINDOW {
            return None;
        }
        recent.count += 1;
        recent.last = now;
        Some((recent.name.clone(), recent.count))
    }

    /// `key` was written as the event `name`.
    fn first(&mut self, key: u64, name: String, now: Instant) {
        self.recent.insert(
            key,
            Recent {
                name,
                count: 1,
                last: now,
            },
        );
    }

    fn prune(&mut self, now: Instant) {
        if self
            .pruned
            .is_some_and(|p| now.duration_since(p) < PRUNE_EVERY)
        {
            return;
        }
        self.pruned = Some(now);
        self.recent
            .retain(|_, r| now.duration_since(r.last) < SERIES_WINDOW);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(reason: &str, note: &str) -> Event {
        Event {
            type_: EventType::Normal,
            reason: reason.into(),
            note: Some(note.into()),
            action: reason.into(),
            secondary: None,
        }
    }

    fn on(name: &str) -> ObjectReference {
        ObjectReference {
            kind: Some("OdooInstance".into()),
            namespace: Some("shop".into()),
            name: Some(name.into()),
            uid: Some(format!("uid-{name}")),
            ..Default::default()
        }
    }

    #[test]
    fn an_event_is_the_same_only_with_the_same_object_reason_and_message() {
        let a = key(&event("Transition", "Running"), &on("a"));
        assert_eq!(a, key(&event("Transition", "Running"), &on("a")));
        assert_ne!(a, key(&event("Transition", "Starting"), &on("a")));
        assert_ne!(a, key(&event("Other", "Running"), &on("a")));
        assert_ne!(a, key(&event("Transition", "Running"), &on("b")));
    }

    #[test]
    fn repeats_within_the_window_count_on_the_first_event() {
        let mut series = Series::default();
        let t0 = Instant::now();
        assert_eq!(series.repeat(7, t0), None);
        series.first(7, "a.1".into(), t0);
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(series.repeat(7, t1), Some(("a.1".into(), 2)));
        // The window runs from the last repeat.
        let t2 = t1 + SERIES_WINDOW - Duration::from_secs(1);
        assert_eq!(series.repeat(7, t2), Some(("a.1".into(), 3)));
        assert_eq!(series.repeat(8, t2), None);
    }

    #[test]
    fn events_older_than_the_window_are_forgotten() {
        let mut series = Series::default();
        let t0 = Instant::now();
        series.first(1, "a.1".into(), t0);
        series.prune(t0);
        let later = t0 + SERIES_WINDOW + PRUNE_EVERY;
        assert_eq!(series.repeat(1, later), None);
        assert!(series.recent.is_empty(), "pruned at {later:?}");
    }
}
