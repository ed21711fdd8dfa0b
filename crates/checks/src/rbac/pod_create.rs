use super::graph::{POD_CREATE, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that grant `create` on `pods` or on a workload controller that
    /// creates pods (`deployments`, `replicasets`, `statefulsets`, `daemonsets`, `jobs`,
    /// `cronjobs`, `replicationcontrollers`), directly or through `*`; and bindings of the built-in
    /// `admin`/`edit` ClusterRoles cluster-wide or in `kube-system`.
    ///
    /// ## Why it matters
    /// Whoever can create a pod in a namespace can run it as any ServiceAccount of that namespace
    /// (and so use its token) and, unless admission control stops it, mount the host filesystem or
    /// run privileged on a node.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// rules:
    /// - apiGroups: ["apps"]
    ///   resources: ["deployments"]
    ///   verbs: ["create"]    # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-004",
        name: "pod-create",
        title: "Role lets its subjects create pods or workloads",
        severity: Severity::Medium,
        tags: &["rbac", "workloads"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "limit pod and workload creation to deployment pipelines and controllers that need it, \
                      and enforce Pod Security admission in their namespaces",
        controls: &[
            cis("5.1.4"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1610"),
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
    report_grants(ctx, inv, &[&POD_CREATE], "create pods");
}
