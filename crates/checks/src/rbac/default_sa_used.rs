use super::graph::{role_ref_name, subjects, user_bindings};
use crate::prelude::*;
use std::collections::BTreeMap;

declare_check! {
    /// ## What it checks
    /// * Subjects of RoleBindings and ClusterRoleBindings that are a namespace's `default`
    ///   ServiceAccount;
    /// * workloads that run as the `default` ServiceAccount (no `serviceAccountName`, or
    ///   `default`) in a namespace whose `default` ServiceAccount such a binding grants rights.
    ///
    /// Whether the `default` ServiceAccount object disables token automounting is SEC-005's
    /// concern.
    ///
    /// ## Why it matters
    /// Every pod that names no ServiceAccount runs as `default`: rights given to it are given to
    /// every such pod of the namespace, present and future, whether it needs them or not.
    /// Workloads that call the API should have their own ServiceAccount with only their rights.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// subjects:
    /// - kind: ServiceAccount
    ///   name: default      # fails
    ///   namespace: shop
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-021",
        name: "default-sa-used",
        title: "Default ServiceAccount has role bindings or is used by workloads",
        severity: Severity::Medium,
        tags: &["rbac", "service-account"],
        kinds: &["RoleBinding", "ClusterRoleBinding", "Pod", "Deployment", "StatefulSet",
                 "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
                 "PodTemplate"],
        remediation: "create a dedicated ServiceAccount for the workload, bind the role to it and \
                      set `serviceAccountName`; leave the `default` ServiceAccount without rights",
        controls: &[
            cis("5.1.5"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            nist("AC-6"),
            nist("IA-4"),
            sp190("4.3.2"),
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

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    // namespace -> the first binding giving its default ServiceAccount rights
    let mut bound: BTreeMap<String, String> = BTreeMap::new();
    for binding in user_bindings(inv) {
        let role = role_ref_name(binding);
        for s in subjects(binding).filter(|s| s.kind == "ServiceAccount" && s.name == "default") {
            let ns = ns_or_default(s.namespace);
            bound
                .entry(ns.to_owned())
                .or_insert_with(|| format!("{} `{}`", binding.kind, binding.name));
            ctx.report(
                binding,
                &s.pointer(),
                format!(
                    "{} `{}` grants `{role}` to the default ServiceAccount of namespace `{ns}`, \
                     so every pod there without its own ServiceAccount gets it",
                    binding.kind, binding.name
                ),
            );
        }
    }
    for w in &inv.workloads {
        if w.service_account
            .as_deref()
            .is_some_and(|sa| sa != "default")
        {
            continue;
        }
        let ns = w.namespace();
        if let Some(via) = bound.get(ns) {
            report_workload(
                ctx,
                w,
                &service_account_pointer(&w.reference.kind),
                format!(
                    "{} runs as the default ServiceAccount of namespace `{ns}`, which {via} \
                     grants rights",
                    w.reference
                ),
            );
        }
    }
}
