use super::graph::{EXEC_ATTACH, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that grant `create` or `get` (websocket exec needs only `get`)
    /// on `pods/exec` or `pods/attach`, directly or through `*` / `*/exec`; and bindings of the
    /// built-in `admin`/`edit` ClusterRoles cluster-wide or in `kube-system`.
    ///
    /// ## Why it matters
    /// `exec` and `attach` give a shell in a running container, with its files, its environment
    /// variables, its mounted Secrets and ServiceAccount token, and its network position.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["pods/exec"]
    ///   verbs: ["create"]    # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-005",
        name: "pod-exec-attach",
        title: "Role lets its subjects exec or attach into pods",
        severity: Severity::High,
        tags: &["rbac", "exec"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "remove `pods/exec` and `pods/attach` from roles that do not need interactive access; \
                      keep break-glass access in a separate, audited role",
        controls: &[
            nsa("NSA-AUTH-RBAC"),
            attack("T1609"),
            nist("AC-3"),
            nist("AC-6"),
            sp190("4.3.2"),
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
    report_grants(ctx, inv, &[&EXEC_ATTACH], "run commands in containers");
}
