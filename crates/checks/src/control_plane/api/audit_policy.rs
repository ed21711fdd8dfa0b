use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass `--audit-policy-file`.
    ///
    /// ## Why it matters
    /// The audit policy decides which requests are recorded and in how much detail; without one
    /// the API server records no audit events at all, whatever backend is configured.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --audit-policy-file=/etc/kubernetes/audit-policy.yaml
    /// ```
    pub static META = CheckMeta {
        id: "API-030",
        name: "apiserver-audit-policy",
        title: "API server has no audit policy",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "audit", "logging"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "write an audit Policy and pass it with `--audit-policy-file`",
        controls: &[
            cis("3.2.1"),
            nsa("NSA-LOG"),
            attack("T1070"),
            nist("AU-2"),
            nist("AU-12"),
            pci("10.2.1"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
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
        &["audit-policy-file"],
        "no audit events are recorded",
    );
}
