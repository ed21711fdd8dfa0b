use super::graph::{PV_CREATE, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of ClusterRoles that grant `create` on `persistentvolumes` (directly or through `*`).
    /// Namespaced Roles cannot grant this cluster-scoped resource and are not reported.
    ///
    /// ## Why it matters
    /// A PersistentVolume can be a `hostPath` volume: whoever creates one and binds it to a claim can
    /// mount any directory of a node into a pod, bypassing Pod Security rules that forbid hostPath
    /// volumes in pods.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["persistentvolumes"]
    ///   verbs: ["create"]    # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-009",
        name: "pv-create",
        title: "ClusterRole lets its subjects create PersistentVolumes",
        severity: Severity::High,
        tags: &["rbac", "storage"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "let only storage provisioners create PersistentVolumes; users should request storage \
                      through PersistentVolumeClaims and StorageClasses",
        controls: &[
            cis("5.1.9"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1611"),
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
    report_grants(ctx, inv, &[&PV_CREATE], "create PersistentVolumes");
}
