//! The Kubernetes document model.
//!
//! A [`Resource`] is one Kubernetes object with the place it was loaded from; [`PodTemplate`]
//! gives the same view of the pod inside a Pod, a Deployment, a CronJob or any other workload
//! kind, so checks are written once. No I/O happens here.

mod namespace;
mod pod;
mod resource;

pub use namespace::{NAMESPACE_NAME_LABEL, namespace_labels};
pub use pod::{Container, ContainerKind, PodTemplate, WORKLOAD_KINDS};
pub use resource::{Resource, ResourceRef, resources_from_document};

use serde_json::{Map, Value};

/// The fields of an `admission.k8s.io/v1` AdmissionRequest, in the order of the API's type
/// (and of the JSON the API server sends)
pub const ADMISSION_REQUEST_FIELDS: &[&str] = &[
    "uid",
    "kind",
    "resource",
    "subResource",
    "requestKind",
    "requestResource",
    "requestSubResource",
    "name",
    "namespace",
    "operation",
    "userInfo",
    "object",
    "oldObject",
    "dryRun",
    "options",
];

/// The member `key` of an object (`None` for anything else).
///
/// Same result as `Value::get`, faster on the small maps Kubernetes objects are made of: a
/// `serde_json::Map` hashes every key with SipHash, which cost a tenth of a scan, while
/// comparing a few keys in order (length first) costs a few nanoseconds.
#[inline]
pub fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    member(value.as_object()?, key)
}

/// The member `key` of a map: `Map::get`, without hashing small maps (see [`field`]).
///
/// `#[inline]` (and on [`field`]): every engine looks members up by constant keys, which the
/// comparison folds into once inlined; called, it compares through `memcmp`
#[inline]
pub fn member<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    const LINEAR_SCAN_MAX: usize = 16;
    if map.len() <= LINEAR_SCAN_MAX {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// Whether any string value in `doc` (at any depth; not the keys) satisfies `pred`
pub fn any_string(doc: &Value, pred: &impl Fn(&str) -> bool) -> bool {
    match doc {
        Value::String(s) => pred(s),
        Value::Array(a) => a.iter().any(|v| any_string(v, pred)),
        Value::Object(m) => m.values().any(|v| any_string(v, pred)),
        _ => false,
    }
}

/// The value at a `/`-separated path of object members (see [`field`])
pub fn field_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    // Split by hand: the paths are short and looked up for every check of every resource,
    // where `str::split`'s general searcher cost more than the look-ups
    let mut node = value;
    let mut rest = path;
    while let Some(slash) = rest.bytes().position(|b| b == b'/') {
        node = field(node, rest.get(..slash)?)?;
        rest = rest.get(slash + 1..)?;
    }
    field(node, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_agrees_with_get() {
        let small = json!({"a": 1, "bb": 2, "c": {"d": [3]}});
        let large: Value = (0..40).map(|i| (format!("k{i}"), json!(i))).collect();
        for (value, keys) in [
            (&small, vec!["a", "bb", "b", "c", ""]),
            (&large, vec!["k0", "k39", "k40", "x"]),
        ] {
            for key in keys {
                assert_eq!(field(value, key), value.get(key), "{key}");
            }
        }
        assert_eq!(field(&json!([1]), "0"), None);
        assert_eq!(field_path(&small, "c/d"), Some(&json!([3])));
        assert_eq!(field_path(&small, "c/x"), None);
        for path in ["", "/", "a/", "/a", "c//d", "c/d/", "bb"] {
            assert_eq!(
                field_path(&small, path),
                path.split('/').try_fold(&small, field),
                "{path}"
            );
        }
    }
}
