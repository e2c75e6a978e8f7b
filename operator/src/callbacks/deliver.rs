//! Sending callbacks: signing, the HTTP client, retries with backoff, and the
//! `CallbackFailed` event when a receiver stays unreachable.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use k8s_openapi::api::core::v1::Secret;
use kube::runtime::events::{Event, EventType};
use kube::{Api, Client};
use sha2::Sha256;
use tokio::sync::{Semaphore, mpsc};

use crate::metrics::Metrics;

/// One callback, ready to send: the body is rendered once, so every retry sends
/// (and signs) the same bytes.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub event: &'static str,
    pub url: String,
    /// The signing key; unsigned when the instance names none.
    pub secret: Option<odoo_model::common::SecretKeyRef>,
    /// The instance, for reading the Secret and for the failure event.
    pub instance: k8s_openapi::api::core::v1::ObjectReference,
    pub body: Bytes,
}

/// Attempts per delivery: the first and five retries, about 31 s in all.
pub const ATTEMPTS: u32 = 6;
/// Delay before the first retry; each next one doubles, up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(30);
/// One attempt (connect, TLS, request, response head) may take this long.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries sent (or retried) at once; one slow receiver cannot hold up others
/// beyond this.
pub const MAX_IN_FLIGHT: usize = 32;

/// Header carrying `sha256=<hex HMAC of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Odoo-Operator-Signature";
/// Header carrying the delivery id, the same on every retry.
pub const DELIVERY_HEADER: &str = "X-Odoo-Operator-Delivery";
/// Header carrying the event name (`phase-changed`, `job-finished`).
pub const EVENT_HEADER: &str = "X-Odoo-Operator-Event";

/// Why one attempt failed.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr)]
pub enum AttemptError {
    #[error("reading Secret {name}: {source}")]
    ReadSecret { name: String, source: kube::Error },
    #[error("Secret {name} has no key {key}")]
    MissingKey { name: String, key: String },
    #[error("invalid request: {0}")]
    BuildRequest(#[from] hyper::http::Error),
    #[error("sending: {0}")]
    Send(#[from] hyper_util::client::legacy::Error),
    #[error("no response within {}s", ATTEMPT_TIMEOUT.as_secs())]
    Timeout,
    #[error("the receiver answered HTTP {0}")]
    Status(u16),
}

/// `sha256=<hex>`: HMAC-SHA256 of `body` under `key`, as GitHub-style receivers
/// verify it. The key is the Secret value's exact bytes (no trimming).
pub fn signature(key: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

pub use crate::hex;

/// The wait before attempt `attempt` (1-based; the first attempt does not wait):
/// 1 s, 2 s, 4 s, 8 s, 16 s, capped at 30 s.
pub fn retry_delay(attempt: u32) -> Duration {
    match attempt {
        0 | 1 => Duration::ZERO,
        n => FIRST_DELAY
            .saturating_mul(2u32.saturating_pow(n - 2))
            .min(MAX_DELAY),
    }
}

/// The background side: drains the queue, sends, retries, reports.
pub struct Worker {
    http: HttpClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    client: Client,
    events: crate::runtime::events::Events,
    metrics: Metrics,
}

impl Worker {
    pub fn new(client: Client, events: crate::runtime::events::Events, metrics: Metrics) -> Worker {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .build();
        Worker {
            http: HttpClient::builder(TokioExecutor::new()).build(connector),
            client,
            events,
            metrics,
        }
    }

    /// Runs until every [`super::Callbacks`] handle is dropped.
    pub async fn run(self, mut queue: mpsc::Receiver<Delivery>) {
        let worker = Arc::new(self);
        let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        while let Some(delivery) = queue.recv().await {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let worker = worker.clone();
            tokio::spawn(async move {
                worker.deliver(delivery).await;
                drop(slot);
            });
        }
    }

    async fn deliver(&self, d: Delivery) {
        let mut last_error = String::new();
        for attempt in 1..=ATTEMPTS {
            tokio::time::sleep(retry_delay(attempt)).await;
            match self.attempt(&d).await {
                Ok(()) => {
                    self.metrics.callback("delivered");
                    tracing::debug!(
                        delivery = d.id,
                        event = d.event,
                        attempt,
                        "callback delivered"
                    );
                    return;
                }
                Err(e) => {
                    self.metrics.callback("retried");
                    tracing::info!(delivery = d.id, event = d.event, url = d.url, attempt, error = %e, "callback attempt failed");
                    last_error = e.to_string();
                }
            }
        }
        self.metrics.callback("failed");
        tracing::warn!(
            delivery = d.id,
            event = d.event,
            url = d.url,
            error = last_error,
            "callback given up"
        );
        let event = Event {
            type_: EventType::Warning,
            reason: odoo_model::Reason::CallbackFailed.as_str().into(),
            note: Some(format!(
                "{} callback {} to {} failed {ATTEMPTS} times; last: {last_error}",
                d.event, d.id, d.url
            )),
            action: "Callback".into(),
            secondary: None,
        };
        self.events.publish(event, d.instance.clone());
    }

    async fn attempt(&self, d: &Delivery) -> Result<(), AttemptError> {
        let mut request = hyper::Request::post(&d.url)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("odoo-operator/", env!("CARGO_PKG_VERSION")),
            )
            .header(DELIVERY_HEADER, &d.id)
            .header(EVENT_HEADER, d.event);
        if let Some(secret) = &d.secret {
            // Read on every attempt: a Secret created or fixed meanwhile counts.
            let key = self.secret_value(d, secret).await?;
            request = request.header(SIGNATURE_HEADER, signature(&key, &d.body));
        }
        let request = request.body(Full::new(d.body.clone()))?;
        let response = tokio::time::timeout(ATTEMPT_TIMEOUT, self.http.request(request))
            .await
            .map_err(|_| AttemptError::Timeout)??;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(AttemptError::Status(status.as_u16()))
        }
    }

    async fn secret_value(
        &self,
        d: &Delivery,
        secret: &odoo_model::common::SecretKeyRef,
    ) -> Result<Vec<u8>, AttemptError> {
        let namespace = d.instance.namespace.clone().unwrap_or_default();
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &namespace);
        let found = api
            .get_opt(&secret.name)
            .await
            .map_err(|source| AttemptError::ReadSecret {
                name: secret.name.clone(),
                source,
            })?;
        found
            .and_then(|s| s.data)
            .and_then(|mut data| data.remove(&secret.key))
            .map(|v| v.0)
            .ok_or_else(|| AttemptError::MissingKey {
                name: secret.name.clone(),
                key: secret.key.clone(),
            })
    }
}

/// TLS with certificate verification against the system's roots (ring, as kube).
fn tls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!(%error, "loading a system root certificate");
    }
    let (added, _) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        tracing::warn!("no system root certificates: https:// callbacks will fail verification");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder.with_root_certificates(roots).with_no_client_auth(),
        Err(e) => unreachable!("ring supports the default protocol versions: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_rfc_4231_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let delays: Vec<u64> = (1..=ATTEMPTS).map(|a| retry_delay(a).as_secs()).collect();
        assert_eq!(delays, [0, 1, 2, 4, 8, 16]);
        assert_eq!(retry_delay(7).as_secs(), 30);
        assert_eq!(retry_delay(40), MAX_DELAY);
        let total: Duration = (1..=ATTEMPTS).map(retry_delay).sum();
        assert_eq!(total.as_secs(), 31);
    }
}
