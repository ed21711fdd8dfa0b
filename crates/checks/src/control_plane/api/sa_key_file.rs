use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass `--service-account-key-file`.
    ///
    /// ## Why it matters
    /// The key file lists the public keys service-account tokens are verified with. Naming it
    /// explicitly keeps verification tied to the dedicated signing key pair (and allows rotating
    /// it) instead of falling back to the TLS serving key.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    /// ```
    pub static META = CheckMeta {
        id: "API-020",
        name: "apiserver-sa-key-file",
        title: "API server has no service-account verification key",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "authentication", "service-account"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--service-account-key-file` with the public key(s) matching the controller manager's signing key",
        controls: &[
            cis("1.2.22"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
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
        &["service-account-key-file"],
        "service-account tokens are verified with a fallback key",
    );
}
