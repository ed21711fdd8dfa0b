//! `palisade certs`: a CA and a serving certificate for the webhook Service, and the
//! `caBundle` to paste into the webhook configurations.

use crate::error::ServerError;
use crate::time::civil_from_days;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// What was written
#[derive(Debug, Clone)]
pub struct GeneratedCerts {
    /// `ca.crt`
    pub ca_cert: PathBuf,
    /// `tls.crt`
    pub tls_cert: PathBuf,
    /// `tls.key`
    pub tls_key: PathBuf,
    /// Base64 of `ca.crt`, the webhook configurations' `clientConfig.caBundle`
    pub ca_bundle: String,
}

/// PEM texts of a generated CA and serving certificate
#[derive(Debug, Clone)]
pub struct CertPems {
    /// CA certificate
    pub ca_cert: String,
    /// Serving certificate (signed by the CA)
    pub tls_cert: String,
    /// Serving key (PKCS#8)
    pub tls_key: String,
}

/// The date `days` from today (UTC)
fn today_plus(days: i64) -> (i32, u8, u8) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs() / 86_400).unwrap_or(0));
    civil_from_days(now + days)
}

/// Generate a CA and a serving certificate for `dns_names` (the first is the common name),
/// valid from yesterday for `days` days
pub fn generate(dns_names: &[String], days: u32) -> Result<CertPems, ServerError> {
    let gen_err = |e: rcgen::Error| ServerError::CertGen(e.to_string());
    let Some(first) = dns_names.first() else {
        return Err(ServerError::CertGen(
            "at least one DNS name is needed".to_owned(),
        ));
    };
    let (y, m, d) = today_plus(-1);
    let not_before = date_time_ymd(y, m, d);
    let (y, m, d) = today_plus(i64::from(days));
    let not_after = date_time_ymd(y, m, d);

    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(gen_err)?;
    let mut ca_dn = DistinguishedName::new();
    ca_dn.push(
        DnType::CommonName,
        format!("palisade webhook CA for {first}"),
    );
    ca.distinguished_name = ca_dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_key = KeyPair::generate().map_err(gen_err)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(gen_err)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::new(dns_names.to_vec()).map_err(gen_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, first.clone());
    leaf.distinguished_name = dn;
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let leaf_key = KeyPair::generate().map_err(gen_err)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(gen_err)?;

    Ok(CertPems {
        ca_cert: ca_cert.pem(),
        tls_cert: leaf_cert.pem(),
        tls_key: leaf_key.serialize_pem(),
    })
}

fn write(path: &Path, text: &str, private: bool) -> Result<(), ServerError> {
    let io = |e| ServerError::Io {
        path: path.display().to_string(),
        source: e,
    };
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(if private { 0o600 } else { 0o644 })
            .open(path)
            .map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)
    }
    #[cfg(not(unix))]
    {
        let _ = private;
        std::fs::write(path, text).map_err(io)
    }
}

/// Generate and write `ca.crt`, `tls.crt` and `tls.key` into `out` (created if missing)
pub fn write_all(
    dns_names: &[String],
    out: &Path,
    days: u32,
) -> Result<GeneratedCerts, ServerError> {
    let pems = generate(dns_names, days)?;
    std::fs::create_dir_all(out).map_err(|e| ServerError::Io {
        path: out.display().to_string(),
        source: e,
    })?;
    let generated = GeneratedCerts {
        ca_cert: out.join("ca.crt"),
        tls_cert: out.join("tls.crt"),
        tls_key: out.join("tls.key"),
        ca_bundle: base64::engine::general_purpose::STANDARD.encode(pems.ca_cert.as_bytes()),
    };
    write(&generated.ca_cert, &pems.ca_cert, false)?;
    write(&generated.tls_cert, &pems.tls_cert, false)?;
    write(&generated.tls_key, &pems.tls_key, true)?;
    Ok(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_loadable_pair() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["palisade.palisade.svc".to_owned()];
        let g = write_all(&names, dir.path(), 365).unwrap();
        let store = crate::tls::CertStore::load(&g.tls_cert, &g.tls_key).unwrap();
        assert!(!store.reload().unwrap(), "unchanged files are not reloaded");
        assert!(
            std::fs::read_to_string(&g.ca_cert)
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&g.ca_bundle)
            .unwrap();
        assert_eq!(decoded, std::fs::read(&g.ca_cert).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&g.tls_key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(generate(&[], 1).is_err());
    }
}
