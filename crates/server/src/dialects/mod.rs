//! The dialects the server ships with, and the adapters later dialects plug in through.
//!
//! To serve another dialect (Kyverno, Gatekeeper, VAP/MAP): implement
//! [`Dialect`](crate::Dialect) in a module here on top of the dialect crate's pure API, and
//! add it to [`defaults`]. Documents of an `apiVersion`/`kind` no loaded dialect claims make a
//! policy load fail, so a policy is never silently not enforced.

pub mod checks;
pub mod pod_security;

use crate::policy::Dialect;
use std::sync::Arc;

/// The dialects `palisade serve` loads, in evaluation order
pub fn defaults() -> Vec<Arc<dyn Dialect>> {
    vec![
        Arc::new(pod_security::PodSecurity),
        Arc::new(checks::BuiltinChecks),
    ]
}
