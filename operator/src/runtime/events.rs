//! Events leave from one queue, taken in the order they were emitted and written
//! several at a time, so a reconcile does not wait on a round trip per event: at a
//! thousand new instances that waiting was a large part of every pass. Events are
//! best effort: a full queue (the API server unreachable for long) drops new ones
//! with a log line, as a failed publish always did.
//!
//! One writer at a time was not enough: a phase transition waits for its event
//! (see [`Events::publish_written`]), and at a thousand new instances one writer
//! was behind by many seconds, which held every transition back.
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

/// Events written at once. Each is one small request; more at once keep a burst
/// of transitions from waiting in line behind each other.
const CONCURRENT_WRITES: usize = 16;

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
        if let Some((receiver, writer)) = idle {
            tokio::spawn(writer.run(receiver));
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

/// A repeat whose first event was deleted meanwhile (its TTL, a user) was written
/// as a new event: the series goes on from that one.
type Restarted = Option<(u64, String)>;

impl Writer {
    /// Writes the queue's events, [`CONCURRENT_WRITES`] at a time, until every
    /// sender is gone.
    async fn run(mut self, mut receiver: mpsc::Receiver<Queued>) {
        use futures::StreamExt as _;
        let mut writing = futures::stream::FuturesUnordered::new();
        loop {
            tokio::select! {
                queued = receiver.recv(), if writing.len() < CONCURRENT_WRITES => {
                    let Some(q) = queued else { break };
                    writing.push(self.write(q));
                }
                Some(restarted) = writing.next(), if !writing.is_empty() => {
                    if let Some((key, name)) = restarted {
                        self.series.first(key, name, Instant::now());
                    }
                }
            }
        }
        // The queue is closed: finish what is being written.
        while writing.next().await.is_some() {}
    }

    /// The write of one event: a new event, or the count of a repeat on the first
    /// one. Which it is and the new event's name are settled here, before the
    /// request, so later repeats count on it while it is being written.
    fn write(&mut self, q: Queued) -> impl std::future::Future<Output = Restarted> + use<> {
        let now = Instant::now();
        let namespace = q.regarding.namespace.as_deref().unwrap_or("default");
        let api: Api<K8sEvent> = Api::namespaced(self.client.clone(), namespace);
        let key = key(&q.event, &q.regarding);
        let new = self.build(&q.event, &q.regarding);
        let repeat = self.series.repeat(key, now);
        if repeat.is_none() {
            self.series.first(key, new.name_any(), now);
        }
        let reason = q.event.reason;
        async move {
            let restarted = match repeat {
                Some((name, count)) => count_repeat(&api, &name, count, new, key).await,
                None => api.create(&PostParams::default(), &new).await.map(|_| None),
            };
            if let Some(tell) = q.written {
                let _ = tell.send(());
            }
            restarted.unwrap_or_else(|e| {
                tracing::warn!(error = %e, reason, "publishing an event failed");
                None
            })
        }
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

/// Counts a repeat on the event `name`, or writes `new` if that one is gone.
async fn count_repeat(
    api: &Api<K8sEvent>,
    name: &str,
    count: i32,
    new: K8sEvent,
    key: u64,
) -> kube::Result<Restarted> {
    let patch = serde_json::json!({
        "series": {
            "count": count,
            "lastObservedTime": MicroTime(k8s_openapi::jiff::Timestamp::now()),
        }
    });
    match api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Err(kube::Error::Api(s)) if s.is_not_found() => {
            let created = api.create(&PostParams::default(), &new).await?;
            Ok(Some((key, created.name_any())))
        }
        other => other.map(|_| None),
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
