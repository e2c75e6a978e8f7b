//! What every reconcile shares.

use k8s_openapi::api::core::v1::ObjectReference;
use kube::core::DeserializeGuard;
use kube::runtime::events::{Event, EventType, Reporter};
use kube::{Client, Resource};

use odoo_model::Reason;

use crate::config::OperatorConfig;

/// Shared state of the controllers.
pub struct Context {
    pub client: Client,
    pub config: OperatorConfig,
    /// The queue events leave from (see `events`).
    pub events: super::events::Events,
    pub metrics: crate::metrics::Metrics,
    /// Retry delays of objects whose last reconcile failed transiently.
    pub backoff: super::backoff::Backoff,
    /// Signed callbacks to the instances' webhooks; sends nothing until the binary
    /// replaces it with a running one (see `cli::run`).
    pub callbacks: crate::callbacks::Callbacks,
    /// Writes of ours the watch caches have not shown yet (see `fresh`).
    pub written: super::fresh::Written,
    /// Bounds provisioning's connections per PostgreSQL cluster.
    pub pg_pools: crate::pg::pool::Pools,
    /// What the instance controller's watches saw (see `caches`).
    pub caches: super::caches::Caches,
    /// Each instance's kept databases as last listed (see `kept_expiry`).
    pub kept_lists: super::kept_lists::KeptLists,
    /// The caches' write halves, taken once by `controller::run`.
    writers: std::sync::Mutex<Option<super::caches::Writers>>,
}

impl Context {
    pub fn new(
        client: Client,
        config: OperatorConfig,
        metrics: crate::metrics::Metrics,
    ) -> Context {
        let reporter = Reporter {
            controller: "odoo-operator".into(),
            instance: std::env::var("POD_NAME").ok(),
        };
        let (caches, writers) = super::caches::Caches::new();
        let pg_pools = crate::pg::pool::Pools::new(config.pg_connections_per_cluster);
        Context {
            events: super::events::Events::new(client.clone(), reporter),
            pg_pools,
            written: super::fresh::Written::default(),
            kept_lists: Default::default(),
            client,
            config,
            metrics,
            backoff: super::backoff::Backoff::default(),
            callbacks: crate::callbacks::Callbacks::disabled(),
            caches,
            writers: std::sync::Mutex::new(Some(writers)),
        }
    }

    /// The caches' write halves; `None` after the first call.
    pub fn take_writers(&self) -> Option<super::caches::Writers> {
        let writers = self
            .writers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if writers.is_some() {
            self.caches.mark_filling();
        }
        writers
    }

    /// The API of every `K` the operator watches: in every namespace, or only
    /// the one it is limited to.
    pub fn watched<K>(&self) -> kube::Api<K>
    where
        K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>,
    {
        match &self.config.watch_namespace {
            Some(ns) => kube::Api::namespaced(self.client.clone(), ns),
            None => kube::Api::all(self.client.clone()),
        }
    }

    /// Queues an event on `object`; a failure to publish is logged, never fatal.
    pub async fn event<K: Resource<DynamicType = ()>>(
        &self,
        object: &K,
        warning: bool,
        reason: Reason,
        note: String,
    ) {
        self.event_on_ref(&object.object_ref(&()), warning, reason, note)
            .await;
    }

    /// The object a guard holds, or `None` after a Warning event saying why it cannot
    /// be read (written under another schema, say): the watch and every other
    /// object go on, and this one waits for a fix.
    pub async fn readable<'a, K>(&self, guard: &'a DeserializeGuard<K>) -> Option<&'a K>
    where
        K: Resource<DynamicType = ()>,
    {
        match &guard.0 {
            Ok(object) => Some(object),
            Err(invalid) => {
                tracing::warn!(kind = %K::kind(&()), error = %invalid.error, "stored object cannot be read");
                let note = format!(
                    "the operator cannot read this object: {}; fix or re-apply it",
                    invalid.error
                );
                self.event_on_ref(&guard.object_ref(&()), true, Reason::InvalidObject, note)
                    .await;
                None
            }
        }
    }

    /// [`Context::event`], returning once the event was written: see
    /// `Events::publish_written`.
    pub async fn event_written<K: Resource<DynamicType = ()>>(
        &self,
        object: &K,
        warning: bool,
        reason: Reason,
        note: String,
    ) {
        self.events
            .publish_written(event(warning, reason, note), object.object_ref(&()))
            .await;
    }

    /// Publishes an event on the object `reference` points at.
    pub async fn event_on_ref(
        &self,
        reference: &ObjectReference,
        warning: bool,
        reason: Reason,
        note: String,
    ) {
        self.events
            .publish(event(warning, reason, note), reference.clone());
    }
}

fn event(warning: bool, reason: Reason, note: String) -> Event {
    Event {
        type_: if warning {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason: reason.as_str().into(),
        note: Some(note),
        action: reason.as_str().into(),
        secondary: None,
    }
}
