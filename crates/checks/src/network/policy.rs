//! NetworkPolicy and Service helpers shared by the NET checks

use crate::prelude::*;

/// Which directions a NetworkPolicy restricts: `(ingress, egress)`. Without `policyTypes`,
/// Kubernetes assumes Ingress, plus Egress when the policy has an `egress` section.
pub(super) fn policy_types(policy: &Resource) -> (bool, bool) {
    match policy.get("spec/policyTypes").and_then(Value::as_array) {
        Some(types) => {
            let has = |t: &str| types.iter().any(|v| v.as_str() == Some(t));
            (has("Ingress"), has("Egress"))
        }
        None => (
            true,
            policy.get("spec/egress").is_some_and(|e| !e.is_null()),
        ),
    }
}

/// The policy's pod selector (a missing one selects every pod, like `{}`)
pub(super) fn pod_selector(policy: &Resource) -> Value {
    policy
        .get("spec/podSelector")
        .filter(|s| s.is_object())
        .cloned()
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()))
}

/// Does the selector select every pod of the namespace?
pub(super) fn selects_all(selector: &Value) -> bool {
    let empty = |k: &str| {
        selector.get(k).is_none_or(|v| {
            v.is_null()
                || v.as_object().is_some_and(serde_json::Map::is_empty)
                || v.as_array().is_some_and(Vec::is_empty)
        })
    };
    empty("matchLabels") && empty("matchExpressions")
}

/// Network policies of a namespace
pub(super) fn policies_in<'a>(
    inv: &'a Inventory,
    ns: &'a str,
) -> impl Iterator<Item = &'a Resource> + 'a {
    inv.of_kind_in("NetworkPolicy", Some(ns))
}

/// Does a Service's `selector` (a plain label map) select these labels?
pub(super) fn service_selects<'a>(
    service: &Resource,
    labels: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> bool {
    match service.get("spec/selector").and_then(Value::as_object) {
        Some(sel) if !sel.is_empty() => {
            let labels: Vec<(&str, &str)> = labels.collect();
            sel.iter().all(|(k, v)| {
                labels
                    .iter()
                    .any(|(lk, lv)| lk == k && Some(*lv) == v.as_str())
            })
        }
        _ => false,
    }
}
