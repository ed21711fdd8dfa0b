use super::policy::{pod_selector, policies_in, policy_types};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Workloads whose pods no scanned NetworkPolicy of their namespace selects for ingress, for
    /// egress, or for either. A policy selects a pod when its `spec.podSelector` (empty: every
    /// pod) matches the labels of the pod template; the directions it restricts come from its
    /// `policyTypes` (by default Ingress, plus Egress when it has `egress` rules).
    ///
    /// ## Why it matters
    /// Traffic to or from a pod that no policy selects is not restricted at all: a compromised
    /// pod elsewhere can reach it on every port, and it can reach anything, including the cloud
    /// metadata service and the API server.
    ///
    /// ## Example
    /// A `Deployment` with pod labels `app: api` fails when the only policy of its namespace
    /// selects `app: web`; a policy with `podSelector: {}` and both `policyTypes` covers it.
    pub static META = CheckMeta {
        id: "NET-002",
        name: "pod-not-selected-by-networkpolicy",
        title: "Pods not selected by any NetworkPolicy",
        severity: Severity::Medium,
        tags: &["network", "segmentation"],
        kinds: &["NetworkPolicy", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                 "ReplicationController", "Job", "CronJob", "PodTemplate"],
        remediation: "add a NetworkPolicy selecting the pods (or a namespace-wide default-deny \
                      policy) for both ingress and egress, then allow the traffic they need",
        controls: &[
            cis("5.3.2"),
            nsa("NSA-NET-NETPOL"),
            attack("T1210"),
            attack("T1046"),
            nist("AC-4"),
            nist("SC-7"),
            sp190("4.3.3"),
            pci("1.2.1"),
            pci("1.3.1"),
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
    // Each namespace's policies, read once: (pod selector, ingress, egress)
    let mut by_namespace: std::collections::HashMap<&str, Vec<(Value, bool, bool)>> =
        std::collections::HashMap::new();
    for w in &inv.workloads {
        let ns = ns_or_default(w.reference.namespace.as_deref());
        let policies = by_namespace.entry(ns).or_insert_with(|| {
            policies_in(inv, ns)
                .map(|p| {
                    let (i, e) = policy_types(p);
                    (pod_selector(p), i, e)
                })
                .collect()
        });
        let labels = w.pod_labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let (mut ingress, mut egress) = (false, false);
        for (selector, i, e) in policies.iter() {
            if (*i && !ingress || *e && !egress) && selector_matches(selector, labels.clone()) {
                ingress |= i;
                egress |= e;
            }
        }
        let missing = match (ingress, egress) {
            (true, true) => continue,
            (false, false) => "not selected by any NetworkPolicy: all their traffic is allowed",
            (true, false) => {
                "not selected by any egress NetworkPolicy: their outbound traffic \
                              is unrestricted"
            }
            (false, true) => {
                "not selected by any ingress NetworkPolicy: they accept traffic \
                              from everywhere"
            }
        };
        report_workload(
            ctx,
            w,
            &pod_pointer(&w.reference.kind).key("metadata").key("labels"),
            format!("pods of {} are {missing}", w.reference),
        );
    }
}
