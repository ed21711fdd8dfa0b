use super::graph::{
    BIND_ESCALATE, CLUSTERROLEBINDING_WRITE, CSR_APPROVAL, EXEC_ATTACH, IMPERSONATE, NODES_PROXY,
    POD_CREATE, PV_CREATE, Perm, ROLEBINDING_WRITE, SECRETS_READ, TOKEN_CREATE, WEBHOOK_WRITE,
    binding_is_broad, binding_scope, first_grant, resolve_role, subjects, user_bindings,
};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Workloads whose ServiceAccount (`serviceAccountName`, else `default`) a scanned
    /// RoleBinding or ClusterRoleBinding — directly, or through `system:serviceaccounts`,
    /// `system:serviceaccounts:<namespace>` or `system:authenticated` — grants
    /// * full control: a role with `*` verbs on `*` resources (such as `cluster-admin`), at any
    ///   scope; or
    /// * a cluster-takeover right cluster-wide or in `kube-system`: reading Secrets, creating
    ///   pods or workloads, exec/attach, `bind`/`escalate` or binding writes, `impersonate`,
    ///   `nodes/proxy`, PersistentVolume creation, CSR approval, webhook configuration writes
    ///   or ServiceAccount token creation.
    ///
    /// One finding per workload, naming the first such grant.
    ///
    /// ## Why it matters
    /// The pod's ServiceAccount token is mounted in its containers: anyone who compromises the
    /// application — a remote code execution bug, a malicious dependency — holds these rights
    /// and, with them, the cluster.
    ///
    /// ## Example
    /// A `Deployment` with `serviceAccountName: operator` fails when a ClusterRoleBinding binds
    /// `cluster-admin` to ServiceAccount `operator` of its namespace.
    pub static META = CheckMeta {
        id: "RBAC-022",
        name: "workload-privileged-sa",
        title: "Workload's ServiceAccount has administrative or cluster-takeover rights",
        severity: Severity::High,
        tags: &["rbac", "service-account", "workloads"],
        kinds: &["RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole", "Pod", "Deployment",
                 "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                 "CronJob", "PodTemplate"],
        remediation: "give the workload its own ServiceAccount bound to a role with only the \
                      verbs, resources and namespaces it uses; disable token automounting if it \
                      does not call the API",
        controls: &[
            nsa("NSA-AUTH-RBAC"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            attack("T1078"),
            nist("AC-6"),
            nist("AC-6(5)"),
            sp190("4.3.1"),
            pci("7.2.2"),
            pci("7.2.5"),
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

/// Rights that lead to control of the cluster when held cluster-wide or in kube-system
const TAKEOVER: &[&Perm] = &[
    &SECRETS_READ,
    &BIND_ESCALATE,
    &ROLEBINDING_WRITE,
    &CLUSTERROLEBINDING_WRITE,
    &IMPERSONATE,
    &NODES_PROXY,
    &WEBHOOK_WRITE,
    &TOKEN_CREATE,
    &CSR_APPROVAL,
    &PV_CREATE,
    &EXEC_ATTACH,
    &POD_CREATE,
];

/// What a binding gives a ServiceAccount that makes it dangerous, if anything
fn dangerous_grant(inv: &Inventory, binding: &Resource) -> Option<String> {
    let role = resolve_role(inv, binding)?;
    if role.full_wildcard().is_some() {
        return Some(format!(
            "full control (`*` on `*`) {} through {}",
            binding_scope(binding),
            role.label()
        ));
    }
    if !binding_is_broad(binding) {
        return None;
    }
    let namespaced = binding.kind == "RoleBinding";
    role.rules
        .iter()
        .find_map(|r| first_grant(r, TAKEOVER, namespaced))
        .map(|g| {
            format!(
                "`{}` on `{}` {} through {}",
                g.verb,
                g.resource,
                binding_scope(binding),
                role.label()
            )
        })
}

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    // Bindings with something dangerous in them, resolved once
    let dangerous: Vec<(&Resource, String)> = user_bindings(inv)
        .filter_map(|b| dangerous_grant(inv, b).map(|why| (b, why)))
        .collect();
    if dangerous.is_empty() {
        return;
    }
    // Many workloads share a ServiceAccount: resolve each account once
    let mut resolved: std::collections::HashMap<(&str, &str), Option<usize>> =
        std::collections::HashMap::new();
    for w in &inv.workloads {
        let sa = w.service_account.as_deref().unwrap_or("default");
        let ns = ns_or_default(w.reference.namespace.as_deref());
        let hit = resolved
            .entry((ns, sa))
            .or_insert_with(|| {
                dangerous
                    .iter()
                    .position(|(b, _)| subjects(b).any(|s| s.covers_service_account(ns, sa)))
            })
            .and_then(|i| dangerous.get(i));
        if let Some((binding, why)) = hit {
            report_workload(
                ctx,
                w,
                &service_account_pointer(&w.reference.kind),
                format!(
                    "{} runs as ServiceAccount `{ns}/{sa}`, which {} `{}` grants {why}",
                    w.reference, binding.kind, binding.name
                ),
            );
        }
    }
}
