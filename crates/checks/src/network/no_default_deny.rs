use super::policy::{pod_selector, policies_in, policy_types, selects_all};
use crate::prelude::*;
use std::collections::BTreeSet;

declare_check! {
    /// ## What it checks
    /// Namespaces (declared as `Namespace` objects, or holding a scanned workload) without a
    /// default-deny NetworkPolicy for ingress and for egress: a policy that selects every pod
    /// (`podSelector: {}`), lists the direction in its `policyTypes` (Ingress is implied when
    /// `policyTypes` is missing) and has no rules for it. One policy may cover both directions.
    ///
    /// ## Why it matters
    /// Policies that allow specific traffic only protect the pods they select. A default-deny
    /// policy makes "no traffic" the rule for every pod, including pods added later, so each
    /// allowed flow has to be declared.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]   # passes: no ingress or egress rules
    /// ```
    pub static META = CheckMeta {
        id: "NET-003",
        name: "no-default-deny",
        title: "Namespace lacks default-deny NetworkPolicies",
        severity: Severity::Medium,
        tags: &["network", "segmentation"],
        kinds: &["Namespace", "NetworkPolicy", "Pod", "Deployment", "StatefulSet", "DaemonSet",
                 "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"],
        remediation: "add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, \
                      Egress]` and no rules to the namespace, then allow the traffic each \
                      workload needs",
        controls: &[
            cis("5.3.2"),
            nsa("NSA-NET-NETPOL"),
            attack("T1210"),
            nist("AC-4"),
            nist("SC-7"),
            nist("SC-7(5)"),
            sp190("4.3.3"),
            sp190("4.4.2"),
            pci("1.3.1"),
            pci("1.3.2"),
            soc2("CC6.6"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

/// Does the namespace have default-deny policies? `(ingress, egress)`
fn default_deny(inv: &Inventory, ns: &str) -> (bool, bool) {
    let no_rules = |p: &Resource, field: &str| {
        p.get(&format!("spec/{field}"))
            .is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
    };
    let (mut ingress, mut egress) = (false, false);
    for p in policies_in(inv, ns).filter(|p| selects_all(&pod_selector(p))) {
        let (i, e) = policy_types(p);
        ingress |= i && no_rules(p, "ingress");
        egress |= e && no_rules(p, "egress");
    }
    (ingress, egress)
}

fn missing(deny: (bool, bool)) -> Option<&'static str> {
    match deny {
        (true, true) => None,
        (false, false) => Some("ingress and egress"),
        (true, false) => Some("egress"),
        (false, true) => Some("ingress"),
    }
}

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    let mut seen = BTreeSet::new();
    for ns in inv.of_kind("Namespace") {
        seen.insert(ns.name.as_str());
        if let Some(what) = missing(default_deny(inv, &ns.name)) {
            ctx.report(
                ns,
                &JsonPointer::root().key("metadata").key("name"),
                format!(
                    "namespace `{}` has no default-deny NetworkPolicy for {what}",
                    ns.name
                ),
            );
        }
    }
    for w in &inv.workloads {
        let Some(ns) = w.reference.namespace.as_deref() else {
            continue;
        };
        if !seen.insert(ns) {
            continue;
        }
        if let Some(what) = missing(default_deny(inv, ns_or_default(Some(ns)))) {
            report_workload(
                ctx,
                w,
                &JsonPointer::root().key("metadata").key("namespace"),
                format!(
                    "namespace `{ns}` (used by {}) has no default-deny NetworkPolicy for {what}",
                    w.reference
                ),
            );
        }
    }
}
