use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-controller-manager containers that do not pass `--service-account-private-key-file`.
    ///
    /// ## Why it matters
    /// The controller manager signs service-account tokens with this key. Without a dedicated
    /// key pair, tokens cannot be verified against a separately managed public key and the key
    /// cannot be rotated on its own.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-controller-manager
    /// - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    /// ```
    pub static META = CheckMeta {
        id: "CMS-004",
        name: "cm-sa-private-key",
        title: "Controller manager has no service-account signing key",
        severity: Severity::Medium,
        tags: &["control-plane", "controller-manager", "service-account"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--service-account-private-key-file` with the key whose public half the API server's `--service-account-key-file` holds",
        controls: &[
            cis("1.3.4"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            nist("IA-5"),
            pci("2.2.6"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
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
        Component::ControllerManager,
        &["service-account-private-key-file"],
        "service-account tokens are not signed with a dedicated key",
    );
}
