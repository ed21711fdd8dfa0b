use crate::control_plane::flags::{Component, invocations};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-controller-manager containers whose `--feature-gates` turn
    /// `RotateKubeletServerCertificate` off (it is on by default).
    ///
    /// ## Why it matters
    /// The gate lets kubelet serving certificates be requested and renewed through the
    /// certificates API; with it off, kubelets keep self-signed or long-lived certificates.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-controller-manager
    /// - --feature-gates=RotateKubeletServerCertificate=false   # fails
    /// ```
    pub static META = CheckMeta {
        id: "CMS-006",
        name: "cm-rotate-kubelet-server-cert",
        title: "Kubelet serving certificate rotation disabled",
        severity: Severity::Low,
        tags: &["control-plane", "controller-manager", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `RotateKubeletServerCertificate=false` from kube-controller-manager's `--feature-gates`",
        controls: &[
            cis("1.3.6"),
            nsa("NSA-NET-CP"),
            nist("IA-5"),
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
    for inv in invocations(res, Component::ControllerManager) {
        if let Some((false, flag)) = inv.flags.feature_gate("RotateKubeletServerCertificate") {
            ctx.report(
                res,
                &flag.pointer,
                format!(
                    "{} turns feature gate `RotateKubeletServerCertificate` off, so kubelet serving certificates are not rotated",
                    inv.who()
                ),
            );
        }
    }
}
