//! Applying mutations: RFC 6902 JSON Patch, and the structured merge of an apply
//! configuration.

use serde_json::{Map, Value};

/// Why a patch could not be applied
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// A `test` operation failed: the whole patch is skipped, silently
    #[error("test operation failed at `{0}`")]
    TestFailed(String),
    /// Any other failure
    #[error("{0}")]
    Invalid(String),
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn tokens(path: &str) -> Result<Vec<String>, PatchError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| PatchError::Invalid(format!("path `{path}` must start with `/`")))?;
    Ok(rest.split('/').map(unescape).collect())
}

fn index(token: &str, len: usize, allow_end: bool) -> Result<usize, PatchError> {
    if allow_end && token == "-" {
        return Ok(len);
    }
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return Err(PatchError::Invalid(format!(
            "invalid array index `{token}`"
        )));
    }
    let i: usize = token
        .parse()
        .map_err(|_| PatchError::Invalid(format!("invalid array index `{token}`")))?;
    let max = if allow_end {
        len
    } else {
        len.saturating_sub(1)
    };
    if i > max || (!allow_end && len == 0) {
        return Err(PatchError::Invalid(format!(
            "array index {i} out of bounds (length {len})"
        )));
    }
    Ok(i)
}

fn parent<'v>(doc: &'v mut Value, toks: &[String]) -> Result<&'v mut Value, PatchError> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Object(m) => m
                .get_mut(t)
                .ok_or_else(|| PatchError::Invalid(format!("path segment `{t}` not found")))?,
            Value::Array(a) => {
                let i = index(t, a.len(), false)?;
                a.get_mut(i)
                    .ok_or_else(|| PatchError::Invalid(format!("index {i} not found")))?
            }
            _ => {
                return Err(PatchError::Invalid(format!(
                    "cannot traverse into a scalar at `{t}`"
                )));
            }
        };
    }
    Ok(cur)
}

fn get<'v>(doc: &'v Value, path: &str) -> Result<&'v Value, PatchError> {
    let mut cur = doc;
    for t in tokens(path)? {
        cur = match cur {
            Value::Object(m) => m
                .get(&t)
                .ok_or_else(|| PatchError::Invalid(format!("path `{path}` not found")))?,
            Value::Array(a) => {
                let i = index(&t, a.len(), false)?;
                a.get(i)
                    .ok_or_else(|| PatchError::Invalid(format!("path `{path}` not found")))?
            }
            _ => return Err(PatchError::Invalid(format!("path `{path}` not found"))),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), PatchError> {
    let toks = tokens(path)?;
    let Some((last, init)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent(doc, init)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(a) => {
            let i = index(last, a.len(), true)?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err(PatchError::Invalid(format!(
            "cannot add `{path}`: parent is not an object or array"
        ))),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let toks = tokens(path)?;
    let Some((last, init)) = toks.split_last() else {
        return Err(PatchError::Invalid(
            "cannot remove the whole document".into(),
        ));
    };
    match parent(doc, init)? {
        Value::Object(m) => m
            .shift_remove(last)
            .ok_or_else(|| PatchError::Invalid(format!("cannot remove `{path}`: not found"))),
        Value::Array(a) => {
            let i = index(last, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err(PatchError::Invalid(format!("cannot remove `{path}`"))),
    }
}

/// Apply RFC 6902 operations (`[{op, path, value, from}]`) to `doc`. On any failure `doc` is
/// left unchanged; a failed `test` is [`PatchError::TestFailed`].
pub fn apply_json_patch(doc: &mut Value, ops: &Value) -> Result<(), PatchError> {
    let ops = ops
        .as_array()
        .ok_or_else(|| PatchError::Invalid("a JSON patch must be a list of operations".into()))?;
    let mut work = doc.clone();
    for op in ops {
        let field = |k: &str| op.get(k).and_then(Value::as_str);
        let path =
            field("path").ok_or_else(|| PatchError::Invalid("operation without `path`".into()))?;
        let value = || {
            op.get("value").cloned().ok_or_else(|| {
                PatchError::Invalid(format!("operation on `{path}` without `value`"))
            })
        };
        match field("op") {
            Some("add") => add(&mut work, path, value()?)?,
            Some("remove") => {
                remove(&mut work, path)?;
            }
            Some("replace") => {
                get(&work, path)?;
                remove_or_root(&mut work, path)?;
                add(&mut work, path, value()?)?;
            }
            Some("move") => {
                let from = field("from")
                    .ok_or_else(|| PatchError::Invalid("`move` without `from`".into()))?;
                if path.starts_with(from)
                    && path.len() > from.len()
                    && path[from.len()..].starts_with('/')
                {
                    return Err(PatchError::Invalid(format!(
                        "cannot move `{from}` into its own child `{path}`"
                    )));
                }
                let v = remove(&mut work, from)?;
                add(&mut work, path, v)?;
            }
            Some("copy") => {
                let from = field("from")
                    .ok_or_else(|| PatchError::Invalid("`copy` without `from`".into()))?;
                let v = get(&work, from)?.clone();
                add(&mut work, path, v)?;
            }
            Some("test") => {
                let expected = value()?;
                match get(&work, path) {
                    Ok(actual) if json_equal(actual, &expected) => {}
                    _ => return Err(PatchError::TestFailed(path.to_owned())),
                }
            }
            other => {
                return Err(PatchError::Invalid(format!(
                    "unknown operation `{}`",
                    other.unwrap_or("")
                )));
            }
        }
    }
    *doc = work;
    Ok(())
}

fn remove_or_root(doc: &mut Value, path: &str) -> Result<(), PatchError> {
    if path.is_empty() {
        return Ok(());
    }
    remove(doc, path).map(|_| ())
}

/// JSON equality with numbers compared by value (`1` equals `1.0`)
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// The merge keys of the lists Kubernetes types declare as list-maps (by field name); other
/// lists are atomic (replaced), except the `set` lists, which are unioned
fn list_keys(field: &str, items: &[Value]) -> Option<&'static [&'static str]> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates" => Some(&["name"]),
        "volumeMounts" | "volumeDevices" => Some(&["mountPath"]),
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                Some(&["containerPort", "protocol"])
            } else {
                Some(&["port", "protocol"])
            }
        }
        "hostAliases" => Some(&["ip"]),
        "topologySpreadConstraints" => Some(&["topologyKey", "whenUnsatisfiable"]),
        "ownerReferences" => Some(&["uid"]),
        "conditions" => Some(&["type"]),
        _ => None,
    }
}

