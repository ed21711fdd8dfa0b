use super::graph::{SECRETS_READ, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that grant `get`, `list` or `watch` on `secrets` (directly or
    /// through `*`), unless the rule is limited to named Secrets by `resourceNames`; and bindings of
    /// the built-in `admin`/`edit` ClusterRoles (which include Secret access) cluster-wide or in
    /// `kube-system`.
    ///
    /// ## Why it matters
    /// Secrets hold ServiceAccount tokens, registry credentials, TLS keys and passwords. `list` or
    /// `watch` returns every Secret's content in one call; reading a privileged ServiceAccount's
    /// token is a direct privilege escalation, and cluster-wide read is read of every credential.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["secrets"]
    ///   verbs: ["list"]      # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-003",
        name: "secrets-read",
        title: "Role lets its subjects read Secrets",
        severity: Severity::High,
        tags: &["rbac", "secrets"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "grant Secret access only to the named Secrets the workload needs (`resourceNames`) and \
                      only with `get`",
        controls: &[
            cis("5.1.2"),
            nsa("NSA-AUTH-RBAC"),
            nsa("NSA-NET-SECRETS"),
            attack("T1552.007"),
            nist("AC-3"),
            nist("AC-6"),
            sp190("4.3.2"),
            pci("7.2.1"),
            pci("7.2.2"),
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
    report_grants(ctx, inv, &[&SECRETS_READ], "read Secrets");
}
