//! rustls client configurations for libpq's `sslmode`s.

use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::clusters::{PgCluster, SslMode};

/// How the server certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Encryption only (`prefer`, `require` without a CA).
    Nothing,
    /// Chain to a trusted CA, any name (`verify-ca`, `require` with a CA).
    Chain,
    /// Chain and host name (`verify-full`).
    ChainAndName,
}

fn provider() -> Arc<CryptoProvider> {
    // Explicit, so no process-wide default provider is needed (kube uses ring too).
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS configuration for `cluster`, or `None` for `sslmode=disable`.
pub(super) fn client_config(cluster: &PgCluster) -> Result<Option<ClientConfig>, String> {
    let check = match (cluster.ssl_mode, &cluster.ca_cert) {
        (SslMode::Disable, _) => return Ok(None),
        (SslMode::Prefer, _) | (SslMode::Require, None) => Check::Nothing,
        (SslMode::Require, Some(_)) | (SslMode::VerifyCa, _) => Check::Chain,
        (SslMode::VerifyFull, _) => Check::ChainAndName,
    };
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = match check {
        Check::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth(),
        Check::Chain => {
            let verifier = WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots(cluster.ca_cert.as_deref())?),
                provider,
            )
            .build()
            .map_err(|e| e.to_string())?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(verifier)))
                .with_no_client_auth()
        }
        Check::ChainAndName => builder
            .with_root_certificates(roots(cluster.ca_cert.as_deref())?)
            .with_no_client_auth(),
    };
    Ok(Some(config))
}

/// The CAs of `caCert`, or the system's when there is none.
fn roots(ca_pem: Option<&str>) -> Result<RootCertStore, String> {
    match ca_pem {
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| format!("reading caCert: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("adding caCert to the trusted roots: {e}"))?;
            }
            if roots.is_empty() {
                return Err("caCert holds no PEM certificate".into());
            }
            Ok(roots)
        }
        None => {
            // Reading the system store is slow; it does not change while we run.
            static SYSTEM: OnceLock<RootCertStore> = OnceLock::new();
            let roots = SYSTEM.get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
                roots
            });
            if roots.is_empty() {
                return Err(
                    "no system CA certificates found; set caCert in the pg-clusters \
                            Secret"
                        .into(),
                );
            }
            Ok(roots.clone())
        }
    }
}

/// Accepts any certificate but still checks the handshake signatures, so the session
/// is encrypted with the key of whoever sent the certificate (libpq's `require`).
#[derive(Debug)]
struct EncryptOnly(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// The full WebPKI check minus the name (libpq's `verify-ca`). rustls checks the
/// name only after the chain, so a name error means the chain was good.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(yaml: &str) -> PgCluster {
        let clusters = super::super::clusters::parse(yaml).expect("valid");
        let (_, c) = clusters.iter().next().expect("one cluster");
        c.clone()
    }

    #[test]
    fn disable_has_no_tls() {
        let c = cluster("a: {host: h, adminUser: u, adminPassword: p, sslMode: disable}");
        assert!(client_config(&c).expect("config").is_none());
    }

    #[test]
    fn encrypting_modes_build_a_config() {
        for mode in ["prefer", "require"] {
            let c = cluster(&format!(
                "a: {{host: h, adminUser: u, adminPassword: p, sslMode: {mode}}}"
            ));
            assert!(client_config(&c).expect(mode).is_some());
        }
    }

    #[test]
    fn a_ca_without_certificates_is_refused() {
        let c = cluster(
            "a: {host: h, adminUser: u, adminPassword: p, sslMode: verify-full, caCert: junk}",
        );
        let err = client_config(&c).expect_err("no certificate");
        assert!(err.contains("caCert"), "{err}");
    }
}
