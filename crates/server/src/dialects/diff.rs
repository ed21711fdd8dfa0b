//! JSON Patch (RFC 6902) from one JSON value to another.
//!
//! The dialect crates mutate whole objects; the AdmissionReview answer is a patch. Objects are
//! compared key by key, arrays of equal length element by element; any other difference is
//! one `replace` (or `add`/`remove` for keys), which keeps the patch correct and small enough
//! without an LCS over arrays.

use serde_json::{Value, json};

/// Operations that turn `from` into `to` (empty when equal)
pub fn diff(from: &Value, to: &Value) -> Vec<Value> {
    let mut ops = Vec::new();
    walk(from, to, &mut String::new(), &mut ops);
    ops
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn walk(from: &Value, to: &Value, path: &mut String, ops: &mut Vec<Value>) {
    if from == to {
        return;
    }
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let len = path.len();
            for (k, va) in a {
                path.push('/');
                path.push_str(&escape(k));
                match b.get(k) {
                    Some(vb) => walk(va, vb, path, ops),
                    None => ops.push(json!({"op": "remove", "path": path.as_str()})),
                }
                path.truncate(len);
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    path.push('/');
                    path.push_str(&escape(k));
                    ops.push(json!({"op": "add", "path": path.as_str(), "value": vb}));
                    path.truncate(len);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            let len = path.len();
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                path.push('/');
                path.push_str(&i.to_string());
                walk(va, vb, path, ops);
                path.truncate(len);
            }
        }
        _ => ops.push(json!({"op": "replace", "path": path.as_str(), "value": to})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_turn_one_value_into_the_other() {
        let cases = [
            (
                json!({"a": 1, "b": {"c": [1, 2]}, "d/e": "x", "gone": true}),
                json!({"a": 2, "b": {"c": [1, 3], "n": null}, "d/e": "y", "new": [1]}),
            ),
            (json!({"l": [1, 2, 3]}), json!({"l": [1]})),
            (json!({"m": {"k": 1}}), json!({"m": "scalar"})),
            (json!({"same": 1}), json!({"same": 1})),
        ];
        for (from, to) in cases {
            let ops = diff(&from, &to);
            let mut patched = from.clone();
            palisade_vap::patch::apply_json_patch(&mut patched, &Value::Array(ops.clone()))
                .unwrap();
            assert_eq!(patched, to, "{ops:?}");
        }
        assert!(diff(&json!({"x": [1]}), &json!({"x": [1]})).is_empty());
        assert_eq!(
            diff(&json!({"a/b~": 1}), &json!({"a/b~": 2})),
            [json!({"op": "replace", "path": "/a~1b~0", "value": 2})]
        );
    }
}
