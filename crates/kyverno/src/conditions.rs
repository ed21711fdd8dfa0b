//! Preconditions and deny conditions (`pkg/engine/variables/evaluate.go` and `operator/`).

use crate::context::Context;
use crate::duration;
use crate::pattern::{self, Operator};
use crate::quantity::Quantity;
use crate::semver::Version;
use crate::value::{deep_equal, go_sprint};
use crate::variables::{self, Options, Resolver};
use crate::wildcard;
use serde_json::Value;
use std::cmp::Ordering;

/// A condition evaluation failure
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConditionError {
    /// Substitution failed
    #[error("{0}")]
    Substitution(#[from] variables::SubstitutionError),
    /// The conditions are not `{any, all}` or a list
    #[error("invalid condition: {0}")]
    Invalid(String),
    /// Unknown operator
    #[error("failed to create handler for condition operator {0:?}")]
    Operator(String),
}

/// Condition operators (case-insensitive names)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `Equals` / `Equal`
    Equals,
    /// `NotEquals` / `NotEqual`
    NotEquals,
    /// `In` (deprecated)
    In,
    /// `NotIn` (deprecated)
    NotIn,
    /// `AnyIn`
    AnyIn,
    /// `AllIn`
    AllIn,
    /// `AnyNotIn`
    AnyNotIn,
    /// `AllNotIn`
    AllNotIn,
    /// `GreaterThan`
    Gt,
    /// `GreaterThanOrEquals`
    Gte,
    /// `LessThan`
    Lt,
    /// `LessThanOrEquals`
    Lte,
    /// `DurationGreaterThan`
    DGt,
    /// `DurationGreaterThanOrEquals`
    DGte,
    /// `DurationLessThan`
    DLt,
    /// `DurationLessThanOrEquals`
    DLte,
}

impl Op {
    /// Parse an operator name
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "equals" | "equal" => Self::Equals,
            "notequals" | "notequal" => Self::NotEquals,
            "in" => Self::In,
            "notin" => Self::NotIn,
            "anyin" => Self::AnyIn,
            "allin" => Self::AllIn,
            "anynotin" => Self::AnyNotIn,
            "allnotin" => Self::AllNotIn,
            "greaterthan" => Self::Gt,
            "greaterthanorequals" => Self::Gte,
            "lessthan" => Self::Lt,
            "lessthanorequals" => Self::Lte,
            "durationgreaterthan" => Self::DGt,
            "durationgreaterthanorequals" => Self::DGte,
            "durationlessthan" => Self::DLt,
            "durationlessthanorequals" => Self::DLte,
            _ => return None,
        })
    }
}

/// Evaluate preconditions (`CheckPreconditions`): variables that fail to resolve become `""`
pub fn check_preconditions(
    ctx: &mut Context,
    conditions: Option<&Value>,
) -> Result<(bool, String), ConditionError> {
    let Some(conds) = conditions.filter(|c| !c.is_null()) else {
        return Ok((true, String::new()));
    };
    let subst = variables::substitute_with(
        ctx,
        conds,
        Options {
            resolver: Resolver::EmptyOnError,
            ..Options::default()
        },
    )?;
    evaluate_conditions(&subst)
}

/// Evaluate deny conditions (`CheckDenyPreconditions`): unresolved variables are errors
pub fn check_deny(
    ctx: &mut Context,
    conditions: Option<&Value>,
) -> Result<(bool, String), ConditionError> {
    let Some(conds) = conditions.filter(|c| !c.is_null()) else {
        // a deny without conditions always denies
        return Ok((true, String::new()));
    };
    let subst = variables::substitute_all(ctx, conds)?;
    evaluate_conditions(&subst)
}

