//! `/healthz` and `/readyz`, served on a plain HTTP port for the kubelet's probes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use warp::Filter;
use warp::http::StatusCode;

/// What the probes report.
#[derive(Debug, Default)]
pub struct Health {
    ready: AtomicBool,
}

impl Health {
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }
}

/// Serves the probe endpoints and `/metrics` until the process ends.
pub async fn serve(
    addr: SocketAddr,
    health: Arc<Health>,
    metrics: crate::metrics::Metrics,
) -> Result<(), std::io::Error> {
    let healthz = warp::path!("healthz").map(|| String::from("ok"));
    let readyz = warp::path!("readyz").map(move || {
        if health.is_ready() {
            warp::reply::with_status(String::from("ok"), StatusCode::OK)
        } else {
            let body = String::from("not ready: CRDs missing or not established");
            warp::reply::with_status(body, StatusCode::SERVICE_UNAVAILABLE)
        }
    });
    let version = warp::path!("version").map(|| String::from(crate::VERSION));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "health endpoints listening");
    warp::serve(
        healthz
            .or(readyz)
            .or(version)
            .or(crate::metrics::routes(metrics)),
    )
    .incoming(listener)
    .run()
    .await;
    Ok(())
}
