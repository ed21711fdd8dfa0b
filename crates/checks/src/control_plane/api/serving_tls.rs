use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass both `--tls-cert-file` and
    /// `--tls-private-key-file`.
    ///
    /// ## Why it matters
    /// Without them the API server serves a self-signed certificate it generates itself, which
    /// clients cannot verify — so they either fail or get configured to skip verification.
    ///
    /// ## Example
    /// ```yaml
    /// - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    /// - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    /// ```
    pub static META = CheckMeta {
        id: "API-022",
        name: "apiserver-serving-tls",
        title: "API server has no serving certificate",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--tls-cert-file` and `--tls-private-key-file` with a certificate signed by the cluster CA",
        controls: &[
            cis("1.2.24"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-8(1)"),
            nist("SC-23"),
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
    require_flags(
        ctx,
        res,
        Component::ApiServer,
        &["tls-cert-file", "tls-private-key-file"],
        "it serves a self-signed certificate clients cannot verify",
    );
}
