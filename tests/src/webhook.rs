//! A test CA, webhook serving certificates signed by it, and the
//! ValidatingWebhookConfiguration that sends a namespace's requests to an operator
//! listening on loopback.

use std::path::{Path, PathBuf};

use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration;
use kube::api::{Api, DeleteParams, PostParams};
use rcgen::{
    CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, KeyPair, SanType,
};

/// A CA that signs webhook serving certificates for 127.0.0.1.
pub struct WebhookCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The CA certificate, PEM: the webhook configuration's caBundle.
    pub ca_pem: String,
}

impl WebhookCa {
    pub fn new() -> anyhow::Result<WebhookCa> {
        let (issuer, _) = crate::pki::certificate_authority("odoo-webhook-test-ca")?;
        let ca_pem = issuer.pem();
        Ok(WebhookCa { issuer, ca_pem })
    }

    /// Writes a fresh serving certificate and key as `tls.crt` / `tls.key` in `dir`
    /// (replacing any earlier pair the way the kubelet does: write aside, rename),
    /// and returns the certificate's DER so a test can tell pairs apart.
    pub fn issue(&self, dir: &Path) -> anyhow::Result<Vec<u8>> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .distinguished_name
            .push(DnType::CommonName, "odoo-operator-webhook");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer)?;
        for (name, pem) in [("tls.key", key.serialize_pem()), ("tls.crt", cert.pem())] {
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, pem)?;
            std::fs::rename(&tmp, dir.join(name))?;
        }
        Ok(cert.der().to_vec())
    }
}

/// `tls.crt` and `tls.key` in `dir`.
pub fn cert_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("tls.crt"), dir.join("tls.key"))
}

/// Registers a webhook named `name` for every odoo-operator.dev resource created or
/// updated in `namespace`, pointing at `https://127.0.0.1:<port>/validate`.
/// Failure policy Fail: a webhook that cannot be reached refuses, as in production.
pub async fn register(
    client: &kube::Client,
    name: &str,
    namespace: &str,
    port: u16,
    ca_pem: &str,
) -> anyhow::Result<()> {
    let mut config: ValidatingWebhookConfiguration = serde_json::from_value(serde_json::json!({
        "metadata": { "name": name },
        "webhooks": [{
            "name": "validate.odoo-operator.dev",
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "timeoutSeconds": 10,
            "clientConfig": {
                "url": format!("https://127.0.0.1:{port}/validate"),
            },
            "namespaceSelector": {
                "matchLabels": { "kubernetes.io/metadata.name": namespace }
            },
            "rules": [{
                "apiGroups": [odoo_model::API_GROUP],
                "apiVersions": [odoo_model::API_VERSION],
                "operations": ["CREATE", "UPDATE"],
                "resources": [
                    "odooinstances", "odooinitjobs", "odooupgradejobs", "odoobackupjobs",
                    "odoorestorejobs", "odoobackupschedules", "odooclustermigrations"
                ],
                "scope": "Namespaced"
            }]
        }]
    }))?;
    for webhook in config.webhooks.iter_mut().flatten() {
        webhook.client_config.ca_bundle = Some(k8s_openapi::ByteString(ca_pem.as_bytes().to_vec()));
    }
    Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .create(&PostParams::default(), &config)
        .await?;
    until_called(client, namespace).await
}

/// Waits until the API server sends requests in `namespace` to the webhook and the
/// webhook answers: a registration takes effect when the API server's informer
/// sees it, and the webhook's server may still be starting. Probes with a
/// server-side dry run the webhook always refuses (an odoo.conf key the operator
/// owns), so nothing is stored.
async fn until_called(client: &kube::Client, namespace: &str) -> anyhow::Result<()> {
    use odoo_model::OdooInstance;
    let probe: OdooInstance = serde_json::from_value(serde_json::json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "webhook-probe" },
        "spec": { "image": "simulated/odoo:18.0-20250101", "configOptions": { "db_host": "elsewhere" } },
    }))?;
    let api = Api::<OdooInstance>::namespaced(client.clone(), namespace);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let last = match api
            .create(
                &PostParams {
                    dry_run: true,
                    ..Default::default()
                },
                &probe,
            )
            .await
        {
            Err(kube::Error::Api(s)) if s.message.contains("denied the request") => return Ok(()),
            Err(e) => e.to_string(),
            Ok(_) => "the probe was accepted".to_owned(),
        };
        if std::time::Instant::now() > deadline {
            anyhow::bail!("the webhook never answered requests in {namespace}: {last}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Removes the webhook registration.
pub async fn unregister(client: &kube::Client, name: &str) {
    let _ = Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .delete(name, &DeleteParams::default())
        .await;
}

fn client_connection(ca_pem: &str) -> anyhow::Result<rustls::ClientConnection> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1")?.to_owned();
    Ok(rustls::ClientConnection::new(
        std::sync::Arc::new(config),
        name,
    )?)
}

/// POSTs `body` to `https://127.0.0.1:<port>/validate`; the status code and body.
/// `claimed_length` overrides the Content-Length header (the body is then not sent),
/// to see how an oversized request is answered.
pub fn post_review(
    port: u16,
    ca_pem: &str,
    body: &[u8],
    claimed_length: Option<usize>,
) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut conn = client_connection(ca_pem)?;
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        claimed_length.unwrap_or(body.len())
    );
    tls.write_all(head.as_bytes())?;
    if claimed_length.is_none() {
        tls.write_all(body)?;
    }
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no HTTP status in {text:?}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// The DER of the certificate a TLS server on 127.0.0.1:`port` presents.
pub fn served_certificate(port: u16, ca_pem: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let mut conn = client_connection(ca_pem)?;
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    // A request completes the handshake; the answer itself does not matter.
    tls.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let cert = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .ok_or_else(|| anyhow::anyhow!("no certificate presented"))?;
    Ok(cert)
}
