use super::graph::{subjects, user_bindings};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// RoleBindings and ClusterRoleBindings (other than Kubernetes' own bootstrap bindings) that
    /// name the `system:masters` group as a subject.
    ///
    /// Only bindings are visible in manifests; client certificates issued with
    /// `O=system:masters` need the cluster's PKI and are out of scope for a manifest scan.
    ///
    /// ## Why it matters
    /// Members of `system:masters` bypass authorization entirely — no binding or webhook can limit
    /// them and removing RBAC bindings does not revoke them. A binding that names the group
    /// shows it is being used as a way to grant access, which should go through ordinary groups
    /// and roles instead.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// subjects:
    /// - kind: Group
    ///   name: system:masters   # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-008",
        name: "system-masters",
        title: "Binding uses the system:masters group",
        severity: Severity::Critical,
        tags: &["rbac", "least-privilege"],
        kinds: &["RoleBinding", "ClusterRoleBinding"],
        remediation: "grant administrators an ordinary group bound to the role they need; keep \
                      `system:masters` for break-glass credentials only",
        controls: &[
            cis("5.1.7"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            nist("AC-2"),
            nist("AC-6(5)"),
            sp190("4.3.1"),
            pci("7.2.1"),
            soc2("CC6.1"),
            soc2("CC6.3"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for binding in user_bindings(inv) {
        for s in subjects(binding).filter(|s| s.kind == "Group" && s.name == "system:masters") {
            ctx.report(
                binding,
                &s.pointer(),
                format!(
                    "{} `{}` names the `system:masters` group, which bypasses authorization",
                    binding.kind, binding.name
                ),
            );
        }
    }
}
