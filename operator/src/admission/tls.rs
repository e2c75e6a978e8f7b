//! The admission server's certificate, read from files and swapped in place when
//! they change. cert-manager rotates the Secret and the kubelet updates the mounted
//! files (an atomic symlink swap), so the server polls their content instead of
//! relying on inotify, which misses symlink swaps of the parent directory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Why a certificate could not be loaded; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the webhook certificate {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no usable PEM private key: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("the key {key} does not match the certificate {cert}: {reason}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

/// Certificate and key file paths.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertFiles {
    fn read(&self) -> Result<(Vec<u8>, Vec<u8>), TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        Ok((read(&self.cert)?, read(&self.key)?))
    }

    /// Parses both files into a key pair rustls can serve.
    fn load(&self, cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, TlsError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .filter_map(Result::ok)
            .collect();
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: self.cert.clone(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key {
            path: self.key.clone(),
            reason: e.to_string(),
        })?;
        CertifiedKey::from_der(chain, key, &provider()).map_err(|e| TlsError::Mismatch {
            cert: self.cert.clone(),
            key: self.key.clone(),
            reason: e.to_string(),
        })
    }
}

pub(crate) fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Serves whatever certificate was loaded last.
#[derive(Debug)]
pub struct ReloadingCert {
    files: CertFiles,
    current: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    key: Arc<CertifiedKey>,
}

impl ReloadingCert {
    /// Loads the files once; an error here stops the operator at startup.
    pub fn load(files: CertFiles) -> Result<Arc<Self>, TlsError> {
        let (cert_pem, key_pem) = files.read()?;
        let key = Arc::new(files.load(&cert_pem, &key_pem)?);
        Ok(Arc::new(ReloadingCert {
            files,
            current: RwLock::new(Loaded {
                cert_pem,
                key_pem,
                key,
            }),
        }))
    }

    /// Re-reads the files and swaps the certificate when their content changed.
    /// Returns whether it swapped. A broken pair (the kubelet may update the two
    /// files a moment apart) keeps the previous certificate in service.
    pub fn reload(&self) -> Result<bool, TlsError> {
        let (cert_pem, key_pem) = self.files.read()?;
        {
            let current = self.current.read().unwrap_or_else(|e| e.into_inner());
            if current.cert_pem == cert_pem && current.key_pem == key_pem {
                return Ok(false);
            }
        }
        let key = Arc::new(self.files.load(&cert_pem, &key_pem)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Loaded {
            cert_pem,
            key_pem,
            key,
        };
        Ok(true)
    }

    /// Polls the files forever.
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut failing = false;
        loop {
            tokio::time::sleep(every).await;
            match self.reload() {
                Ok(true) => {
                    failing = false;
                    tracing::info!(cert = %self.files.cert.display(), "webhook certificate reloaded");
                }
                Ok(false) => failing = false,
                Err(e) => {
                    // Logged once per failure streak, not every poll.
                    if !failing {
                        tracing::warn!(error = %e, "keeping the previous webhook certificate");
                    }
                    failing = true;
                }
            }
        }
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .key
                .clone(),
        )
    }
}

/// A rustls server configuration serving the reloading certificate over HTTP/1.1.
pub fn server_config(cert: Arc<ReloadingCert>) -> Result<rustls::ServerConfig, rustls::Error> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec![name.to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        (cert.pem(), key.serialize_pem())
    }

    fn files(dir: &Path) -> CertFiles {
        CertFiles {
            cert: dir.join("tls.crt"),
            key: dir.join("tls.key"),
        }
    }

    #[test]
    fn a_missing_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().expect("dir");
        let err = ReloadingCert::load(files(dir.path())).expect_err("no files");
        assert!(err.to_string().contains("tls.crt"), "{err}");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let (cert, _) = pair("a");
        let (_, other_key) = pair("b");
        std::fs::write(dir.path().join("tls.crt"), cert).expect("write");
        std::fs::write(dir.path().join("tls.key"), other_key).expect("write");
        let err = ReloadingCert::load(files(dir.path())).expect_err("mismatch");
        assert!(err.to_string().contains("does not match"), "{err}");
    }

    #[test]
    fn changed_files_swap_and_a_broken_pair_keeps_the_old_one() {
        let dir = tempfile::tempdir().expect("dir");
        let (cert, key) = pair("a");
        std::fs::write(dir.path().join("tls.crt"), &cert).expect("write");
        std::fs::write(dir.path().join("tls.key"), &key).expect("write");
        let reloading = ReloadingCert::load(files(dir.path())).expect("load");
        assert!(!reloading.reload().expect("unchanged"));

        let (cert2, key2) = pair("b");
        std::fs::write(dir.path().join("tls.crt"), &cert2).expect("write");
        // Only the certificate is new so far: the old pair stays in service.
        assert!(reloading.reload().is_err());
        let served = reloading.current.read().expect("lock").cert_pem.clone();
        assert_eq!(served, cert.as_bytes());

        std::fs::write(dir.path().join("tls.key"), &key2).expect("write");
        assert!(reloading.reload().expect("swapped"));
        let served = reloading.current.read().expect("lock").cert_pem.clone();
        assert_eq!(served, cert2.as_bytes());
    }
}
