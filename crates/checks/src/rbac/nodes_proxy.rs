use super::graph::{NODES_PROXY, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of ClusterRoles that grant any of `get`, `create`, `update`, `patch`, `delete` on
    /// `nodes/proxy` (directly or through `*` / `*/proxy`). Namespaced Roles cannot grant this
    /// cluster-scoped subresource and are not reported.
    ///
    /// ## Why it matters
    /// `nodes/proxy` forwards requests to the kubelet API, which can run commands in any container
    /// on the node. Those calls bypass admission control and are not recorded as pod exec in the API
    /// server audit log.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["nodes/proxy"]
    ///   verbs: ["get"]       # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-010",
        name: "nodes-proxy",
        title: "ClusterRole grants access to nodes/proxy",
        severity: Severity::High,
        tags: &["rbac", "node"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "remove `nodes/proxy`; monitoring agents can read metrics from `nodes/metrics` and \
                      `nodes/stats` instead",
        controls: &[
            cis("5.1.10"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1609"),
            attack("T1613"),
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
    report_grants(
        ctx,
        inv,
        &[&NODES_PROXY],
        "call the kubelet API of every node",
    );
}
