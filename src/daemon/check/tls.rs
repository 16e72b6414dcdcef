//! TLS for `https` checks: rustls with the ring provider.
//!
//! Trust: the `ca_file` when given; otherwise the system's bundle, read
//! from the first of [`SYSTEM_BUNDLES`] that exists (Debian's
//! `ca-certificates` file first). No bundle crate is compiled in: a
//! health check trusts what the host trusts, and an operator who wants
//! less names a `ca_file`. `insecure = true` skips verifying the
//! certificate (the handshake's signatures are still checked, so the
//! session is well formed, only not authenticated).
//!
//! Client configurations are built once per (trust, mtime of the CA file)
//! and shared: probes every second of a thousand servers must not re-read
//! and re-parse a PEM bundle each time, while a CA file replaced on disk
//! takes effect at the next probe.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::net::reason;
use super::TlsCheck;

/// Where system CA bundles live, in the order tried.
pub(crate) const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

type Key = (Option<String>, bool, Option<SystemTime>);

fn configs() -> &'static Mutex<HashMap<Key, Arc<ClientConfig>>> {
    static C: OnceLock<Mutex<HashMap<Key, Arc<ClientConfig>>>> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Handshakes over `stream`; the name sent and verified is `sni`, else
/// the `host` (without a port), else the address.
pub(super) async fn connect(
    stream: TcpStream,
    tls: &TlsCheck,
    host: Option<&str>,
    to: SocketAddr,
) -> Result<TlsStream<TcpStream>, String> {
    let config = config(tls)?;
    let name = server_name(tls.sni.as_deref(), host, to.ip())?;
    // The handshake writes several flights and the request follows the
    // client's last one at once: without TCP_NODELAY, Nagle would hold
    // the request until the server's delayed ACK.
    let _ = stream.set_nodelay(true);
    TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| tls_reason(&e))
}

/// The name a check sends, checked (the configuration reader uses it too).
pub(crate) fn server_name(
    sni: Option<&str>,
    host: Option<&str>,
    ip: IpAddr,
) -> Result<ServerName<'static>, String> {
    let text = match (sni, host) {
        (Some(s), _) => s.to_string(),
        (None, Some(h)) => strip_port(h).to_string(),
        (None, None) => return Ok(ServerName::IpAddress(ip.into())),
    };
    ServerName::try_from(text.clone()).map_err(|_| format!("invalid TLS server name {text:?}"))
}

/// `host:port` or `[v6]:port` without the port.
fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn tls_reason(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(c)) => format!("TLS: certificate {}", cert_reason(c)),
        Some(other) => format!("TLS: {other}"),
        None => format!("TLS: {}", reason(e)),
    }
}

fn cert_reason(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        C::UnknownIssuer => "not signed by a trusted CA".into(),
        C::Expired | C::ExpiredContext { .. } => "expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => "not valid for the server name".into(),
        C::BadSignature => "has a bad signature".into(),
        other => format!("invalid ({other:?})"),
    }
}

fn config(tls: &TlsCheck) -> Result<Arc<ClientConfig>, String> {
    let file = if tls.insecure {
        None
    } else {
        Some(match &tls.ca_file {
            Some(f) => f.clone(),
            None => SYSTEM_BUNDLES
                .iter()
                .find(|p| std::path::Path::new(p).exists())
                .map(|p| p.to_string())
                .ok_or("no system CA bundle: set ca_file (or insecure = true)")?,
        })
    };
    let mtime = match &file {
        Some(f) => Some(
            std::fs::metadata(f)
                .and_then(|m| m.modified())
                .map_err(|e| format!("ca_file {f}: {}", reason(&e)))?,
        ),
        None => None,
    };
    let key: Key = (file.clone(), tls.insecure, mtime);
    let mut map = match configs().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(c) = map.get(&key) {
        return Ok(c.clone());
    }
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let config = match &file {
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
        Some(f) => builder.with_root_certificates(roots(f)?).with_no_client_auth(),
    };
    let config = Arc::new(config);
    // A replaced file leaves its old entry behind; keep the map small.
    map.retain(|k, _| k.0 != key.0 || k.1 != key.1);
    map.insert(key, config.clone());
    Ok(config)
}

/// The certificates of a PEM file.
fn roots(file: &str) -> Result<RootCertStore, String> {
    let bad = |why: String| format!("ca_file {file}: {why}");
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(file).map_err(|e| bad(e.to_string()))?;
    for cert in certs {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        // One bad certificate in a system bundle should not stop the rest.
        let _ = store.add(cert);
    }
    if store.is_empty() {
        return Err(bad("no usable certificate".into()));
    }
    Ok(store)
}

/// `insecure = true`: every certificate is accepted.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
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
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_sni_host_or_address() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            server_name(None, None, ip).unwrap(),
            ServerName::IpAddress(ip.into())
        );
        assert_eq!(
            server_name(None, Some("www.example.com:8443"), ip).unwrap(),
            ServerName::try_from("www.example.com").unwrap()
        );
        assert_eq!(
            server_name(Some("a.example.com"), Some("b.example.com"), ip).unwrap(),
            ServerName::try_from("a.example.com").unwrap()
        );
        assert_eq!(strip_port("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(strip_port("2001:db8::1"), "2001:db8::1");
        assert!(server_name(Some("bad name"), None, ip).is_err());
    }
}
