//! JSON value helpers with Go semantics.
//!
//! Kyverno decodes every number as `float64` and formats values with Go's `fmt` and
//! `encoding/json`. Values here are kept *normalised*: a number that is integral (and fits an
//! `i64`) is stored as an integer, any other as a float, so `serde_json` equality is numeric
//! equality and rendered output looks like Go's (`3`, not `3.0`).

use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// A number as a normalised JSON value
pub fn num(f: f64) -> Value {
    if f.is_finite()
        && f.fract() == 0.0
        && (-9.007_199_254_740_992e15..9.007_199_254_740_992e15).contains(&f)
    {
        // Integral and exactly representable: store as integer.
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        return Value::from(i);
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// The number as `f64`, if it is one
pub fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Normalise every number of a value (integral floats become integers)
pub fn normalize(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if !n.is_i64()
                && let Some(f) = n.as_f64()
            {
                *v = num(f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        Value::Object(map) => map.values_mut().for_each(normalize),
        _ => {}
    }
}

/// A normalised copy
pub fn normalized(mut v: Value) -> Value {
    normalize(&mut v);
    v
}

/// Deep equality where numbers compare by value
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => a == b,
    }
}

/// JMESPath / Kyverno truthiness: false for null, false, "", [] and {}
pub fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
    }
}

/// Go `strconv.FormatFloat(f, 'g', -1, 64)`, which is also `fmt.Sprint(f)`
pub fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Shortest round-trip digits via Rust's `{:e}` formatting.
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        // %e form: d.ddde±XX
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
        return out;
    }
    out.push_str(&plain_digits(&digits, exp));
    out
}

/// Digits `d1d2d3…` with decimal exponent `exp` (value d1.d2d3… × 10^exp) in plain notation
fn plain_digits(digits: &str, exp: i32) -> String {
    let n = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        let zeros = usize::try_from(-point).unwrap_or(0);
        format!("0.{}{}", "0".repeat(zeros), digits)
    } else if point >= n {
        let zeros = usize::try_from(point - n).unwrap_or(0);
        format!("{}{}", digits, "0".repeat(zeros))
    } else {
        let p = usize::try_from(point).unwrap_or(0);
        format!("{}.{}", &digits[..p], &digits[p..])
    }
}

/// Go `encoding/json` number formatting for a float64
pub fn go_json_number(f: f64) -> String {
    if !f.is_finite() {
        // not representable in JSON (Go's encoder errors); never produced from decoded input
        return "null".to_owned();
    }
    if f == 0.0 {
        return "0".to_owned();
    }
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let abs = f.abs();
    if !(1e-6..1e21).contains(&abs) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
        // Go trims "e-07" to "e-7"
        if let Some(i) = out.find("e-0") {
            out.remove(i + 2);
        } else if let Some(i) = out.find("e+0") {
            out.remove(i + 2);
        }
        return out;
    }
    out.push_str(&plain_digits(&digits, exp));
    out
}

/// Go `json.Marshal` of a decoded value: map keys sorted, HTML characters escaped
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, &mut out);
    out
}

fn write_go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => {
                let _ = write!(out, "{i}");
            }
            None => out.push_str(&go_json_number(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => write_go_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json_string(k, out);
                out.push(':');
                if let Some(v) = map.get(*k) {
                    write_go_json(v, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go `fmt.Sprint` of a decoded JSON value
pub fn go_sprint(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => go_format_g(i as f64),
            None => go_format_g(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_sprint).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", map.get(*k).map(go_sprint).unwrap_or_default()))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Remove null values, empty maps and empty lists, recursively (Kyverno's `Tidy`)
pub fn tidy(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(t) = tidy(v) {
                    out.insert(k.clone(), t);
                }
            }
            if out.is_empty() {
                None
            } else {
                Some(Value::Object(out))
            }
        }
        Value::Array(items) => {
            let out: Vec<Value> = items.iter().filter_map(tidy).collect();
            if out.is_empty() {
                None
            } else {
                Some(Value::Array(out))
            }
        }
        other => Some(other.clone()),
    }
}

/// Type name as Go prints it in Kyverno's errors
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_formats() {
        assert_eq!(go_format_g(8080.0), "8080");
        assert_eq!(go_format_g(1e6), "1e+06");
        assert_eq!(go_format_g(100000.0), "100000");
        assert_eq!(go_format_g(1.5), "1.5");
        assert_eq!(go_format_g(0.0001), "0.0001");
        assert_eq!(go_format_g(0.00001), "1e-05");
        assert_eq!(go_json_number(1e21), "1e+21");
        assert_eq!(go_json_number(0.5), "0.5");
        assert_eq!(go_json_number(1e20), "100000000000000000000");
        assert_eq!(go_json_number(1e-7), "1e-7");
        assert_eq!(
            go_json(&json!({"b": 1, "a": [true, null, "<x>"]})),
            r#"{"a":[true,null,"\u003cx\u003e"],"b":1}"#
        );
        assert_eq!(
            go_sprint(&json!({"b": 1, "a": ["x", 2.5]})),
            "map[a:[x 2.5] b:1]"
        );
    }

    #[test]
    fn normalises_numbers() {
        let v = normalized(json!({"a": 3.0, "b": [1.5, 2.0]}));
        assert_eq!(v, json!({"a": 3, "b": [1.5, 2]}));
        assert!(deep_equal(&json!(3), &json!(3.0)));
        assert_eq!(
            tidy(&json!({"a": null, "b": {}, "c": [{}], "d": 1})),
            Some(json!({"d": 1}))
        );
    }
}
