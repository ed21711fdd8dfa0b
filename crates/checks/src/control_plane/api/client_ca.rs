use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass `--client-ca-file`.
    ///
    /// ## Why it matters
    /// Without a client CA the API server cannot authenticate client certificates, which the
    /// control-plane components and kubelets use to identify themselves; they fall back to weaker
    /// credentials.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --client-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    pub static META = CheckMeta {
        id: "API-023",
        name: "apiserver-client-ca",
        title: "API server has no client CA",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "authentication", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--client-ca-file` with the CA that signs client certificates",
        controls: &[
            cis("1.2.25"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1078"),
            nist("IA-2"),
            nist("IA-3"),
            nist("IA-5"),
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
    require_flags(
        ctx,
        res,
        Component::ApiServer,
        &["client-ca-file"],
        "client certificates cannot be authenticated",
    );
}
