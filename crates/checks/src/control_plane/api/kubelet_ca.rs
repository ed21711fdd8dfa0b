use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass `--kubelet-certificate-authority`.
    ///
    /// ## Why it matters
    /// Without a CA bundle the API server does not verify kubelet serving certificates, so
    /// anyone on the path to a node can impersonate its kubelet and read the exec, attach and
    /// log streams, credentials included.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
    /// ```
    pub static META = CheckMeta {
        id: "API-005",
        name: "apiserver-kubelet-ca",
        title: "API server does not verify kubelet certificates",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--kubelet-certificate-authority` with the CA that signs kubelet serving certificates",
        controls: &[
            cis("1.2.5"),
            nsa("NSA-NET-CP"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-23"),
            nist("IA-3"),
            sp190("4.3.5"),
            pci("2.2.7"),
            soc2("CC6.7"),
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
        &["kubelet-certificate-authority"],
        "kubelet serving certificates are not verified",
    );
}
