//! Which TLS cipher suites (Go `crypto/tls` names) count as strong

/// Strong: a TLS 1.3 suite, or a TLS 1.2 suite with ECDHE key exchange (forward secrecy) and an
/// AEAD cipher (AES-GCM or ChaCha20-Poly1305). Everything else — CBC mode, RC4, 3DES, static RSA
/// key exchange, unknown names — is weak.
pub(crate) fn is_strong_cipher(name: &str) -> bool {
    const TLS13: &[&str] = &[
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
    ];
    if TLS13.contains(&name) {
        return true;
    }
    let Some(rest) = name
        .strip_prefix("TLS_ECDHE_RSA_WITH_")
        .or_else(|| name.strip_prefix("TLS_ECDHE_ECDSA_WITH_"))
    else {
        return false;
    };
    matches!(
        rest,
        "AES_128_GCM_SHA256"
            | "AES_256_GCM_SHA384"
            | "CHACHA20_POLY1305"
            | "CHACHA20_POLY1305_SHA256"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_suites() {
        for s in [
            "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        ] {
            assert!(is_strong_cipher(s), "{s}");
        }
        for s in [
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "tls_aes_128_gcm_sha256",
            "",
        ] {
            assert!(!is_strong_cipher(s), "{s}");
        }
    }
}