fn set_list(field: &str) -> bool {
    matches!(field, "finalizers")
}

fn key_of(item: &Value, keys: &[&str]) -> Vec<Value> {
    keys.iter()
        .map(|k| match (item.get(*k), *k) {
            (Some(v), _) => v.clone(),
            (None, "protocol") => Value::String("TCP".into()),
            (None, _) => Value::Null,
        })
        .collect()
}

/// Merge an apply configuration into `target`: maps merge field by field, list-maps merge
/// item by item on their keys (containers by name, ports by containerPort+protocol, …),
/// `set` lists are unioned, other lists and scalars are replaced.
pub fn apply_configuration(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    for (field, want) in [("apiVersion", "apiVersion"), ("kind", "kind")] {
        if let (Some(p), Some(t)) = (patch.get(field), target.get(field))
            && p != t
        {
            return Err(PatchError::Invalid(format!(
                "the apply configuration's {want} `{}` differs from the object's `{}`",
                p.as_str().unwrap_or_default(),
                t.as_str().unwrap_or_default()
            )));
        }
    }
    merge_value(target, patch, "");
    Ok(())
}

fn merge_value(target: &mut Value, patch: &Value, field: &str) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => merge_map(t, p),
        (Value::Array(t), Value::Array(p)) => {
            if let Some(keys) = list_keys(field, p) {
                for item in p {
                    let k = key_of(item, keys);
                    match t.iter_mut().find(|x| key_of(x, keys) == k) {
                        Some(existing) => merge_value(existing, item, ""),
                        None => t.push(item.clone()),
                    }
                }
            } else if set_list(field) {
                for item in p {
                    if !t.contains(item) {
                        t.push(item.clone());
                    }
                }
            } else {
                *t = p.clone();
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn merge_map(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        match target.get_mut(k) {
            Some(existing) if !v.is_null() => merge_value(existing, v, k),
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_patch_ops() {
        let mut d = json!({"a": {"b": [1, 2]}, "c": "x"});
        apply_json_patch(
            &mut d,
            &json!([
                {"op": "add", "path": "/a/b/-", "value": 3},
                {"op": "add", "path": "/a/b/0", "value": 0},
                {"op": "replace", "path": "/c", "value": "y"},
                {"op": "copy", "from": "/c", "path": "/d"},
                {"op": "move", "from": "/d", "path": "/e"},
                {"op": "remove", "path": "/a/b/1"},
                {"op": "test", "path": "/e", "value": "y"},
                {"op": "add", "path": "/m~1n", "value": true}
            ]),
        )
        .expect("patch");
        assert_eq!(
            d,
            json!({"a": {"b": [0, 2, 3]}, "c": "y", "e": "y", "m/n": true})
        );
    }

    #[test]
    fn failing_test_leaves_document_unchanged() {
        let mut d = json!({"a": 1});
        let r = apply_json_patch(
            &mut d,
            &json!([{"op": "add", "path": "/b", "value": 2}, {"op": "test", "path": "/a", "value": 5}]),
        );
        assert_eq!(r, Err(PatchError::TestFailed("/a".into())));
        assert_eq!(d, json!({"a": 1}));
        assert!(apply_json_patch(&mut d, &json!([{"op": "remove", "path": "/zz"}])).is_err());
        assert!(
            apply_json_patch(
                &mut d,
                &json!([{"op": "replace", "path": "/zz", "value": 1}])
            )
            .is_err()
        );
        assert!(
            apply_json_patch(&mut d, &json!([{"op": "add", "path": "/x/y", "value": 1}])).is_err()
        );
        assert_eq!(d, json!({"a": 1}));
    }

    #[test]
    fn apply_configuration_merges_by_keys() {
        let mut d = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"labels": {"a": "1"}, "finalizers": ["x"]},
            "spec": {"containers": [
                {"name": "c1", "image": "i1", "ports": [{"containerPort": 80}], "args": ["a"]},
                {"name": "c2", "image": "i2"}
            ], "tolerations": [{"key": "k"}]}
        });
        apply_configuration(
            &mut d,
            &json!({
                "metadata": {"labels": {"b": "2"}, "finalizers": ["y", "x"]},
                "spec": {"containers": [
                    {"name": "c2", "securityContext": {"privileged": false}},
                    {"name": "c1", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 81}], "args": ["b"]},
                    {"name": "c3", "image": "i3"}
                ], "tolerations": [{"key": "other"}]}
            }),
        )
        .expect("merge");
        assert_eq!(
            d,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"labels": {"a": "1", "b": "2"}, "finalizers": ["x", "y"]},
                "spec": {"containers": [
                    {"name": "c1", "image": "i1", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 81}], "args": ["b"]},
                    {"name": "c2", "image": "i2", "securityContext": {"privileged": false}},
                    {"name": "c3", "image": "i3"}
                ], "tolerations": [{"key": "other"}]}
            })
        );
        assert!(apply_configuration(&mut d, &json!({"kind": "Service"})).is_err());
    }
}
