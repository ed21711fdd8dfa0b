//! The serving certificate: loaded from PEM files, swapped on change.
//!
//! rustls asks the resolver for a certificate at every handshake, so a reload takes effect for
//! new connections at once while established connections keep the keys they negotiated: no
//! connection is dropped.

use crate::error::ServerError;
use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The provider used everywhere: *ring*, TLS 1.2 and 1.3
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Certificate and key files, and the key pair currently served
#[derive(Debug)]
pub struct CertStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: ArcSwap<CertifiedKey>,
    fingerprint: std::sync::Mutex<u64>,
}

impl CertStore {
    /// Load the files; fails when they are missing, malformed or do not belong together
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, ServerError> {
        let (key, fingerprint) = read_pair(cert_path, key_path)?;
        Ok(Self {
            cert_path: cert_path.to_owned(),
            key_path: key_path.to_owned(),
            current: ArcSwap::from_pointee(key),
            fingerprint: std::sync::Mutex::new(fingerprint),
        })
    }

    /// Re-read the files. `Ok(true)` when a new pair was installed, `Ok(false)` when nothing
    /// changed; on error the previous pair stays.
    pub fn reload(&self) -> Result<bool, ServerError> {
        let fp = files_fingerprint(&self.cert_path, &self.key_path)?;
        let mut last = self
            .fingerprint
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last == fp {
            return Ok(false);
        }
        let (key, fp) = read_pair(&self.cert_path, &self.key_path)?;
        self.current.store(Arc::new(key));
        *last = fp;
        Ok(true)
    }

    /// The files watched for changes
    pub fn paths(&self) -> [&Path; 2] {
        [&self.cert_path, &self.key_path]
    }

    /// A rustls server configuration (TLS 1.2 and 1.3, ALPN h2 and http/1.1) serving from here
    pub fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, ServerError> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| ServerError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

fn files_fingerprint(cert: &Path, key: &Path) -> Result<u64, ServerError> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in [cert, key] {
        let bytes = std::fs::read(p).map_err(|e| ServerError::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        bytes.hash(&mut h);
    }
    Ok(h.finish())
}

fn read_pair(cert_path: &Path, key_path: &Path) -> Result<(CertifiedKey, u64), ServerError> {
    let fp = files_fingerprint(cert_path, key_path)?;
    let bad = |path: &Path, message: String| ServerError::Certificate {
        path: path.display().to_string(),
        message,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| bad(cert_path, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert_path, e.to_string()))?;
    if certs.is_empty() {
        return Err(bad(cert_path, "no PEM certificate found".to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| bad(key_path, e.to_string()))?;
    let certified = CertifiedKey::from_der(certs, key, &provider())
        .map_err(|e| bad(key_path, format!("key does not fit the certificate: {e}")))?;
    Ok((certified, fp))
}
