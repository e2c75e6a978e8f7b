//! Events leave from one queue, in the order they were emitted, so a reconcile does
//! not wait on a round trip per event: at a thousand new instances that waiting
//! was a large part of every pass. Events are best effort: a full queue (the API
//! server unreachable for long) drops new ones with a log line, as a failed
//! publish always did.

use std::sync::Mutex;

use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::events::{Event, Recorder};
use tokio::sync::mpsc;

/// Events waiting to be published before new ones are dropped.
const CAPACITY: usize = 10_000;

/// The queue and its one publishing task, started with the first event (in the
/// runtime that emits it).
pub struct Events {
    recorder: Recorder,
    sender: mpsc::Sender<(Event, ObjectReference)>,
    receiver: Mutex<Option<mpsc::Receiver<(Event, ObjectReference)>>>,
}

impl Events {
    pub fn new(recorder: Recorder) -> Events {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        Events {
            recorder,
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }

    /// Queues `event` on `reference`.
    pub fn publish(&self, event: Event, reference: ObjectReference) {
        let receiver = self
            .receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(mut receiver) = receiver {
            let recorder = self.recorder.clone();
            tokio::spawn(async move {
                while let Some((event, reference)) = receiver.recv().await {
                    if let Err(e) = recorder.publish(&event, &reference).await {
                        tracing::warn!(error = %e, reason = event.reason, "publishing an event failed");
                    }
                }
            });
        }
        if let Err(e) = self.sender.try_send((event, reference)) {
            let (event, _) = e.into_inner();
            tracing::warn!(
                reason = event.reason,
                "event dropped: {CAPACITY} events are waiting to be published"
            );
        }
    }
}
