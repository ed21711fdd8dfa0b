use super::graph::{is_system_subject, resolve_role, subjects, user_bindings};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// RoleBindings and ClusterRoleBindings whose role grants everything — the built-in
    /// `cluster-admin` ClusterRole, or any scanned Role/ClusterRole with a rule of `*` verbs on
    /// `*` resources in `*` API groups — to a subject other than a Kubernetes component
    /// (users and groups named `system:…`, except the everyone-groups such as
    /// `system:authenticated`, which are reported). Each such subject is a finding.
    /// Bootstrap bindings Kubernetes creates itself are left out.
    ///
    /// ## Why it matters
    /// Whoever holds `cluster-admin` (or `*` on `*`) can read every Secret, run any pod on any
    /// node and grant themselves anything else; a stolen token of such a ServiceAccount, or a
    /// compromised user, is a compromised cluster. Even through a RoleBinding it gives full
    /// control of the namespace, including its Secrets and its RBAC.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: cluster-admin}
    /// subjects:
    /// - kind: ServiceAccount
    ///   name: ci-deployer     # fails
    ///   namespace: ci
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-001",
        name: "cluster-admin-binding",
        title: "cluster-admin (or an equivalent role) bound to a non-system subject",
        severity: Severity::Critical,
        tags: &["rbac", "least-privilege"],
        kinds: &["RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole"],
        remediation: "bind a role that grants only the verbs and resources the subject needs \
                      instead of `cluster-admin` or a `*`-on-`*` role",
        controls: &[
            cis("5.1.1"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            attack("T1098.006"),
            nist("AC-2"),
            nist("AC-6"),
            nist("AC-6(5)"),
            sp190("4.3.1"),
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
    for binding in user_bindings(inv) {
        let Some(role) = resolve_role(inv, binding) else {
            continue;
        };
        if role.full_wildcard().is_none() {
            continue;
        }
        for subject in subjects(binding).filter(|s| !is_system_subject(s)) {
            let scope = if binding.kind == "ClusterRoleBinding" {
                "on the whole cluster".to_owned()
            } else {
                format!(
                    "on namespace `{}`",
                    binding.namespace.as_deref().unwrap_or("default")
                )
            };
            ctx.report(
                binding,
                &subject.pointer(),
                format!(
                    "{} `{}` gives {} full control {scope} through {}",
                    binding.kind,
                    binding.name,
                    subject.label(),
                    role.label()
                ),
            );
        }
    }
}
