use super::{Field, KUBELET_KINDS, Lookup, Node, sources};
use crate::prelude::*;

const CERT: Field = Field {
    path: "tlsCertFile",
    flag: "tls-cert-file",
};
const KEY: Field = Field {
    path: "tlsPrivateKeyFile",
    flag: "tls-private-key-file",
};
const BOOTSTRAP: Field = Field {
    path: "serverTLSBootstrap",
    flag: "rotate-server-certificates",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings with no usable serving certificate: `tlsCertFile` or `tlsPrivateKeyFile`
    /// (`--tls-cert-file`, `--tls-private-key-file`) missing, while `serverTLSBootstrap`
    /// (`--rotate-server-certificates`) is not on to request one from the cluster.
    ///
    /// ## Why it matters
    /// The kubelet then serves a self-signed certificate, so the API server — and anyone else —
    /// cannot verify it is talking to the real kubelet when streaming exec and log sessions.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// serverTLSBootstrap: true     # or tlsCertFile + tlsPrivateKeyFile
    /// ```
    pub static META = CheckMeta {
        id: "KLT-009",
        name: "kubelet-serving-tls",
        title: "Kubelet serves a self-signed certificate",
        severity: Severity::Medium,
        tags: &["node", "kubelet", "tls"],
        kinds: KUBELET_KINDS,
        remediation: "set `serverTLSBootstrap: true` (and approve the kubelet serving CSRs), or set `tlsCertFile` and `tlsPrivateKeyFile`",
        controls: &[
            cis("4.2.9"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-23"),
            sp190("4.3.5"),
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

/// `Some(true)` set non-empty, `Some(false)` absent or empty, `None` unknown
fn is_set(lookup: &Lookup<'_>) -> Option<bool> {
    match lookup {
        Lookup::Set { raw, .. } => Some(raw.as_str().is_some_and(|s| !s.trim().is_empty())),
        Lookup::Absent { .. } => Some(false),
        Lookup::Unknown => None,
    }
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for src in sources(res, Node::Kubelet) {
        let bootstrap = match src.get(BOOTSTRAP) {
            Lookup::Set { raw, .. } => raw.as_bool() == Some(true),
            Lookup::Absent { .. } => false,
            Lookup::Unknown => continue,
        };
        if bootstrap {
            continue;
        }
        let (Some(cert), Some(key)) = (is_set(&src.get(CERT)), is_set(&src.get(KEY))) else {
            continue;
        };
        if cert && key {
            continue;
        }
        let missing: Vec<String> = [(cert, CERT), (key, KEY)]
            .into_iter()
            .filter(|(set, _)| !set)
            .map(|(_, f)| src.name(f))
            .collect();
        ctx.report(
            res,
            &src.pointer(),
            format!(
                "{} serves a self-signed certificate: {} not set and {} is off",
                src.who(),
                missing.join(" and "),
                src.name(BOOTSTRAP)
            ),
        );
    }
}
