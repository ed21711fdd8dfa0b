//! RFC 6902 JSON Patch as Kyverno applies `patchesJson6902` (evanphx/json-patch v5 with
//! `EnsurePathExistsOnAdd`, `SupportNegativeIndices` and `AllowMissingPathOnRemove`).

use serde_json::{Map, Value};

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

fn split(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid path {path:?}: must start with '/'"))?;
    Ok(rest.split('/').map(unescape).collect())
}

fn index(seg: &str, len: usize, for_add: bool) -> Result<usize, String> {
    if seg == "-" && for_add {
        return Ok(len);
    }
    let i: i64 = seg
        .parse()
        .map_err(|_| format!("invalid array index {seg:?}"))?;
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    // adds index into the array as it will be (one longer): `-1` appends
    let base = if for_add { n + 1 } else { n };
    let idx = if i < 0 { base + i } else { i };
    let max = if for_add { n } else { n - 1 };
    if idx < 0 || idx > max {
        return Err(format!("array index {seg} out of bounds"));
    }
    usize::try_from(idx).map_err(|_| format!("array index {seg} out of bounds"))
}

fn get<'a>(doc: &'a Value, segs: &[String]) -> Option<&'a Value> {
    let mut cur = doc;
    for s in segs {
        cur = match cur {
            Value::Object(m) => m.get(s)?,
            Value::Array(a) => a.get(index(s, a.len(), false).ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The parent container of a path, creating missing objects when `ensure`
fn parent_mut<'a>(
    doc: &'a mut Value,
    all: &[String],
    depth: usize,
    ensure: bool,
) -> Result<&'a mut Value, String> {
    let mut cur = doc;
    let segs = &all[..depth.min(all.len())];
    for (i, s) in segs.iter().enumerate() {
        let next_is_index = all
            .get(i + 1)
            .is_some_and(|n| n == "-" || n.parse::<i64>().is_ok());
        cur = match cur {
            Value::Object(m) => {
                if !m.contains_key(s) {
                    if !ensure {
                        return Err(format!("doc is missing path: {s}"));
                    }
                    let fresh = if next_is_index {
                        Value::Array(Vec::new())
                    } else {
                        Value::Object(Map::new())
                    };
                    m.insert(s.clone(), fresh);
                }
                m.get_mut(s).ok_or("unreachable")?
            }
            Value::Array(a) => {
                if ensure && a.is_empty() {
                    // EnsurePathExistsOnAdd: a fresh array gets the element being traversed
                    a.push(Value::Object(Map::new()));
                }
                let len = a.len();
                let idx = index(s, len, false)?;
                a.get_mut(idx).ok_or("index out of bounds")?
            }
            Value::Null if ensure => {
                *cur = Value::Object(Map::new());
                let Value::Object(m) = cur else {
                    return Err("unreachable".into());
                };
                m.insert(s.clone(), Value::Object(Map::new()));
                m.get_mut(s).ok_or("unreachable")?
            }
            _ => return Err(format!("doc is missing path: {s}")),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, segs: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = segs.split_last() else {
        *doc = value;
        return Ok(());
    };
    let parent = parent_mut(doc, segs, parents.len(), true)?;
    match parent {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(a) => {
            let idx = index(last, a.len(), true)?;
            a.insert(idx, value);
            Ok(())
        }
        Value::Null => {
            let mut m = Map::new();
            m.insert(last.clone(), value);
            *parent = Value::Object(m);
            Ok(())
        }
        _ => Err(format!(
            "add operation does not apply: doc is missing path: {last}"
        )),
    }
}

fn remove(doc: &mut Value, segs: &[String], allow_missing: bool) -> Result<Option<Value>, String> {
    let Some((last, parents)) = segs.split_last() else {
        return Err("cannot remove the document root".to_owned());
    };
    let parent = match parent_mut(doc, segs, parents.len(), false) {
        Ok(p) => p,
        Err(e) => {
            return if allow_missing { Ok(None) } else { Err(e) };
        }
    };
    match parent {
        Value::Object(m) => match m.shift_remove(last) {
            Some(v) => Ok(Some(v)),
            None if allow_missing => Ok(None),
            None => Err(format!(
                "remove operation does not apply: doc is missing key: {last}"
            )),
        },
        Value::Array(a) => match index(last, a.len(), false) {
            Ok(i) => Ok(Some(a.remove(i))),
            Err(_) if allow_missing => Ok(None),
            Err(e) => Err(e),
        },
        _ if allow_missing => Ok(None),
        _ => Err(format!(
            "remove operation does not apply: doc is missing path: {last}"
        )),
    }
}

/// Apply a list of operations
pub fn apply(doc: &Value, ops: &[Value]) -> Result<Value, String> {
    let mut doc = doc.clone();
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or("missing path in patch operation")?;
        let segs = split(path)?;
        match kind {
            "add" => {
                let v = op.get("value").cloned().unwrap_or(Value::Null);
                add(&mut doc, &segs, v)?;
            }
            "remove" => {
                remove(&mut doc, &segs, true)?;
            }
            "replace" => {
                if get(&doc, &segs).is_none() {
                    return Err(format!(
                        "replace operation does not apply: doc is missing key: {path}"
                    ));
                }
                let v = op.get("value").cloned().unwrap_or(Value::Null);
                remove(&mut doc, &segs, false)?;
                add(&mut doc, &segs, v)?;
            }
            "move" => {
                let from = split(
                    op.get("from")
                        .and_then(Value::as_str)
                        .ok_or("missing from")?,
                )?;
                let v = remove(&mut doc, &from, false)?.ok_or("move: missing from")?;
                add(&mut doc, &segs, v)?;
            }
            "copy" => {
                let from = split(
                    op.get("from")
                        .and_then(Value::as_str)
                        .ok_or("missing from")?,
                )?;
                let v = get(&doc, &from).cloned().ok_or("copy: missing from")?;
                add(&mut doc, &segs, v)?;
            }
            "test" => {
                let v = op.get("value").cloned().unwrap_or(Value::Null);
                if !get(&doc, &segs).is_some_and(|a| crate::value::deep_equal(a, &v)) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("unexpected kind of patch operation: {other:?}")),
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_operations() {
        let doc = json!({"metadata": {"name": "a"}, "spec": {"list": [1, 2]}});
        let out = apply(
            &doc,
            &[
                json!({"op": "add", "path": "/metadata/labels/app", "value": "x"}),
                json!({"op": "add", "path": "/spec/list/-", "value": 3}),
                json!({"op": "replace", "path": "/spec/list/0", "value": 0}),
                json!({"op": "remove", "path": "/spec/missing"}),
                json!({"op": "add", "path": "/spec/list/-1", "value": 9}),
                json!({"op": "add", "path": "/spec/terms/-1/exprs/-1", "value": 7}),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"metadata": {"name": "a", "labels": {"app": "x"}}, "spec": {"list": [0, 2, 3, 9], "terms": [{"exprs": [7]}]}})
        );
        assert!(
            apply(
                &doc,
                &[json!({"op": "replace", "path": "/spec/nope", "value": 1})]
            )
            .is_err()
        );
        let out = apply(
            &doc,
            &[json!({"op": "add", "path": "/metadata/annotations/a~1b", "value": "y"})],
        )
        .unwrap();
        assert_eq!(out["metadata"]["annotations"]["a/b"], "y");
    }
}
