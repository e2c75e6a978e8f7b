//! The Kubernetes API client: kube's middleware over one HTTP/2 connection.
//!
//! kube's default client speaks HTTP/1.1 only, so every request in flight holds a
//! TCP and TLS connection of its own, with its own TLS records and read buffer; a
//! pool of 64–128 reconciles meant as many connections, kept idle after a burst.
//! kube-apiserver offers HTTP/2 (as client-go uses it), so here every request and
//! watch is a stream on one connection, chosen by ALPN; a server that offers only
//! HTTP/1.1 still gets HTTP/1.1. The middleware is kube's own: base URI, the retry
//! of 429/503/504, credentials and extra headers.

use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use kube::client::ConfigExt;
use kube::client::retry::RetryPolicy;
use kube::{Client, Config};
use tower::retry::RetryLayer;
use tower::{BoxError, ServiceBuilder};

/// How often an idle connection is pinged, and how long the answer may take before
/// the connection is dropped (and every watch on it restarts): client-go's figures,
/// so a half-open connection is noticed in under a minute rather than never.
const PING_EVERY: Duration = Duration::from_secs(30);
const PING_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("building the API client: {0}")]
    Kube(#[from] kube::Error),
    #[error("the API server's TLS name {0:?} is not a valid server name")]
    ServerName(String),
}

/// A client for `config`. A proxied configuration, or credentials from an exec
/// plugin, keep kube's default client (HTTP/1.1): it is the one that tunnels, and
/// that knows when an exec plugin's client certificate expires.
pub fn client(config: Config) -> Result<Client, Error> {
    if config.proxy_url.is_some() || config.auth_info.exec.is_some() {
        return Ok(Client::try_from(config)?);
    }
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_connect_timeout(config.connect_timeout);
    let mut tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config.rustls_client_config()?)
        .https_or_http();
    if let Some(name) = &config.tls_server_name {
        let name = name
            .clone()
            .try_into()
            .map_err(|_| Error::ServerName(name.clone()))?;
        tls = tls.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name));
    }
    let connector = tls.enable_all_versions().wrap_connector(tcp);
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .http2_keep_alive_interval(PING_EVERY)
        .http2_keep_alive_timeout(PING_TIMEOUT)
        .http2_keep_alive_while_idle(true)
        .build(connector);
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(
            config
                .default_retry
                .then(|| RetryLayer::new(RetryPolicy::server_retry())),
        )
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(BoxError::from)
        .service(http);
    Ok(Client::new(service, config.default_namespace))
}
