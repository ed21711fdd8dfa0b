use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass both `--kubelet-client-certificate` and
    /// `--kubelet-client-key`.
    ///
    /// ## Why it matters
    /// Without a client certificate the API server cannot authenticate to kubelets, so kubelets
    /// must either accept anonymous callers or reject exec, logs and port-forward.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    /// - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
    /// ```
    pub static META = CheckMeta {
        id: "API-004",
        name: "apiserver-kubelet-client-cert",
        title: "API server has no client certificate for kubelets",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--kubelet-client-certificate` and `--kubelet-client-key` to kube-apiserver",
        controls: &[
            cis("1.2.4"),
            nsa("NSA-NET-CP"),
            attack("T1557"),
            nist("IA-3"),
            nist("SC-8"),
            sp190("4.3.5"),
            pci("2.2.7"),
            soc2("CC6.1"),
            soc2("CC6.7"),
            hipaa("164.312(d)"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    require_flags(
        ctx,
        res,
        Component::ApiServer,
        &["kubelet-client-certificate", "kubelet-client-key"],
        "it cannot authenticate itself to kubelets",
    );
}
