use super::graph::{binding_scope, non_public_bindings, subjects};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// RoleBindings and ClusterRoleBindings that grant a role to the `system:anonymous` user or
    /// the `system:unauthenticated` group, other than Kubernetes' own bootstrap bindings and the
    /// public-information roles (`system:public-info-viewer`, `system:discovery`,
    /// `system:basic-user`).
    ///
    /// ## Why it matters
    /// Anyone who can reach the API server — no credentials needed — gets the role. With
    /// anonymous authentication on (the API server's default) this exposes the granted resources
    /// to the network.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: view}
    /// subjects:
    /// - kind: Group
    ///   name: system:unauthenticated   # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-014",
        name: "anonymous-binding",
        title: "Binding grants rights to anonymous users",
        severity: Severity::Critical,
        tags: &["rbac", "authentication"],
        kinds: &["RoleBinding", "ClusterRoleBinding"],
        remediation: "remove `system:anonymous` and `system:unauthenticated` from the binding; bind \
                      the role to authenticated identities",
        controls: &[
            cis("1.2.1"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1078.001"),
            attack("T1190"),
            nist("AC-3"),
            nist("IA-2"),
            sp190("4.3.2"),
            pci("7.2.1"),
            pci("8.2.2"),
            soc2("CC6.1"),
            hipaa("164.312(d)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for (binding, role) in non_public_bindings(inv) {
        for s in subjects(binding).filter(|s| {
            s.kind != "ServiceAccount"
                && (s.name == "system:anonymous" || s.name == "system:unauthenticated")
        }) {
            ctx.report(
                binding,
                &s.pointer(),
                format!(
                    "{} `{}` grants `{role}` {} to unauthenticated requests ({})",
                    binding.kind,
                    binding.name,
                    binding_scope(binding),
                    s.label()
                ),
            );
        }
    }
}
