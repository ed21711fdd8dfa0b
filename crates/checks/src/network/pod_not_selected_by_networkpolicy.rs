use super::policy::{pod_selector, policies_in, policy_types};
use crate::prelude::*;
use std::collections::HashMap;

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
    let mut by_namespace: HashMap<&str, NamespacePolicies> = HashMap::new();
    for w in &inv.workloads {
        let ns = ns_or_default(w.reference.namespace.as_deref());
        let policies = by_namespace
            .entry(ns)
            .or_insert_with(|| NamespacePolicies::of(inv, ns));
        let labels = w.pod_labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let (ingress, egress) = policies.directions(labels);
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

/// One namespace's policies, read once: pod selector and the directions it restricts.
///
/// A policy whose selector has `matchLabels` can only select pods carrying the first of those
/// labels, so it is listed under that label and tried only for such workloads; the others are
/// tried for every workload. Trying every policy of a namespace for every workload made this
/// check the slowest step at the end of large scans.
struct NamespacePolicies {
    /// (pod selector, ingress, egress)
    policies: Vec<(Value, bool, bool)>,
    /// Label key → value → policies listed under that label
    by_label: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Policies without `matchLabels` of plain strings
    unlisted: Vec<usize>,
}

impl NamespacePolicies {
    fn of(inv: &Inventory, ns: &str) -> Self {
        let mut this = Self {
            policies: Vec::new(),
            by_label: HashMap::new(),
            unlisted: Vec::new(),
        };
        for (i, p) in policies_in(inv, ns).enumerate() {
            let (ingress, egress) = policy_types(p);
            let selector = pod_selector(p);
            match first_match_label(&selector) {
                Some((k, v)) => this
                    .by_label
                    .entry(k.to_owned())
                    .or_default()
                    .entry(v.to_owned())
                    .or_default()
                    .push(i),
                None => this.unlisted.push(i),
            }
            this.policies.push((selector, ingress, egress));
        }
        this
    }

    /// Whether some policy selects pods with these labels for ingress, and for egress
    fn directions<'l>(
        &self,
        labels: impl Iterator<Item = (&'l str, &'l str)> + Clone,
    ) -> (bool, bool) {
        let listed = labels.clone().flat_map(|(k, v)| {
            self.by_label
                .get(k)
                .and_then(|values| values.get(v))
                .into_iter()
                .flatten()
        });
        let (mut ingress, mut egress) = (false, false);
        for &at in self.unlisted.iter().chain(listed) {
            let Some((selector, i, e)) = self.policies.get(at) else {
                continue;
            };
            if (*i && !ingress || *e && !egress) && selector_matches(selector, labels.clone()) {
                ingress |= i;
                egress |= e;
            }
        }
        (ingress, egress)
    }
}

/// The first `matchLabels` entry of a selector, when every one of them is a plain string (a
/// pod the selector matches carries that label)
fn first_match_label(selector: &Value) -> Option<(&str, &str)> {
    let labels = selector.get("matchLabels")?.as_object()?;
    if !labels.values().all(Value::is_string) {
        return None;
    }
    let (k, v) = labels.iter().next()?;
    Some((k.as_str(), v.as_str()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::resources_from_document;
    use palisade_source::{LoadLimits, SourceFile, load_str};

    #[test]
    fn listing_policies_by_label_finds_what_trying_them_all_finds() {
        let policy = |name: &str, spec: &str| {
            format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, \
                 namespace: ns}}\nspec: {spec}\n---\n"
            )
        };
        let mut text = [
            policy("one", "{podSelector: {matchLabels: {app: a}}}"),
            policy("two", "{podSelector: {matchLabels: {app: a, tier: web}}, policyTypes: [Egress]}"),
            policy("number", "{podSelector: {matchLabels: {tier: web, port: 80}}, policyTypes: [Egress]}"),
            policy("expr", "{podSelector: {matchExpressions: [{key: app, operator: In, values: [b]}]}, policyTypes: [Ingress, Egress]}"),
            policy("both", "{podSelector: {matchLabels: {app: c}, matchExpressions: [{key: tier, operator: Exists}]}, egress: []}"),
            policy("all", "{podSelector: {}, policyTypes: [Egress]}"),
        ]
        .concat();
        let label_sets = [
            "{}",
            "{app: a}",
            "{app: a, tier: web}",
            "{app: b}",
            "{app: c, tier: x}",
            "{tier: web, port: '80'}",
            "{app: c}",
        ];
        for (i, labels) in label_sets.iter().enumerate() {
            text.push_str(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns, labels: {labels}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n---\n"
            ));
        }
        let file = SourceFile::new("t.yaml", text);
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        let mut inv = Inventory::default();
        for doc in docs {
            for r in resources_from_document(doc).0 {
                inv.observe(&r);
            }
        }
        let policies = NamespacePolicies::of(&inv, "ns");
        assert_eq!(policies.policies.len(), 6);
        assert!(!policies.by_label.is_empty() && !policies.unlisted.is_empty());
        assert_eq!(inv.workloads.len(), label_sets.len());
        for w in &inv.workloads {
            let labels = w.pod_labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let mut every = (false, false);
            for (selector, i, e) in &policies.policies {
                if selector_matches(selector, labels.clone()) {
                    every = (every.0 || *i, every.1 || *e);
                }
            }
            assert_eq!(policies.directions(labels), every, "{}", w.reference);
        }
    }
}
