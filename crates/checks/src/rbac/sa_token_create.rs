use super::graph::{TOKEN_CREATE, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that grant `create` on `serviceaccounts/token` (directly or
    /// through `*` / `*/token`); and bindings of the built-in `admin`/`edit` ClusterRoles (which
    /// include it) cluster-wide or in `kube-system`.
    ///
    /// ## Why it matters
    /// The TokenRequest API issues a fresh token for any ServiceAccount the subject may name, with
    /// a lifetime it chooses: a way to take over the rights of every ServiceAccount in scope, and
    /// to keep them after the subject's own access is removed.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["serviceaccounts/token"]
    ///   verbs: ["create"]    # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-013",
        name: "sa-token-create",
        title: "Role lets its subjects create ServiceAccount tokens",
        severity: Severity::High,
        tags: &["rbac", "service-account"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "remove `serviceaccounts/token` create, or limit it with `resourceNames` to the \
                      ServiceAccounts a component must issue tokens for",
        controls: &[
            cis("5.1.13"),
            nsa("NSA-AUTH-RBAC"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            attack("T1550.001"),
            nist("AC-6"),
            nist("IA-4"),
            sp190("4.3.2"),
            pci("7.2.2"),
            pci("7.2.5"),
            soc2("CC6.1"),
            soc2("CC6.3"),
            hipaa("164.312(d)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    report_grants(ctx, inv, &[&TOKEN_CREATE], "mint ServiceAccount tokens");
}
