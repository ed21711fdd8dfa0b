use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Namespaces (declared as `Namespace` objects or used by any scanned resource) that no
    /// scanned `NetworkPolicy` applies to.
    ///
    /// ## Why it matters
    /// Without a NetworkPolicy every pod in the namespace accepts traffic from every pod in the
    /// cluster, so one compromised workload can reach all the others.
    ///
    /// ## Example
    /// A `Deployment` in namespace `shop` with no `NetworkPolicy` whose `metadata.namespace` is
    /// `shop` fails; add one (a default-deny policy is the usual start).
    pub static META = CheckMeta {
        id: "NET-001",
        name: "namespace-no-networkpolicy",
        title: "Namespace has no NetworkPolicy",
        severity: Severity::Medium,
        tags: &["network", "segmentation"],
        kinds: &["Namespace", "NetworkPolicy", "Pod", "Deployment", "StatefulSet", "DaemonSet",
                 "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"],
        remediation: "add a NetworkPolicy to the namespace, starting with a default-deny policy",
        controls: &[
            cis("5.3.2"),
            nsa("NSA-NET-NETPOL"),
            attack("T1046"),
            attack("T1210"),
            nist("AC-4"),
            nist("SC-7"),
            sp190("4.3.3"),
            pci("1.2.1"),
            soc2("CC6.6"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    let covered: std::collections::BTreeSet<&str> = inv
        .of_kind("NetworkPolicy")
        .filter_map(|p| p.namespace.as_deref())
        .collect();
    for ns in inv.of_kind("Namespace") {
        if !covered.contains(ns.name.as_str()) {
            ctx.report(
                ns,
                &JsonPointer::root().key("metadata").key("name"),
                format!("namespace `{}` has no NetworkPolicy", ns.name),
            );
        }
    }
    // Namespaces only referenced by resources: point at the first workload using them.
    let declared: std::collections::BTreeSet<&str> =
        inv.of_kind("Namespace").map(|n| n.name.as_str()).collect();
    for ns in &inv.namespaces_in_use {
        if covered.contains(ns.as_str()) || declared.contains(ns.as_str()) {
            continue;
        }
        if let Some(w) = inv
            .workloads
            .iter()
            .find(|w| w.reference.namespace.as_deref() == Some(ns))
        {
            report_workload(
                ctx,
                w,
                &JsonPointer::root().key("metadata").key("namespace"),
                format!(
                    "namespace `{ns}` (used by {}) has no NetworkPolicy",
                    w.reference
                ),
            );
        }
    }
}