/// Evaluate already-substituted conditions: `{any, all}` or a legacy list (AND)
pub fn evaluate_conditions(conds: &Value) -> Result<(bool, String), ConditionError> {
    match conds {
        Value::Array(list) => {
            for c in list {
                let (ok, _) = evaluate_one(c)?;
                if !ok {
                    return Ok((false, String::new()));
                }
            }
            Ok((true, String::new()))
        }
        Value::Object(m) => {
            let mut any_result = true;
            let mut msgs: Vec<String> = Vec::new();
            if let Some(any) = m.get("any").filter(|v| !v.is_null()) {
                let list = any
                    .as_array()
                    .ok_or_else(|| ConditionError::Invalid("`any` must be a list".to_owned()))?;
                any_result = false;
                for c in list {
                    let (ok, msg) = evaluate_one(c)?;
                    if ok {
                        any_result = true;
                        break;
                    }
                    msgs.push(msg);
                }
            }
            let mut all_result = true;
            if let Some(all) = m.get("all").filter(|v| !v.is_null()) {
                let list = all
                    .as_array()
                    .ok_or_else(|| ConditionError::Invalid("`all` must be a list".to_owned()))?;
                for c in list {
                    let (ok, msg) = evaluate_one(c)?;
                    if !ok {
                        all_result = false;
                        msgs.push(msg);
                        break;
                    }
                }
            }
            Ok((any_result && all_result, msgs.join("; ")))
        }
        Value::Null => Ok((true, String::new())),
        other => Err(ConditionError::Invalid(go_sprint(other))),
    }
}

fn evaluate_one(c: &Value) -> Result<(bool, String), ConditionError> {
    let key = c.get("key").cloned().unwrap_or(Value::Null);
    let value = c.get("value").cloned().unwrap_or(Value::Null);
    let op_name = c.get("operator").and_then(Value::as_str).unwrap_or("");
    let op = Op::parse(op_name).ok_or_else(|| ConditionError::Operator(op_name.to_owned()))?;
    let msg = c
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok((evaluate(op, &key, &value), msg))
}

/// Apply an operator to a substituted key and value
pub fn evaluate(op: Op, key: &Value, value: &Value) -> bool {
    match op {
        Op::Equals => equals(key, value),
        Op::NotEquals => !equals(key, value),
        Op::In => in_op(key, value),
        Op::NotIn => not_in_op(key, value),
        Op::AnyIn => any_in(key, value, false),
        Op::AnyNotIn => any_in(key, value, true),
        Op::AllIn => all_in(key, value, false),
        Op::AllNotIn => all_in(key, value, true),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => numeric(op, key, value),
        Op::DGt | Op::DGte | Op::DLt | Op::DLte => duration_op(op, key, value),
    }
}

/// `parseDuration(key, value)`: at least one side a duration string (not `"0"`), the other a
/// duration string or a number of seconds
fn parse_durations(key: &Value, value: &Value) -> Option<(i64, i64)> {
    let as_dur = |v: &Value| match v {
        Value::String(s) if s != "0" => duration::parse(s),
        _ => None,
    };
    let (kd, vd) = (as_dur(key), as_dur(value));
    if kd.is_none() && vd.is_none() {
        return None;
    }
    let secs = |v: &Value| -> Option<i64> {
        let f = v.as_f64()?;
        #[allow(clippy::cast_possible_truncation)]
        let s = f as i64;
        s.checked_mul(1_000_000_000)
    };
    let k = match kd {
        Some(d) => d,
        None => secs(key)?,
    };
    let v = match vd {
        Some(d) => d,
        None => secs(value)?,
    };
    Some((k, v))
}

fn equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(b) => value.as_bool() == Some(*b),
        Value::Number(n) => {
            let k = n.as_f64().unwrap_or(0.0);
            match value {
                Value::Number(v) => v.as_f64() == Some(k),
                Value::String(s) => pattern::go_parse_float(s) == Some(k),
                _ => false,
            }
        }
        Value::String(k) => {
            if let Some((a, b)) = parse_durations(key, value) {
                return a == b;
            }
            if let Some(kq) = Quantity::parse(k)
                && let Value::String(v) = value
            {
                return Quantity::parse(v).is_some_and(|vq| vq == kq);
            }
            match value {
                Value::String(v) => wildcard::matches(v, k),
                _ => false,
            }
        }
        Value::Object(_) => value.is_object() && deep_equal(key, value),
        Value::Array(_) => value.is_array() && deep_equal(key, value),
        Value::Null => false,
    }
}

