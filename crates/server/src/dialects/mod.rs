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
