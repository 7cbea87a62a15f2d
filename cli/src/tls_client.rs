//! The TLS client configuration the proxy (towards its upstream) and
//! `check` (towards the server it checks) both use: rustls with the ring
//! provider, the public web roots plus any PEM certificates the operator adds.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;
use std::sync::Arc;

/// The crypto provider every TLS configuration of the tool uses.
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every PEM certificate in `path` (at least one).
pub(crate) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| format!("cannot read certificates from {shown}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("no PEM certificate in {shown}"));
    }
    Ok(certs)
}

/// The client configuration for `https://` servers: the public web roots,
/// plus the certificates in `extra_ca` (`--upstream-ca`).
///
/// # Errors
///
/// One line saying why, when `extra_ca` cannot be read or holds no usable
/// certificate.
pub fn client_config(extra_ca: Option<&Path>) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra_ca {
        for cert in certificates(path)? {
            roots
                .add(cert)
                .map_err(|e| format!("unusable CA certificate in {}: {e}", path.display()))?;
        }
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
