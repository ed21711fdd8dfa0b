use super::graph::{binding_scope, non_public_bindings, subjects};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// RoleBindings and ClusterRoleBindings that grant a role to the `system:authenticated`
    /// group (every user and ServiceAccount with valid credentials) or the
    /// `system:serviceaccounts` group (every pod in the cluster), other than Kubernetes' own
    /// bootstrap bindings and the public-information roles (`system:public-info-viewer`,
    /// `system:discovery`, `system:basic-user`).
    ///
    /// ## Why it matters
    /// On many managed clusters `system:authenticated` includes any account of the cloud
    /// provider, not only your organisation's; and every compromised pod has a ServiceAccount
    /// token. A role bound to these groups is a role everyone holds.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: edit}
    /// subjects:
    /// - kind: Group
    ///   name: system:authenticated   # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-015",
        name: "authenticated-group-binding",
        title: "Binding grants rights to every authenticated user",
        severity: Severity::Critical,
        tags: &["rbac", "least-privilege"],
        kinds: &["RoleBinding", "ClusterRoleBinding"],
        remediation: "bind the role to the specific groups or ServiceAccounts that need it instead \
                      of `system:authenticated` or `system:serviceaccounts`",
        controls: &[
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            nist("AC-3"),
            nist("AC-6"),
            sp190("4.3.2"),
            pci("7.2.1"),
            pci("8.2.2"),
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

/// Groups every authenticated identity (or every pod) belongs to
const EVERYONE: &[&str] = &["system:authenticated", "system:serviceaccounts"];

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for (binding, role) in non_public_bindings(inv) {
        for s in subjects(binding).filter(|s| s.kind == "Group" && EVERYONE.contains(&s.name)) {
            ctx.report(
                binding,
                &s.pointer(),
                format!(
                    "{} `{}` grants `{role}` {} to every member of `{}`",
                    binding.kind,
                    binding.name,
                    binding_scope(binding),
                    s.name
                ),
            );
        }
    }
}
