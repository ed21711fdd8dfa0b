use super::graph::{WEBHOOK_WRITE, report_grants};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of ClusterRoles that grant `create`, `update`, `patch`, `delete` or `deletecollection`
    /// on `mutatingwebhookconfigurations` or `validatingwebhookconfigurations` (directly or through
    /// `*`). Namespaced Roles cannot grant these cluster-scoped resources and are not reported.
    ///
    /// ## Why it matters
    /// Admission webhooks see, and mutating ones rewrite, every object sent to the API server.
    /// Whoever edits their configuration can switch policy enforcement off, or register a webhook
    /// that reads Secrets in transit or injects containers into every pod.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: ["admissionregistration.k8s.io"]
    ///   resources: ["mutatingwebhookconfigurations"]
    ///   verbs: ["update"]    # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-012",
        name: "webhook-config-write",
        title: "ClusterRole lets its subjects change admission webhooks",
        severity: Severity::High,
        tags: &["rbac", "admission"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "leave admission webhook configuration to cluster administrators; a controller that \
                      patches its own webhook's CA bundle should be limited with `resourceNames`",
        controls: &[
            cis("5.1.12"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1562.001"),
            attack("T1546"),
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
    report_grants(ctx, inv, &[&WEBHOOK_WRITE], "change admission webhooks");
}
