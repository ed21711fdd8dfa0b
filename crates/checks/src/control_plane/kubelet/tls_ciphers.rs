use super::{Field, KUBELET_KINDS, Lookup, Node, sources};
use crate::control_plane::tls::is_strong_cipher;
use crate::prelude::*;

const SUITES: Field = Field {
    path: "tlsCipherSuites",
    flag: "tls-cipher-suites",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings whose `tlsCipherSuites` (or `--tls-cipher-suites`) is absent or empty —
    /// Go's default list, which still offers CBC-mode suites, then applies — or names a weak
    /// suite. Strong means a TLS 1.3 suite or an ECDHE suite with AES-GCM or ChaCha20-Poly1305.
    ///
    /// ## Why it matters
    /// Weak suites allow downgrade and padding-oracle attacks or give up forward secrecy on the
    /// connection that carries exec sessions, logs and pod credentials.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// tlsCipherSuites:
    /// - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    /// - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    /// ```
    pub static META = CheckMeta {
        id: "KLT-011",
        name: "kubelet-tls-ciphers",
        title: "Kubelet allows weak TLS cipher suites",
        severity: Severity::Medium,
        tags: &["node", "kubelet", "tls"],
        kinds: KUBELET_KINDS,
        remediation: "set `tlsCipherSuites` to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only",
        controls: &[
            cis("4.2.12"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-13"),
            pci("2.2.7"),
            soc2("CC6.1"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for src in sources(res, Node::Kubelet) {
        let (items, pointer) = match src.get(SUITES) {
            Lookup::Set { raw, pointer } => (raw.items(), pointer),
            Lookup::Absent { pointer, .. } => (Vec::new(), pointer),
            Lookup::Unknown => continue,
        };
        if items.is_empty() {
            ctx.report(
                res,
                &pointer,
                format!(
                    "{} does not restrict {}, so Go's default list with CBC-mode suites is offered",
                    src.who(),
                    src.name(SUITES)
                ),
            );
            continue;
        }
        let weak: Vec<&str> = items.into_iter().filter(|s| !is_strong_cipher(s)).collect();
        if !weak.is_empty() {
            ctx.report(
                res,
                &pointer,
                format!(
                    "{} allows weak TLS cipher suites: `{}`",
                    src.who(),
                    weak.join("`, `")
                ),
            );
        }
    }
}
