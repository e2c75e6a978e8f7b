//! The one way the agent, the operator and the plugin build an S3 client: the
//! same addressing, TLS and timeout rules for the same bucket settings, whoever
//! reads the credentials (the agent from its environment, the operator and the
//! plugin from the Secret the resource names).

use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{ClientOptions, RetryConfig};

/// How a bucket is reached, with the credentials already read.
#[derive(Debug, Clone)]
pub struct Connection<'a> {
    pub endpoint: &'a str,
    pub bucket: &'a str,
    pub region: &'a str,
    pub force_path_style: bool,
    pub insecure_skip_tls_verify: bool,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// How long requests may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeouts {
    /// Short requests (HEAD, small GET/PUT, DELETE): `total` each.
    Requests(Duration),
    /// Streams that last as long as the work (a restore's GET, a download): no
    /// overall limit, but a connection that delivers nothing for two minutes fails.
    Streams,
}

impl<'a> Connection<'a> {
    /// The settings of `bucket` (named `name`) with these credentials.
    pub fn of(
        bucket: &'a crate::common::S3Bucket,
        name: &'a str,
        access_key_id: String,
        secret_access_key: String,
    ) -> Connection<'a> {
        Connection {
            endpoint: &bucket.endpoint,
            bucket: name,
            region: &bucket.region,
            force_path_style: bucket.force_path_style,
            insecure_skip_tls_verify: bucket.insecure_skip_tls_verify,
            access_key_id,
            secret_access_key,
            session_token: None,
        }
    }

    /// The client. `retries` quick retries within `retry_timeout`.
    pub fn build(
        self,
        timeouts: Timeouts,
        retries: usize,
        retry_timeout: Duration,
    ) -> Result<AmazonS3, object_store::Error> {
        let client = ClientOptions::new()
            .with_allow_http(self.endpoint.starts_with("http://"))
            .with_allow_invalid_certificates(self.insecure_skip_tls_verify)
            .with_connect_timeout(Duration::from_secs(10));
        let client = match timeouts {
            Timeouts::Requests(total) => client.with_timeout(total),
            Timeouts::Streams => client
                .with_timeout_disabled()
                .with_read_timeout(Duration::from_secs(120)),
        };
        let mut builder = AmazonS3Builder::new()
            .with_endpoint(self.endpoint)
            .with_bucket_name(self.bucket)
            .with_region(self.region)
            .with_access_key_id(self.access_key_id)
            .with_secret_access_key(self.secret_access_key)
            .with_virtual_hosted_style_request(!self.force_path_style)
            .with_client_options(client)
            .with_retry(RetryConfig {
                max_retries: retries,
                retry_timeout,
                ..RetryConfig::default()
            });
        if let Some(token) = self.session_token {
            builder = builder.with_token(token);
        }
        builder.build()
    }
}
