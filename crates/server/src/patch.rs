//! JSON Patch (RFC 6902), applied so each mutating policy sees the object as the policies
//! before it left it. The response then carries all operations in order, which the API server
//! applies to the original object with the same result.

use serde_json::Value;

/// Apply operations in order; on error the value may be partly patched (callers patch a copy)
pub fn apply(target: &mut Value, operations: &[Value]) -> Result<(), String> {
    for (i, op) in operations.iter().enumerate() {
        apply_one(target, op).map_err(|e| format!("patch operation {i}: {e}"))?;
    }
    Ok(())
}

fn field<'a>(op: &'a Value, name: &str) -> Result<&'a Value, String> {
    op.get(name).ok_or_else(|| format!("missing `{name}`"))
}

fn path_of(op: &Value, name: &str) -> Result<Vec<String>, String> {
    let raw = field(op, name)?
        .as_str()
        .ok_or_else(|| format!("`{name}` is not a string"))?;
    parse_pointer(raw)
}

/// RFC 6901 pointer into reference tokens
fn parse_pointer(raw: &str) -> Result<Vec<String>, String> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = raw.strip_prefix('/') else {
        return Err(format!("pointer `{raw}` does not start with `/`"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn apply_one(target: &mut Value, op: &Value) -> Result<(), String> {
    let kind = field(op, "op")?.as_str().unwrap_or_default();
    let path = path_of(op, "path")?;
    match kind {
        "add" => add(target, &path, field(op, "value")?.clone()),
        "remove" => remove(target, &path).map(drop),
        "replace" => {
            remove(target, &path)?;
            add(target, &path, field(op, "value")?.clone())
        }
        "move" => {
            let from = path_of(op, "from")?;
            if path.len() > from.len() && path.starts_with(&from) {
                return Err("cannot move a value into itself".to_owned());
            }
            let v = remove(target, &from)?;
            add(target, &path, v)
        }
        "copy" => {
            let from = path_of(op, "from")?;
            let v = get(target, &from)?.clone();
            add(target, &path, v)
        }
        "test" => {
            if get(target, &path)? == field(op, "value")? {
                Ok(())
            } else {
                Err("test failed".to_owned())
            }
        }
        other => Err(format!("unknown op `{other}`")),
    }
}

fn get<'a>(target: &'a Value, path: &[String]) -> Result<&'a Value, String> {
    path.iter()
        .try_fold(target, |v, t| match v {
            Value::Object(m) => m.get(t.as_str()),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
        .ok_or_else(|| format!("path `/{}` does not exist", path.join("/")))
}

fn parent<'a>(target: &'a mut Value, path: &[String]) -> Result<(&'a mut Value, String), String> {
    let Some((last, init)) = path.split_last() else {
        return Err("the root has no parent".to_owned());
    };
    let mut v = target;
    for t in init {
        v = match v {
            Value::Object(m) => m.get_mut(t.as_str()),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("path `/{}` does not exist", init.join("/")))?;
    }
    Ok((v, last.clone()))
}

fn add(target: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    if path.is_empty() {
        *target = value;
        return Ok(());
    }
    let (p, last) = parent(target, path)?;
    match p {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= a.len())
                    .ok_or_else(|| format!("array index `{last}` out of range"))?
            };
            a.insert(i, value);
            Ok(())
        }
        _ => Err(format!("cannot add `{last}` to a scalar")),
    }
}

fn remove(target: &mut Value, path: &[String]) -> Result<Value, String> {
    if path.is_empty() {
        return Ok(std::mem::take(target));
    }
    let (p, last) = parent(target, path)?;
    match p {
        Value::Object(m) => m
            .shift_remove(last.as_str())
            .ok_or_else(|| format!("path `/{}` does not exist", path.join("/"))),
        Value::Array(a) => {
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|i| *i < a.len())
                .ok_or_else(|| format!("array index `{last}` out of range"))?;
            Ok(a.remove(i))
        }
        _ => Err(format!("path `/{}` does not exist", path.join("/"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_rfc6902_operations() {
        let mut doc = json!({"metadata": {"labels": {"a": "1"}}, "list": [1, 2]});
        apply(
            &mut doc,
            &[
                json!({"op": "add", "path": "/metadata/labels/b~1c", "value": "2"}),
                json!({"op": "replace", "path": "/metadata/labels/a", "value": "x"}),
                json!({"op": "add", "path": "/list/-", "value": 3}),
                json!({"op": "add", "path": "/list/0", "value": 0}),
                json!({"op": "remove", "path": "/list/1"}),
                json!({"op": "copy", "from": "/list", "path": "/copy"}),
                json!({"op": "move", "from": "/copy", "path": "/moved"}),
                json!({"op": "test", "path": "/moved/0", "value": 0}),
            ],
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"metadata": {"labels": {"a": "x", "b/c": "2"}}, "list": [0, 2, 3], "moved": [0, 2, 3]})
        );
        assert!(apply(&mut doc, &[json!({"op": "remove", "path": "/nope"})]).is_err());
        assert!(
            apply(
                &mut doc,
                &[json!({"op": "test", "path": "/list/0", "value": 9})]
            )
            .is_err()
        );
        assert!(apply(&mut doc, &[json!({"op": "fly", "path": ""})]).is_err());
        assert!(apply(&mut doc, &[json!({"op": "add", "path": "x", "value": 1})]).is_err());
    }
}
