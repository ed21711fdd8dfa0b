use crate::control_plane::flags::{Component, invocations};
use crate::control_plane::tls::is_strong_cipher;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers whose `--tls-cipher-suites` is absent (Go's default list, which
    /// still offers CBC-mode suites, applies) or names a weak suite. Strong means a TLS 1.3 suite
    /// or an ECDHE suite with AES-GCM or ChaCha20-Poly1305; CBC, RC4, 3DES and static-RSA key
    /// exchange suites are weak.
    ///
    /// ## Why it matters
    /// Weak suites allow downgrade and padding-oracle attacks or give up forward secrecy, so
    /// recorded API traffic — tokens included — can be decrypted later.
    ///
    /// ## Example
    /// ```yaml
    /// - --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    /// ```
    pub static META = CheckMeta {
        id: "API-026",
        name: "apiserver-tls-ciphers",
        title: "API server allows weak TLS cipher suites",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--tls-cipher-suites` listing only ECDHE suites with AES-GCM or ChaCha20-Poly1305 (TLS 1.3 suites are always strong)",
        controls: &[
            cis("1.2.29"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-13"),
            pci("2.2.7"),
            soc2("CC6.7"),
            hipaa("164.312(e)(1)"),
            hipaa("164.312(e)(2)(ii)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for inv in invocations(res, Component::ApiServer) {
        let suites = inv.flags.list("tls-cipher-suites");
        if suites.is_empty() {
            let pointer = inv
                .flags
                .get("tls-cipher-suites")
                .map_or_else(|| inv.anchor.clone(), |f| f.pointer.clone());
            ctx.report(
                res,
                &pointer,
                format!(
                    "{} does not restrict `--tls-cipher-suites`, so Go's default list with CBC-mode suites is offered",
                    inv.who()
                ),
            );
            continue;
        }
        let mut weak: Vec<(&JsonPointer, Vec<&str>)> = Vec::new();
        for (suite, flag) in suites {
            if is_strong_cipher(suite) {
                continue;
            }
            match weak.iter_mut().find(|(p, _)| **p == flag.pointer) {
                Some((_, list)) => list.push(suite),
                None => weak.push((&flag.pointer, vec![suite])),
            }
        }
        for (pointer, list) in weak {
            ctx.report(
                res,
                pointer,
                format!(
                    "{} allows weak TLS cipher suites: `{}`",
                    inv.who(),
                    list.join("`, `")
                ),
            );
        }
    }
}
