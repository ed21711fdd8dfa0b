use super::graph::{
    CONFIGMAP_WRITE, KUBE_SYSTEM, RoleRules, Rule, binding_is_broad, binding_scope, first_grant,
    resolve_role, user_bindings, user_roles,
};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Grants of `create`, `update`, `patch` or `delete` on `configmaps` (directly or through
    /// `*`) that reach the `kube-system` namespace:
    /// * rules of Roles in `kube-system`;
    /// * rules of ClusterRoles that a scanned ClusterRoleBinding, or a RoleBinding in
    ///   `kube-system`, binds;
    /// * such bindings of the built-in `admin`/`edit` ClusterRoles.
    ///
    /// A rule limited by `resourceNames` counts only when it names a sensitive ConfigMap
    /// (`coredns`, `aws-auth`, `kube-proxy`, `kubeadm-config`, `kubelet-config`,
    /// `extension-apiserver-authentication`, …).
    ///
    /// ## Why it matters
    /// kube-system ConfigMaps configure the cluster itself: editing CoreDNS's `Corefile` redirects
    /// service names to an attacker (man-in-the-middle for every pod), and on EKS editing
    /// `aws-auth` maps any IAM identity to `system:masters`.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// metadata: {namespace: kube-system}
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["configmaps"]
    ///   verbs: ["update"]     # fails
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-019",
        name: "sensitive-configmap-write",
        title: "Subject can modify kube-system ConfigMaps",
        severity: Severity::High,
        tags: &["rbac", "control-plane"],
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        remediation: "do not grant ConfigMap writes in kube-system; limit a component that must \
                      update its own ConfigMap there with `resourceNames`",
        controls: &[
            nsa("NSA-AUTH-RBAC"),
            attack("T1557"),
            attack("T1098"),
            nist("AC-3"),
            nist("AC-6"),
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

/// ConfigMaps in kube-system that configure cluster components
const SENSITIVE: &[&str] = &[
    "coredns",
    "coredns-custom",
    "aws-auth",
    "kube-proxy",
    "kubeadm-config",
    "kubelet-config",
    "extension-apiserver-authentication",
    "cluster-autoscaler-status",
    "kube-dns",
];

fn sensitive_write<'a>(rule: &Rule<'a>) -> Option<super::graph::Grant<'a>> {
    if rule.is_full_wildcard() {
        return None;
    }
    if !rule.resource_names.is_empty() && !rule.resource_names.iter().any(|n| SENSITIVE.contains(n))
    {
        return None;
    }
    first_grant(rule, &[&CONFIGMAP_WRITE], false)
}

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for role in user_roles(inv) {
        let via = if role.kind == "Role" {
            (role.namespace.as_deref() == Some(KUBE_SYSTEM)).then(String::new)
        } else {
            user_bindings(inv)
                .filter(|b| binding_is_broad(b))
                .find(|b| {
                    b.get("roleRef/kind").and_then(Value::as_str) == Some("ClusterRole")
                        && b.get("roleRef/name").and_then(Value::as_str) == Some(role.name.as_str())
                })
                .map(|b| format!(" (bound {} by {} `{}`)", binding_scope(b), b.kind, b.name))
        };
        let Some(via) = via else {
            continue;
        };
        let rr = RoleRules::scanned(role);
        for rule in &rr.rules {
            if let Some(grant) = sensitive_write(rule) {
                ctx.report(
                    role,
                    &rule.verb_pointer(&grant),
                    format!(
                        "{}{via} grants `{}` on `configmaps`: its subjects can modify \
                         kube-system ConfigMaps",
                        rr.label(),
                        grant.verb
                    ),
                );
            }
        }
    }
    for binding in user_bindings(inv).filter(|b| binding_is_broad(b)) {
        let Some(rr) = resolve_role(inv, binding) else {
            continue;
        };
        if rr.object.is_some() {
            continue;
        }
        if let Some(grant) = rr.rules.iter().find_map(sensitive_write) {
            ctx.report(
                binding,
                &JsonPointer::root().key("roleRef").key("name"),
                format!(
                    "{} `{}` binds {} {}, which grants `{}` on `configmaps`: its subjects can \
                     modify kube-system ConfigMaps",
                    binding.kind,
                    binding.name,
                    rr.label(),
                    binding_scope(binding),
                    grant.verb
                ),
            );
        }
    }
}
