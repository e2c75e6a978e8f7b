//! Signed callbacks: when an OdooInstance names a `spec.webhook.url`, each phase
//! change of the instance and each finished job resource of it is POSTed there as
//! JSON, signed with HMAC-SHA256 under the key of `spec.webhook.secretRef`.
//!
//! A reconcile never waits for a receiver: it puts the delivery on a bounded queue
//! (`try_send`, so a full queue drops the new delivery, counted in
//! `odoo_operator_callbacks_total{outcome="dropped"}` and logged) and goes on. A
//! background task drains the queue, sends each delivery up to [`deliver::ATTEMPTS`]
//! times with exponential backoff, and gives up with a `CallbackFailed` Warning
//! event on the instance. Delivery is at least once: a receiver deduplicates by
//! the `X-Odoo-Operator-Delivery` id, which every retry of one delivery repeats.

pub mod deliver;

use std::future::Future;

use bytes::Bytes;
use kube::{Client, Resource, ResourceExt};
use odoo_model::{InstancePhase, JobPhase, OdooInstance};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::metrics::Metrics;

/// Deliveries waiting for the background task. A receiver that is down holds at
/// most [`deliver::MAX_IN_FLIGHT`] of them in retries; the queue absorbs bursts
/// (an operator restart re-reconciling every instance) beyond that.
const QUEUE_CAPACITY: usize = 1024;

/// The `X-Odoo-Operator-Event` of a phase change.
pub const PHASE_CHANGED: &str = "phase-changed";
/// The `X-Odoo-Operator-Event` of a finished job resource.
pub const JOB_FINISHED: &str = "job-finished";

pub use deliver::Delivery;

/// The reconcilers' handle on the callback queue. Cheap to clone.
#[derive(Clone)]
pub struct Callbacks {
    queue: Option<mpsc::Sender<Delivery>>,
    metrics: Metrics,
}

impl Callbacks {
    /// The handle and the background task that sends; spawn the task once.
    pub fn new(
        client: Client,
        events: crate::runtime::events::Events,
        metrics: Metrics,
    ) -> (Callbacks, impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let worker = deliver::Worker::new(client, events, metrics.clone());
        let callbacks = Callbacks {
            queue: Some(tx),
            metrics,
        };
        (callbacks, worker.run(rx))
    }

    /// A handle that sends nothing (unit tests, tools).
    pub fn disabled() -> Callbacks {
        Callbacks {
            queue: None,
            metrics: Metrics::new(),
        }
    }

    /// The instance went from phase `from` to `to`.
    pub fn phase_changed(&self, instance: &OdooInstance, from: InstancePhase, to: InstancePhase) {
        self.enqueue(
            instance,
            PHASE_CHANGED,
            json!({ "from": from, "to": to, "phase": to }),
        );
    }

    /// A job resource of the instance (`kind` OdooInitJob, OdooBackupJob, …) reached
    /// Succeeded or Failed.
    pub fn job_finished(
        &self,
        instance: &OdooInstance,
        kind: &str,
        name: &str,
        phase: JobPhase,
        message: &str,
    ) {
        self.enqueue(
            instance,
            JOB_FINISHED,
            json!({ "job": { "kind": kind, "name": name, "phase": phase, "message": message } }),
        );
    }

    fn enqueue(&self, instance: &OdooInstance, event: &'static str, fields: Value) {
        let (Some(queue), Some(webhook)) = (&self.queue, &instance.spec.webhook) else {
            return;
        };
        let id = delivery_id();
        let body = body(
            event,
            &id,
            &instance.namespace().unwrap_or_default(),
            &instance.name_any(),
            &k8s_openapi::jiff::Timestamp::now().to_string(),
            fields,
        );
        let delivery = Delivery {
            id,
            event,
            url: webhook.url.clone(),
            secret: webhook.secret_ref.clone(),
            instance: instance.object_ref(&()),
            body,
        };
        if let Err(e) = queue.try_send(delivery) {
            let (mpsc::error::TrySendError::Full(d) | mpsc::error::TrySendError::Closed(d)) = e;
            self.metrics.callback("dropped");
            tracing::warn!(
                delivery = d.id,
                event,
                instance = instance.name_any(),
                "callback queue full or closed; callback dropped"
            );
        }
    }
}

/// The JSON body: what happened, to which instance, when, and the delivery id.
pub fn body(
    event: &str,
    id: &str,
    namespace: &str,
    name: &str,
    time: &str,
    fields: Value,
) -> Bytes {
    let mut body = json!({
        "event": event,
        "id": id,
        "time": time,
        "instance": { "namespace": namespace, "name": name },
    });
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    // A `Value` always serialises.
    Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
}

/// 128 random bits in hex; unique per delivery, repeated by its retries.
fn delivery_id() -> String {
    let mut bytes = [0u8; 16];
    // Without OS randomness the id is still unique enough from the clock.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    deliver::hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_the_event_the_instance_and_the_change() {
        let body = body(
            PHASE_CHANGED,
            "abc",
            "shop-ns",
            "shop",
            "2026-01-01T00:00:00Z",
            json!({ "from": InstancePhase::Starting, "to": InstancePhase::Running, "phase": InstancePhase::Running }),
        );
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            v,
            json!({
                "event": "phase-changed", "id": "abc", "time": "2026-01-01T00:00:00Z",
                "instance": { "namespace": "shop-ns", "name": "shop" },
                "from": "Starting", "to": "Running", "phase": "Running",
            })
        );
    }

    #[test]
    fn delivery_ids_are_unique() {
        let a = delivery_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, delivery_id());
    }

    #[test]
    fn an_instance_without_a_webhook_sends_nothing() {
        let (tx, mut rx) = mpsc::channel(1);
        let callbacks = Callbacks {
            queue: Some(tx),
            metrics: Metrics::new(),
        };
        let mut instance = OdooInstance::new("shop", Default::default());
        callbacks.phase_changed(&instance, InstancePhase::Starting, InstancePhase::Running);
        assert!(rx.try_recv().is_err());

        instance.spec.webhook = Some(odoo_model::instance::WebhookSpec {
            url: "https://hooks.example.com/odoo".into(),
            secret_ref: None,
        });
        callbacks.job_finished(
            &instance,
            "OdooInitJob",
            "shop-init",
            JobPhase::Succeeded,
            "ok",
        );
        let d = rx.try_recv().expect("one delivery");
        assert_eq!(
            (d.event, d.url.as_str()),
            (JOB_FINISHED, "https://hooks.example.com/odoo")
        );
        // The queue holds one: the next is dropped, not waited for.
        callbacks.job_finished(&instance, "OdooInitJob", "a", JobPhase::Failed, "x");
        callbacks.job_finished(&instance, "OdooInitJob", "b", JobPhase::Failed, "x");
        assert!(
            callbacks
                .metrics
                .encode()
                .contains("odoo_operator_callbacks_total{outcome=\"dropped\"} 1")
        );
    }
}
