use super::{Field, KUBELET_KINDS, Lookup, Node, sources};
use crate::prelude::*;

const CA: Field = Field {
    path: "authentication/x509/clientCAFile",
    flag: "client-ca-file",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings with no client CA: `authentication.x509.clientCAFile` absent or empty in a
    /// `KubeletConfiguration`, or no `--client-ca-file` on a command line.
    ///
    /// ## Why it matters
    /// Without a client CA the kubelet cannot verify the certificate the API server presents
    /// when it calls the kubelet, so certificate authentication to the kubelet API does not work
    /// and callers fall back to tokens or anonymous access.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// authentication:
    ///   x509:
    ///     clientCAFile: /etc/kubernetes/pki/ca.crt
    /// ```
    pub static META = CheckMeta {
        id: "KLT-003",
        name: "kubelet-client-ca",
        title: "Kubelet has no client CA",
        severity: Severity::High,
        tags: &["node", "kubelet", "authentication", "tls"],
        kinds: KUBELET_KINDS,
        remediation: "set `authentication.x509.clientCAFile` in the KubeletConfiguration (or pass `--client-ca-file`)",
        controls: &[
            cis("4.2.3"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1557"),
            nist("IA-3"),
            nist("SC-23"),
            sp190("4.3.5"),
            pci("8.3.1"),
            soc2("CC6.1"),
            hipaa("164.312(d)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for src in sources(res, Node::Kubelet) {
        let pointer = match src.get(CA) {
            Lookup::Set { raw, pointer } => {
                if raw.as_str().is_some_and(|s| !s.trim().is_empty()) {
                    continue;
                }
                pointer
            }
            Lookup::Absent { pointer, .. } => pointer,
            Lookup::Unknown => continue,
        };
        ctx.report(
            res,
            &pointer,
            format!(
                "{} sets no client CA ({}), so client certificates to the kubelet API cannot be verified",
                src.who(),
                src.name(CA)
            ),
        );
    }
}
