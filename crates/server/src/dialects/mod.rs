//! The dialects the server ships with, and the adapters later dialects plug in through.
//!
//! Each adapter implements [`Dialect`] on top of a dialect crate's pure API.
//! Documents of an `apiVersion`/`kind` no loaded dialect claims, and that no loaded policy
//! reads as params, make a policy load fail, so a policy is never silently not enforced.

pub mod admission_policy;
pub mod checks;
mod diff;
pub mod gatekeeper;
pub mod kyverno;
pub mod pod_security;

use crate::policy::Dialect;
use std::sync::Arc;

/// The dialects `palisade serve` loads, in evaluation order (MutatingAdmissionPolicies run
/// before Kyverno's mutations, as the API server runs its admission plugins before webhooks)
pub fn defaults() -> Vec<Arc<dyn Dialect>> {
    vec![
        Arc::new(pod_security::PodSecurity),
        Arc::new(checks::BuiltinChecks),
        Arc::new(admission_policy::AdmissionPolicies),
        Arc::new(kyverno::Kyverno),
        Arc::new(gatekeeper::Gatekeeper),
    ]
}

/// Evaluate every policy of `set` against `object`, as a CREATE of it in namespace `team` (the
/// dialects' unit tests)
#[cfg(test)]
fn evaluate_all(
    set: &dyn crate::policy::PolicySet,
    object: serde_json::Value,
) -> crate::policy::Decisions {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let admission: crate::review::AdmissionRequest = serde_json::from_value(serde_json::json!({
        "uid": "u", "operation": "CREATE", "namespace": "team",
        "kind": {"group": group, "version": version, "kind": object["kind"]},
    }))
    .unwrap();
    let object = palisade_model::Resource::from_value(object, "object.yaml").unwrap();
    let req = crate::policy::Request {
        admission: &admission,
        object: Some(&object),
        old_object: None,
        namespace: None,
        namespace_known: false,
        cluster_bindings: &palisade_kyverno::rbac::RoleIndex::default(),
    };
    let all: Vec<usize> = (0..set.policies().len()).collect();
    let mut out = crate::policy::Decisions::default();
    set.evaluate(&req, &all, &mut out);
    out
}
