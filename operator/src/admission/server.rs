//! The HTTPS server of the webhook: warp routes served by hyper over rustls, with
//! the certificate resolved per handshake so a rotated certificate is served
//! without a restart.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use kube::core::admission::AdmissionResponse;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use warp::Filter;

use super::AdmissionState;
use super::tls::{CertFiles, ReloadingCert, TlsError};

/// The API server sends at most a few megabytes; anything larger is not a review.
const MAX_BODY: u64 = 4 * 1024 * 1024;
/// A client that does not finish its handshake or headers in time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound, ready-to-serve webhook server.
pub struct WebhookServer {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    cert: Arc<ReloadingCert>,
    reload_every: Duration,
    state: AdmissionState,
}

impl WebhookServer {
    /// Loads the certificate and binds; both fail here, at startup, naming the
    /// file or the address.
    pub async fn bind(
        addr: SocketAddr,
        files: CertFiles,
        reload_every: Duration,
        state: AdmissionState,
    ) -> Result<WebhookServer, ServerError> {
        let cert = ReloadingCert::load(files)?;
        let config = super::tls::server_config(cert.clone())?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        Ok(WebhookServer {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert,
            reload_every,
            state,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until the process ends.
    pub async fn serve(self) {
        tokio::spawn(self.cert.clone().watch(self.reload_every));
        tracing::info!(addr = ?self.local_addr(), "admission webhook listening");
        let service = warp::service(routes(self.state));
        loop {
            let (tcp, peer) = match self.listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    tracing::warn!(error = %e, "accepting a webhook connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let acceptor = self.acceptor.clone();
            let service = service.clone();
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "webhook TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                };
                let served = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HANDSHAKE_TIMEOUT)
                    .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service))
                    .await;
                if let Err(e) = served {
                    tracing::debug!(%peer, error = %e, "webhook connection ended");
                }
            });
        }
    }
}

/// `POST /validate`. Whatever arrives there gets an AdmissionReview back; other
/// paths get plain HTTP errors.
fn routes(
    state: AdmissionState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible> + Clone {
    let state = Arc::new(state);
    let validate = warp::post()
        .and(warp::path!("validate"))
        .and(warp::body::content_length_limit(MAX_BODY))
        .and(warp::body::bytes())
        .then(move |body: bytes::Bytes| {
            let state = state.clone();
            async move {
                // A panic in a rule must still produce an answer, not a reset
                // connection the API server reports as an opaque failure.
                let handled = tokio::spawn(async move { super::review(&body, &state).await }).await;
                let review = handled.unwrap_or_else(|_| {
                    AdmissionResponse::invalid("internal error while checking the object")
                        .into_review()
                });
                warp::reply::json(&review).into_response()
            }
        });
    // The body limit rejected it: still an answer the API server can read.
    let unreadable = warp::post().and(warp::path!("validate")).map(|| {
        let review = AdmissionResponse::invalid(format!(
            "request body missing its length or larger than {MAX_BODY} bytes"
        ))
        .into_review();
        warp::reply::json(&review).into_response()
    });
    validate
        .or(unreadable)
        .unify()
        .recover(|rejection: warp::Rejection| async move {
            let status = if rejection.is_not_found() {
                warp::http::StatusCode::NOT_FOUND
            } else {
                warp::http::StatusCode::METHOD_NOT_ALLOWED
            };
            Ok::<_, std::convert::Infallible>(
                warp::reply::with_status("POST an AdmissionReview to /validate\n", status)
                    .into_response(),
            )
        })
        .unify()
}

use warp::Reply as _;