/// Deprecated `In`: string key in a list (or JSON list string) of values; list key: all in
fn in_op(key: &Value, value: &Value) -> bool {
    match key {
        Value::String(k) => key_in_values(k, value).unwrap_or(false),
        Value::Number(_) | Value::Bool(_) => key_in_values(&go_sprint(key), value).unwrap_or(false),
        Value::Array(keys) => keys
            .iter()
            .all(|k| key_in_values(&go_sprint(k), value).unwrap_or(false)),
        _ => false,
    }
}

fn not_in_op(key: &Value, value: &Value) -> bool {
    match key {
        Value::String(k) => key_in_values(k, value).is_some_and(|found| !found),
        Value::Number(_) | Value::Bool(_) => {
            key_in_values(&go_sprint(key), value).is_some_and(|found| !found)
        }
        Value::Array(keys) => !keys
            .iter()
            .all(|k| key_in_values(&go_sprint(k), value).unwrap_or(false)),
        _ => false,
    }
}

fn key_in_values(key: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Array(vals) => Some(vals.iter().any(|v| go_sprint(v) == key)),
        Value::String(s) => {
            let arr: Vec<String> = serde_json::from_str(s).ok()?;
            Some(arr.iter().any(|v| v == key))
        }
        _ => None,
    }
}

fn is_range(s: &str) -> bool {
    Operator::from_pattern(s) == Operator::InRange
}

fn handle_range(key: &str, range: &str) -> bool {
    pattern::validate(
        &Value::String(key.to_owned()),
        &Value::String(range.to_owned()),
    )
}

/// Strings of a list value, or a JSON array string, or the string itself
fn string_list(value: &str) -> Option<Vec<String>> {
    if serde_json::from_str::<Value>(value).is_ok() {
        serde_json::from_str::<Vec<String>>(value).ok()
    } else {
        Some(vec![value.to_owned()])
    }
}

