use crate::control_plane::flags::{Component, invocations};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers with no audit backend: neither `--audit-log-path` nor
    /// `--audit-webhook-config-file` is set (or the path is empty).
    ///
    /// ## Why it matters
    /// Without audit logging there is no record of who read which Secret, who exec'd into which
    /// pod or who changed RBAC — incidents cannot be investigated and tampering goes unnoticed.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --audit-log-path=/var/log/kubernetes/audit/audit.log
    /// - --audit-policy-file=/etc/kubernetes/audit-policy.yaml
    /// ```
    pub static META = CheckMeta {
        id: "API-016",
        name: "apiserver-audit-log-path",
        title: "API server audit logging disabled",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "audit", "logging"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--audit-log-path` (and `--audit-policy-file`) to kube-apiserver, or configure an audit webhook",
        controls: &[
            cis("1.2.16"),
            nsa("NSA-LOG"),
            attack("T1070"),
            nist("AU-2"),
            nist("AU-3"),
            nist("AU-12"),
            pci("10.2.1"),
            pci("10.2.2"),
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
    for inv in invocations(res, Component::ApiServer) {
        if inv.flags.is_set("audit-log-path") || inv.flags.is_set("audit-webhook-config-file") {
            continue;
        }
        let (pointer, message) = match inv.flags.get("audit-log-path") {
            Some(flag) => (
                flag.pointer.clone(),
                format!(
                    "{} sets an empty `--audit-log-path`, so no audit log is written",
                    inv.who()
                ),
            ),
            None => (
                inv.anchor.clone(),
                format!(
                    "{} sets neither `--audit-log-path` nor `--audit-webhook-config-file`, so API requests are not audited",
                    inv.who()
                ),
            ),
        };
        ctx.report(res, &pointer, message);
    }
}
