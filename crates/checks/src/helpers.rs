//! Small lookups shared by checks of several areas
#![allow(dead_code, reason = "helpers are used by a varying subset of checks")]

use palisade_model::{Container, PodTemplate};
use serde_json::Value;

/// A boolean field, `None` when missing or not a boolean
pub(crate) fn bool_at(v: Option<&Value>) -> Option<bool> {
    v.and_then(Value::as_bool)
}

/// Strings of a list field (non-strings skipped)
pub(crate) fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// A container's effective security-context field: the container's value, else the pod's
/// (for the fields Kubernetes inherits from `PodSecurityContext`)
pub(crate) fn effective<'a>(
    pod: &PodTemplate<'a>,
    container: &Container<'a>,
    field: &str,
) -> Option<&'a Value> {
    container
        .get(&format!("securityContext/{field}"))
        .filter(|v| !v.is_null())
        .or_else(|| {
            pod.get(&format!("securityContext/{field}"))
                .filter(|v| !v.is_null())
        })
}