fn wild_either(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

/// `AnyIn` / `AnyNotIn`
fn any_in(key: &Value, value: &Value, not: bool) -> bool {
    match key {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            let k = go_sprint(key);
            let exists = match value {
                Value::Array(vals) => Some(vals.iter().any(|v| wild_either(&go_sprint(v), &k))),
                Value::String(v) => {
                    if wildcard::matches(v, &k) {
                        Some(true)
                    } else if is_range(v) {
                        Some(handle_range(&k, v))
                    } else {
                        string_list(v).map(|arr| arr.contains(&k))
                    }
                }
                _ => None,
            };
            match exists {
                None => false,
                Some(e) => {
                    if not {
                        !e
                    } else {
                        e
                    }
                }
            }
        }
        Value::Array(keys) => {
            let keys: Vec<String> = keys.iter().map(go_sprint).collect();
            let set = |vals: Vec<String>| -> bool {
                if not {
                    keys.iter().any(|k| !vals.iter().any(|v| wild_either(k, v)))
                } else {
                    keys.iter().any(|k| vals.iter().any(|v| wild_either(k, v)))
                }
            };
            match value {
                Value::Array(vals) => set(vals.iter().map(go_sprint).collect()),
                Value::Number(_) => set(vec![go_sprint(value)]),
                Value::String(v) => {
                    if keys.len() == 1 && keys[0] == *v {
                        return !not;
                    }
                    if is_range(v) {
                        if not {
                            let r = v.replacen('-', "!-", 1);
                            return keys.iter().any(|k| handle_range(k, &r));
                        }
                        return keys.iter().any(|k| handle_range(k, v));
                    }
                    match string_list(v) {
                        Some(arr) => set(arr),
                        None => false,
                    }
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// `AllIn` / `AllNotIn`
fn all_in(key: &Value, value: &Value, not: bool) -> bool {
    match key {
        Value::String(_) | Value::Number(_) => {
            let k = go_sprint(key);
            let exists = match value {
                Value::Array(vals) => {
                    Some(vals.iter().any(|v| wildcard::matches(&k, &go_sprint(v))))
                }
                Value::String(v) => {
                    if wildcard::matches(v, &k) {
                        Some(true)
                    } else if is_range(v) {
                        Some(handle_range(&k, v))
                    } else {
                        serde_json::from_str::<Vec<String>>(v)
                            .ok()
                            .map(|arr| arr.contains(&k))
                    }
                }
                _ => None,
            };
            match exists {
                None => false,
                Some(e) => {
                    if not {
                        !e
                    } else {
                        e
                    }
                }
            }
        }
        Value::Array(keys) => {
            let keys: Vec<String> = keys.iter().map(go_sprint).collect();
            let found_count = |vals: &[String]| {
                keys.iter()
                    .filter(|k| vals.iter().any(|v| wild_either(k, v)))
                    .count()
            };
            let decide = |vals: Vec<String>| -> bool {
                let found = found_count(&vals);
                if not { found == 0 } else { found == keys.len() }
            };
            match value {
                Value::Array(vals) => decide(vals.iter().map(go_sprint).collect()),
                Value::String(v) => {
                    if keys.len() == 1 && keys[0] == *v {
                        return true;
                    }
                    if is_range(v) {
                        if not {
                            return !keys.iter().any(|k| handle_range(k, v));
                        }
                        return keys.iter().all(|k| handle_range(k, v));
                    }
                    match string_list(v) {
                        Some(arr) => decide(arr),
                        None => false,
                    }
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn cmp_to(o: Ordering, op: Op) -> bool {
    match op {
        Op::Gt | Op::DGt => o == Ordering::Greater,
        Op::Gte | Op::DGte => o != Ordering::Less,
        Op::Lt | Op::DLt => o == Ordering::Less,
        Op::Lte | Op::DLte => o != Ordering::Greater,
        _ => false,
    }
}

fn fcmp(a: f64, b: f64) -> Option<Ordering> {
    a.partial_cmp(&b)
}

/// Numeric operators: duration, quantity, float, int, semver
fn numeric(op: Op, key: &Value, value: &Value) -> bool {
    match key {
        Value::Number(k) => numeric_number(op, k.as_f64().unwrap_or(0.0), key, value),
        Value::String(k) => {
            if let Some((a, b)) = parse_durations(key, value) {
                return cmp_to(a.cmp(&b), op);
            }
            if let (Some(kq), Value::String(v)) = (Quantity::parse(k), value)
                && let Some(vq) = Quantity::parse(v)
            {
                return cmp_to(kq.cmp_value(&vq), op);
            }
            if let Some(f) = pattern::go_parse_float(k) {
                return numeric_number(op, f, key, value);
            }
            if let Some(kv) = Version::parse(k) {
                return match value {
                    Value::String(v) => Version::parse(v).is_some_and(|vv| cmp_to(kv.cmp(&vv), op)),
                    _ => false,
                };
            }
            false
        }
        _ => false,
    }
}

fn numeric_number(op: Op, k: f64, key: &Value, value: &Value) -> bool {
    match value {
        Value::Number(v) => fcmp(k, v.as_f64().unwrap_or(0.0)).is_some_and(|o| cmp_to(o, op)),
        Value::String(s) => {
            if let Some((a, b)) = parse_durations(key, value) {
                return cmp_to(a.cmp(&b), op);
            }
            match pattern::go_parse_float(s) {
                Some(v) => fcmp(k, v).is_some_and(|o| cmp_to(o, op)),
                None => false,
            }
        }
        _ => false,
    }
}

/// Deprecated `Duration*` operators
fn duration_op(op: Op, key: &Value, value: &Value) -> bool {
    let as_d = |v: &Value| -> Option<i64> {
        match v {
            Value::String(s) => duration::parse(s),
            Value::Number(n) => {
                #[allow(clippy::cast_possible_truncation)]
                let s = n.as_f64()? as i64;
                s.checked_mul(1_000_000_000)
            }
            _ => None,
        }
    };
    match (as_d(key), as_d(value)) {
        (Some(a), Some(b)) => cmp_to(a.cmp(&b), op),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(op: &str, k: Value, v: Value) -> bool {
        evaluate(Op::parse(op).unwrap(), &k, &v)
    }

    #[test]
    fn equality() {
        assert!(ev("Equals", json!("1Gi"), json!("1024Mi")));
        assert!(ev("Equals", json!("1h"), json!("60m")));
        assert!(ev("Equals", json!("nginx:1.2"), json!("nginx:*")));
        assert!(!ev("Equals", json!("nginx:*"), json!("nginx:1.2")));
        assert!(ev("equals", json!(1), json!("1")));
        assert!(ev("NotEquals", json!("a"), json!("b")));
        assert!(ev("Equals", json!({"a": 1}), json!({"a": 1.0})));
        assert!(ev("Equals", json!(true), json!(true)));
        assert!(!ev("Equals", json!(true), json!("true")));
        assert!(ev("Equals", json!("1h"), json!(3600)));
        assert!(!ev("Equals", json!(3600), json!("1h")));
    }

    #[test]
    fn set_operators() {
        assert!(ev("AnyIn", json!("CREATE"), json!(["CREATE", "UPDATE"])));
        assert!(ev("AnyIn", json!(["a", "x"]), json!(["a", "b"])));
        assert!(!ev("AllIn", json!(["a", "x"]), json!(["a", "b"])));
        assert!(ev("AllIn", json!(["a", "b"]), json!(["a", "b", "c"])));
        assert!(ev("AnyNotIn", json!(["a", "x"]), json!(["a", "b"])));
        assert!(!ev("AllNotIn", json!(["a", "x"]), json!(["a", "b"])));
        assert!(ev("AllNotIn", json!(["c", "x"]), json!(["a", "b"])));
        assert!(ev("AllNotIn", json!(["y", "x"]), json!(["a", "b"])));
        assert!(ev(
            "AnyIn",
            json!("docker.io/nginx"),
            json!(["docker.io/*"])
        ));
        assert!(ev("AnyIn", json!(5), json!("1-10")));
        assert!(ev("AnyIn", json!([5, 50]), json!("1-10")));
        assert!(ev("AnyNotIn", json!([5, 50]), json!("1-10")));
        assert!(ev("AnyIn", json!("b"), json!("[\"a\", \"b\"]")));
        assert!(ev("AnyNotIn", json!("c"), json!(["a", "b"])));
        assert!(!ev("AnyIn", json!(null), json!(["a"])));
        assert!(ev("In", json!("a"), json!(["a", "b"])));
        assert!(ev("NotIn", json!("c"), json!(["a", "b"])));
    }

    #[test]
    fn numeric_operators() {
        assert!(ev("GreaterThan", json!(5), json!(3)));
        assert!(ev("GreaterThan", json!("2Gi"), json!("1Gi")));
        assert!(ev("LessThan", json!("30m"), json!("1h")));
        assert!(ev("GreaterThanOrEquals", json!("1.10.0"), json!("1.9.0")));
        assert!(ev("LessThanOrEquals", json!("3"), json!(3)));
        assert!(!ev("GreaterThan", json!("abc"), json!(1)));
        assert!(ev("DurationGreaterThan", json!("2h"), json!("1h")));
        assert!(Op::parse("Nope").is_none());
    }
}
