use super::{Field, KUBELET_KINDS, Node, bool_setting, sources};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Kubelet settings that do not rotate certificates: `rotateCertificates` (or
    /// `--rotate-certificates`) `false` or absent — its default is `false` — and the
    /// `RotateKubeletServerCertificate` feature gate turned off in `featureGates` (or
    /// `--feature-gates`).
    ///
    /// ## Why it matters
    /// Without rotation the kubelet's client certificate eventually expires (the node drops out)
    /// or is issued for a very long time, and a stolen certificate stays valid just as long.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// rotateCertificates: true
    /// ```
    pub static META = CheckMeta {
        id: "KLT-010",
        name: "kubelet-cert-rotation",
        title: "Kubelet does not rotate its certificates",
        severity: Severity::Low,
        tags: &["node", "kubelet", "tls"],
        kinds: KUBELET_KINDS,
        remediation: "set `rotateCertificates: true` in the KubeletConfiguration and keep the `RotateKubeletServerCertificate` feature gate on",
        controls: &[
            cis("4.2.10"),
            cis("4.2.11"),
            nsa("NSA-NET-ENC"),
            nist("IA-3"),
            nist("SC-8"),
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
    bool_setting(
        ctx,
        res,
        Field {
            path: "rotateCertificates",
            flag: "rotate-certificates",
        },
        (false, false),
        false,
        "does not rotate its client certificate",
    );
    for src in sources(res, Node::Kubelet) {
        if let Some((false, pointer)) = src.feature_gate("RotateKubeletServerCertificate") {
            ctx.report(
                res,
                &pointer,
                format!(
                    "{} turns feature gate `RotateKubeletServerCertificate` off, so its serving certificate is not rotated",
                    src.who()
                ),
            );
        }
    }
}
