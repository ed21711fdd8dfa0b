use super::graph::{BIND_ESCALATE, CLUSTERROLEBINDING_WRITE, ROLEBINDING_WRITE, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that grant `bind` or `escalate` on `roles`/`clusterroles`
    /// (unless limited to named roles by `resourceNames`), or `create`, `update` or `patch` on
    /// `rolebindings`/`clusterrolebindings`, directly or through `*`; and bindings of the built-in
    /// `admin` ClusterRole cluster-wide or in `kube-system`.
    ///
    /// ## Why it matters
    /// Kubernetes normally refuses to let anyone grant rights they do not hold. `escalate` lifts
    /// that limit for role edits and `bind` for bindings; with binding writes a subject can hand
    /// itself (or a token it controls) any role it is allowed to bind.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: ["rbac.authorization.k8s.io"]
    ///   resources: ["clusterroles"]
    ///   verbs: ["escalate"]  # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-006",
        name: "bind-escalate",
        title: "Role grants bind, escalate or binding writes",
        severity: Severity::Critical,
        tags: &["rbac", "privilege-escalation"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "remove `bind`, `escalate` and RoleBinding writes, or limit `bind` to the named roles \
                      a controller must hand out",
        controls: &[
            cis("5.1.8"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1098.006"),
            attack("T1078"),
            nist("AC-6"),
            nist("AC-6(1)"),
            sp190("4.3.1"),
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
    report_grants(
        ctx,
        inv,
        &[
            &BIND_ESCALATE,
            &ROLEBINDING_WRITE,
            &CLUSTERROLEBINDING_WRITE,
        ],
        "grant themselves more rights",
    );
}
