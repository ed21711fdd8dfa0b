use super::graph::{IMPERSONATE, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that grant `impersonate` on `users`, `groups`,
    /// `serviceaccounts`, `uids` or `userextras/*`, directly or through `*`; and bindings of the
    /// built-in `admin`/`edit` ClusterRoles (which can impersonate ServiceAccounts) cluster-wide or
    /// in `kube-system`.
    ///
    /// ## Why it matters
    /// Impersonation lets a subject send requests as another identity — `system:masters`, a
    /// cluster-admin user, a controller's ServiceAccount — and get all of its rights. The audit log
    /// records the impersonated identity, which also hides who acted.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["users", "groups"]
    ///   verbs: ["impersonate"]   # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-007",
        name: "impersonate",
        title: "Role grants impersonate",
        severity: Severity::Critical,
        tags: &["rbac", "privilege-escalation"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "remove `impersonate`, or limit it with `resourceNames` to the identities an \
                      authenticating proxy must act for",
        controls: &[
            cis("5.1.8"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            attack("T1134"),
            nist("AC-6"),
            nist("IA-2"),
            sp190("4.3.1"),
            pci("7.2.2"),
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
    report_grants(
        ctx,
        inv,
        &[&IMPERSONATE],
        "act as other users, groups or ServiceAccounts",
    );
}
