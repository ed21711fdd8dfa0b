//! The 26 standard JMESPath functions plus Kyverno's custom ones (`pkg/engine/jmespath`),
//! with go-jmespath's argument checking (types are checked for fixed-arity functions only).

use super::JpError;
use super::interp::{Arg, eval};
use crate::duration;
use crate::quantity::Quantity;
use crate::value::{deep_equal, go_json, go_sprint, num};
use crate::wildcard;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    Any,
    Number,
    String,
    Array,
    Object,
    ArrayNumber,
    ArrayString,
    Expref,
}

struct Sig {
    args: &'static [&'static [T]],
    variadic: bool,
}

const fn sig(args: &'static [&'static [T]]) -> Sig {
    Sig {
        args,
        variadic: false,
    }
}

const fn var(args: &'static [&'static [T]]) -> Sig {
    Sig {
        args,
        variadic: true,
    }
}

use T::{Any, Array, ArrayNumber, ArrayString, Expref, Number, Object, String as Str};

fn signature(name: &str) -> Option<Sig> {
    Some(match name {
        // standard
        "abs" | "ceil" | "floor" => sig(&[&[Number]]),
        "avg" => sig(&[&[ArrayNumber]]),
        "contains" => sig(&[&[Array, Str], &[Any]]),
        "ends_with" | "starts_with" => sig(&[&[Str], &[Str]]),
        "join" => sig(&[&[Str], &[ArrayString]]),
        "keys" | "values" => sig(&[&[Object]]),
        "length" => sig(&[&[Str, Array, Object]]),
        "map" => sig(&[&[Expref], &[Array]]),
        "max" | "min" => sig(&[&[ArrayNumber, ArrayString]]),
        "max_by" | "min_by" | "sort_by" => sig(&[&[Array], &[Expref]]),
        "merge" => var(&[&[Object]]),
        "not_null" => var(&[&[Any]]),
        "reverse" => sig(&[&[Array, Str]]),
        "sort" => sig(&[&[ArrayNumber, ArrayString]]),
        "to_array" | "to_number" | "to_string" | "type" => sig(&[&[Any]]),
        // kyverno
        "compare" | "equal_fold" => sig(&[&[Str], &[Str]]),
        "replace" => sig(&[&[Str], &[Str], &[Str], &[Number]]),
        "replace_all" => sig(&[&[Str], &[Str], &[Str]]),
        "to_upper" | "to_lower" | "base64_decode" | "base64_encode" | "path_canonicalize"
        | "parse_json" | "parse_yaml" | "x509_decode" | "time_to_cron" | "time_utc"
        | "image_normalize" | "is_external_url" | "sha256" | "sha1" | "md5" | "random"
        | "to_boolean" => sig(&[&[Str]]),
        "trim" | "trim_prefix" | "split" | "time_add" | "time_parse" | "time_diff"
        | "time_before" | "time_after" | "time_truncate" | "semver_compare" => {
            sig(&[&[Str], &[Str]])
        }
        "regex_replace_all" | "regex_replace_all_literal" => {
            sig(&[&[Str], &[Str, Number], &[Str, Number]])
        }
        "regex_match" | "pattern_match" => sig(&[&[Str], &[Str, Number]]),
        "label_match" => sig(&[&[Object], &[Object]]),
        "add" | "subtract" | "multiply" | "divide" | "modulo" => sig(&[&[Any], &[Any]]),
        "sum" => sig(&[&[Array]]),
        "round" => sig(&[&[Number], &[Number]]),
        "time_since" | "time_between" => sig(&[&[Str], &[Str], &[Str]]),
        "time_now" | "time_now_utc" => sig(&[]),
        "truncate" => sig(&[&[Str], &[Number]]),
        "lookup" => sig(&[&[Object, Array], &[Str, Number]]),
        "items" => sig(&[&[Object, Array], &[Str], &[Str]]),
        "object_from_lists" => sig(&[&[Array], &[Array]]),
        _ => return None,
    })
}

fn type_ok(t: T, v: &Arg<'_>) -> bool {
    match (t, v) {
        (Expref, Arg::Expr(_)) => true,
        (_, Arg::Expr(_)) | (Expref, _) => false,
        (Any, _) => true,
        (Number, Arg::Val(v)) => v.is_number(),
        (Str, Arg::Val(v)) => v.is_string(),
        (Array, Arg::Val(v)) => v.is_array(),
        (Object, Arg::Val(v)) => v.is_object(),
        (ArrayNumber, Arg::Val(Value::Array(a))) => a.iter().all(Value::is_number),
        (ArrayString, Arg::Val(Value::Array(a))) => a.iter().all(Value::is_string),
        _ => false,
    }
}

fn rt(msg: impl Into<String>) -> JpError {
    JpError::Runtime(msg.into())
}

/// Call a function by name
pub fn call_function(name: &str, args: Vec<Arg<'_>>) -> Result<Value, JpError> {
    let Some(sig) = signature(name) else {
        return Err(rt(format!("unknown function: {name}")));
    };
    if sig.variadic {
        if args.len() < sig.args.len() {
            return Err(rt(format!("invalid arity for {name}")));
        }
    } else {
        if args.len() != sig.args.len() {
            return Err(rt(format!(
                "incorrect number of args for {name}: expected {}, got {}",
                sig.args.len(),
                args.len()
            )));
        }
        for (spec, a) in sig.args.iter().zip(&args) {
            if !spec.iter().any(|t| type_ok(*t, a)) {
                let shown = match a {
                    Arg::Val(v) => go_sprint(v),
                    Arg::Expr(_) => "expref".to_owned(),
                };
                return Err(rt(format!("invalid type for: {shown}, expected: {spec:?}")));
            }
        }
    }
    let mut exprs = Vec::new();
    let mut vals = Vec::new();
    for a in args {
        match a {
            Arg::Val(v) => vals.push(v),
            Arg::Expr(e) => exprs.push(e),
        }
    }
    let s = |i: usize| vals.get(i).and_then(Value::as_str).unwrap_or_default();
    let n = |i: usize| vals.get(i).and_then(Value::as_f64).unwrap_or_default();
    let v = |i: usize| vals.get(i).cloned().unwrap_or(Value::Null);
    Ok(match name {
        "abs" => num(n(0).abs()),
        "ceil" => num(n(0).ceil()),
        "floor" => num(n(0).floor()),
        "avg" => {
            let a = arr(&vals[0]);
            if a.is_empty() {
                Value::Null
            } else {
                num(a.iter().filter_map(Value::as_f64).sum::<f64>() / a.len() as f64)
            }
        }
        "contains" => match &vals[0] {
            Value::String(subject) => match &vals[1] {
                Value::String(needle) => Value::Bool(subject.contains(needle.as_str())),
                _ => Value::Bool(false),
            },
            Value::Array(items) => Value::Bool(items.iter().any(|i| deep_equal(i, &vals[1]))),
            _ => Value::Bool(false),
        },
        "ends_with" => Value::Bool(s(0).ends_with(s(1))),
        "starts_with" => Value::Bool(s(0).starts_with(s(1))),
        "join" => Value::String(
            arr(&vals[1])
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(s(0)),
        ),
        "keys" => Value::Array(
            obj(&vals[0])
                .keys()
                .map(|k| Value::String(k.clone()))
                .collect(),
        ),
        "values" => Value::Array(obj(&vals[0]).values().cloned().collect()),
        "length" => num(match &vals[0] {
            Value::String(x) => x.chars().count() as f64,
            Value::Array(a) => a.len() as f64,
            Value::Object(o) => o.len() as f64,
            _ => 0.0,
        }),
        "map" => {
            let mut out = Vec::new();
            for item in arr(&vals[0]) {
                out.push(eval_expr(exprs[0], item)?);
            }
            Value::Array(out)
        }
        "max" | "min" => {
            let a = arr(&vals[0]);
            let mut best: Option<&Value> = None;
            for item in a {
                best = match best {
                    None => Some(item),
                    Some(b) => {
                        let o = cmp_values(item, b);
                        if (name == "max" && o == Ordering::Greater)
                            || (name == "min" && o == Ordering::Less)
                        {
                            Some(item)
                        } else {
                            Some(b)
                        }
                    }
                };
            }
            best.cloned().unwrap_or(Value::Null)
        }
        "max_by" | "min_by" => {
            let mut best: Option<(Value, Value)> = None;
            for item in arr(&vals[0]) {
                let key = eval_expr(exprs[0], item)?;
                if !(key.is_number() || key.is_string()) {
                    return Err(rt(format!("invalid type, must be number or string: {key}")));
                }
                let better = match &best {
                    None => true,
                    Some((bk, _)) => {
                        let o = cmp_values(&key, bk);
                        (name == "max_by" && o == Ordering::Greater)
                            || (name == "min_by" && o == Ordering::Less)
                    }
                };
                if better {
                    best = Some((key, item.clone()));
                }
            }
            best.map_or(Value::Null, |b| b.1)
        }
        "sort_by" => {
            let mut keyed = Vec::new();
            for item in arr(&vals[0]) {
                let key = eval_expr(exprs[0], item)?;
                if !(key.is_number() || key.is_string()) {
                    return Err(rt(format!("invalid type, must be number or string: {key}")));
                }
                keyed.push((key, item.clone()));
            }
            keyed.sort_by(|a, b| cmp_values(&a.0, &b.0));
            Value::Array(keyed.into_iter().map(|k| k.1).collect())
        }
        "merge" => {
            let mut out = Map::new();
            for o in &vals {
                if let Value::Object(m) = o {
                    for (k, v) in m {
                        out.insert(k.clone(), v.clone());
                    }
                } else {
                    return Err(rt(format!(
                        "invalid type for: {}, expected object",
                        go_sprint(o)
                    )));
                }
            }
            Value::Object(out)
        }
        "not_null" => vals
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        "reverse" => match &vals[0] {
            Value::String(x) => Value::String(x.chars().rev().collect()),
            Value::Array(a) => Value::Array(a.iter().rev().cloned().collect()),
            _ => Value::Null,
        },
        "sort" => {
            let mut a = arr(&vals[0]).to_vec();
            a.sort_by(cmp_values);
            Value::Array(a)
        }
        "to_array" => match v(0) {
            Value::Array(a) => Value::Array(a),
            other => Value::Array(vec![other]),
        },
        "to_number" => match &vals[0] {
            Value::Number(_) => v(0),
            Value::String(x) => x.parse::<f64>().ok().map_or(Value::Null, num),
            _ => Value::Null,
        },
        "to_string" => match &vals[0] {
            Value::String(_) => v(0),
            other => Value::String(go_json(other)),
        },
        "type" => Value::String(
            match &vals[0] {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            }
            .to_owned(),
        ),
        // ---- kyverno ----
        "compare" => num(match s(0).cmp(s(1)) {
            Ordering::Less => -1.0,
            Ordering::Equal => 0.0,
            Ordering::Greater => 1.0,
        }),
        "equal_fold" => Value::Bool(s(0).to_lowercase() == s(1).to_lowercase()),
        "replace" => {
            let count = n(3);
            Value::String(if count < 0.0 {
                s(0).replace(s(1), s(2))
            } else {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let c = count as usize;
                go_replacen(s(0), s(1), s(2), c)
            })
        }
        "replace_all" => Value::String(go_replacen(s(0), s(1), s(2), usize::MAX)),
        "to_upper" => Value::String(s(0).to_uppercase()),
        "to_lower" => Value::String(s(0).to_lowercase()),
        "trim" => Value::String(s(0).trim_matches(|c| s(1).contains(c)).to_owned()),
        "trim_prefix" => Value::String(s(0).strip_prefix(s(1)).unwrap_or(s(0)).to_owned()),
        "split" => Value::Array(
            go_split(s(0), s(1))
                .into_iter()
                .map(Value::String)
                .collect(),
        ),
        "regex_replace_all" | "regex_replace_all_literal" => {
            let re = compile_regex(s(0))?;
            let src = scalar_string(&vals[1]);
            let repl = scalar_string(&vals[2]);
            Value::String(if name == "regex_replace_all" {
                re.replace_all(&src, repl.as_str()).into_owned()
            } else {
                re.replace_all(&src, regex::NoExpand(&repl)).into_owned()
            })
        }
        "regex_match" => {
            let re = compile_regex(s(0))?;
            Value::Bool(re.is_match(&scalar_string(&vals[1])))
        }
        "pattern_match" => Value::Bool(wildcard::matches(s(0), &scalar_string(&vals[1]))),
        "label_match" => {
            let sel = obj(&vals[0]);
            let labels = obj(&vals[1]);
            Value::Bool(
                sel.iter()
                    .all(|(k, v)| labels.get(k).is_some_and(|l| go_sprint(l) == go_sprint(v))),
            )
        }
        "to_boolean" => match s(0).to_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(rt(format!("lexer error: invalid value '{}'", s(0)))),
        },
        "add" | "subtract" | "multiply" | "divide" | "modulo" => {
            arithmetic(name, &vals[0], &vals[1])?
        }
        "sum" => {
            let items = arr(&vals[0]);
            let Some(first) = items.first() else {
                return Err(rt("at least one element in the array is required"));
            };
            let mut acc = first.clone();
            for item in &items[1..] {
                acc = arithmetic("add", &acc, item)?;
            }
            acc
        }
        "round" => {
            let places = n(1);
            if places.fract() != 0.0 || places < 0.0 {
                return Err(rt("expected integer as the 2nd argument of round"));
            }
            let m = 10f64.powf(places);
            num((n(0) * m).round() / m)
        }
        "base64_decode" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s(0))
                .map_err(|e| rt(format!("illegal base64 data: {e}")))?;
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        "base64_encode" => Value::String(base64::engine::general_purpose::STANDARD.encode(s(0))),
        "path_canonicalize" => Value::String(clean_path(s(0))),
        "truncate" => {
            let len = n(1).max(0.0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let len = len as usize;
            let src = s(0);
            let mut end = len.min(src.len());
            while !src.is_char_boundary(end) {
                end -= 1;
            }
            Value::String(src[..end].to_owned())
        }
        "semver_compare" => {
            let version = crate::semver::Version::parse(s(0));
            let range = crate::semver::Range::parse(s(1))
                .ok_or_else(|| rt(format!("invalid semver range {:?}", s(1))))?;
            Value::Bool(version.is_some_and(|v| range.contains(&v)))
        }
        "parse_json" => {
            let v: Value = serde_json::from_str(s(0)).map_err(|e| rt(e.to_string()))?;
            crate::value::normalized(v)
        }
        "parse_yaml" => crate::yaml::parse_one(s(0)).map_err(rt)?,
        "lookup" => match (&vals[0], &vals[1]) {
            (Value::Object(o), Value::String(k)) => o.get(k).cloned().unwrap_or(Value::Null),
            (Value::Array(a), Value::Number(i)) => {
                let f = i.as_f64().unwrap_or(-1.0);
                if f.fract() != 0.0 {
                    return Err(rt("index must be an integer"));
                }
                #[allow(clippy::cast_possible_truncation)]
                let idx = f as i64;
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| a.get(i))
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            _ => {
                return Err(rt(
                    "invalid lookup: object needs a string key, array a number",
                ));
            }
        },
        "items" => {
            let (kn, vn) = (s(1).to_owned(), s(2).to_owned());
            let mut out = Vec::new();
            match &vals[0] {
                Value::Object(o) => {
                    let mut keys: Vec<&String> = o.keys().collect();
                    keys.sort();
                    for k in keys {
                        let mut m = Map::new();
                        m.insert(kn.clone(), Value::String(k.clone()));
                        m.insert(vn.clone(), o.get(k).cloned().unwrap_or(Value::Null));
                        out.push(Value::Object(m));
                    }
                }
                Value::Array(a) => {
                    for (i, item) in a.iter().enumerate() {
                        let mut m = Map::new();
                        m.insert(kn.clone(), num(i as f64));
                        m.insert(vn.clone(), item.clone());
                        out.push(Value::Object(m));
                    }
                }
                _ => {}
            }
            Value::Array(out)
        }
        "object_from_lists" => {
            let keys = arr(&vals[0]);
            let values = arr(&vals[1]);
            let mut out = Map::new();
            for (i, k) in keys.iter().enumerate() {
                let Value::String(k) = k else {
                    return Err(rt("keys must be strings"));
                };
                out.insert(k.clone(), values.get(i).cloned().unwrap_or(Value::Null));
            }
            Value::Object(out)
        }
        "sha256" => {
            use sha2::Digest as _;
            Value::String(hex(&sha2::Sha256::digest(s(0).as_bytes())))
        }
        "sha1" => {
            use sha1::Digest as _;
            Value::String(hex(&sha1::Sha1::digest(s(0).as_bytes())))
        }
        "md5" => {
            use md5::Digest as _;
            Value::String(hex(&md5::Md5::digest(s(0).as_bytes())))
        }
        "random" => Value::String(crate::jmespath::random::generate(s(0)).map_err(rt)?),
        "image_normalize" => Value::String(
            crate::images::ImageInfo::parse(s(0))
                .map(|i| i.normalized())
                .ok_or_else(|| rt(format!("bad image: {}", s(0))))?,
        ),
        "is_external_url" => Value::Bool(is_external_url(s(0)).map_err(rt)?),
        "x509_decode" => {
            return Err(rt(
                "x509_decode is not supported by this engine (certificate parsing is not implemented)",
            ));
        }
        "time_since" | "time_now" | "time_now_utc" | "time_to_cron" | "time_add" | "time_parse"
        | "time_utc" | "time_diff" | "time_before" | "time_after" | "time_between"
        | "time_truncate" => {
            let strs: Vec<&str> = (0..vals.len()).map(s).collect();
            crate::jmespath::time::call(name, &strs).map_err(rt)?
        }
        other => return Err(rt(format!("unknown function: {other}"))),
    })
}

fn eval_expr(node: &super::parser::Node, v: &Value) -> Result<Value, JpError> {
    match eval(node, v) {
        Ok(c) => Ok(c.into_owned()),
        Err(JpError::NotFound(_)) => Ok(Value::Null),
        Err(e) => Err(e),
    }
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn obj(v: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    v.as_object().unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// `fmt.Sprintf("%v", v)` for a string-or-number argument
fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => go_sprint(other),
    }
}

fn compile_regex(re: &str) -> Result<regex::Regex, JpError> {
    regex::Regex::new(re).map_err(|e| rt(format!("invalid regex {re:?}: {e}")))
}

/// `strings.Replace(s, old, new, n)`
fn go_replacen(s: &str, old: &str, new: &str, n: usize) -> String {
    if old.is_empty() {
        // Go inserts `new` before each rune and at the end, up to n times
        let mut out = String::new();
        let mut count = 0;
        for c in s.chars() {
            if count < n {
                out.push_str(new);
                count += 1;
            }
            out.push(c);
        }
        if count < n {
            out.push_str(new);
        }
        return out;
    }
    s.replacen(old, new, n)
}

/// `strings.Split`
fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s.chars().map(|c| c.to_string()).collect();
    }
    s.split(sep).map(str::to_owned).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go `path.Clean` (what `filepath.Join(p)` does on Linux)
fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return String::new();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

fn is_external_url(s: &str) -> Result<bool, String> {
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let host = if let Some(h) = host_port.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err(format!("invalid URL {s:?}"));
    }
    if host == "localhost" {
        return Ok(false);
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            Ok(!(ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()))
        }
        Ok(std::net::IpAddr::V6(ip)) => Ok(!(ip.is_loopback() || ip.is_unspecified())),
        Err(_) => Ok(true),
    }
}

/// An arithmetic operand
enum Operand {
    Scalar(f64),
    Quantity(Quantity),
    Duration(i64),
}

/// A parsed argument: a number, or a string that may be a quantity and/or a duration
struct Candidate {
    scalar: Option<f64>,
    quantity: Option<Quantity>,
    duration: Option<i64>,
}

fn candidate(v: &Value, op: &str) -> Result<Candidate, JpError> {
    match v {
        Value::Number(n) => Ok(Candidate {
            scalar: Some(n.as_f64().unwrap_or(0.0)),
            quantity: None,
            duration: None,
        }),
        Value::String(s) => {
            let c = Candidate {
                scalar: None,
                quantity: Quantity::parse(s),
                duration: duration::parse(s),
            };
            if c.quantity.is_none() && c.duration.is_none() {
                return Err(rt(format!("{op}: invalid operand {s:?}")));
            }
            Ok(c)
        }
        other => Err(rt(format!("{op}: invalid operand {}", go_sprint(other)))),
    }
}

/// Ambiguous strings (`30m`: milli-quantity or minutes) are durations when the other operand
/// is unambiguously a duration, quantities otherwise
fn resolve(c: Candidate, duration_context: bool) -> Operand {
    if let Some(s) = c.scalar {
        return Operand::Scalar(s);
    }
    match (c.quantity, c.duration) {
        (Some(_), Some(d)) if duration_context => Operand::Duration(d),
        (Some(q), _) => Operand::Quantity(q),
        (None, Some(d)) => Operand::Duration(d),
        (None, None) => Operand::Scalar(0.0),
    }
}

fn operands(op: &str, a: &Value, b: &Value) -> Result<(Operand, Operand), JpError> {
    let (c1, c2) = (candidate(a, op)?, candidate(b, op)?);
    let only_duration = |c: &Candidate| c.duration.is_some() && c.quantity.is_none();
    let ctx = only_duration(&c1) || only_duration(&c2);
    Ok((resolve(c1, ctx), resolve(c2, ctx)))
}

fn arithmetic(op: &str, a: &Value, b: &Value) -> Result<Value, JpError> {
    use Operand::{Duration as D, Quantity as Q, Scalar as S};
    let (x, y) = operands(op, a, b)?;
    let mismatch = || rt(format!("{op}: operand types are not compatible"));
    let overflow = || rt(format!("{op}: overflow"));
    Ok(match op {
        "add" | "subtract" => match (x, y) {
            (S(p), S(q)) => num(if op == "add" { p + q } else { p - q }),
            (Q(p), Q(q)) => Value::String(
                if op == "add" { p.add(&q) } else { p.sub(&q) }
                    .ok_or_else(overflow)?
                    .canonical(),
            ),
            (D(p), D(q)) => Value::String(duration::format(if op == "add" {
                p.checked_add(q).ok_or_else(overflow)?
            } else {
                p.checked_sub(q).ok_or_else(overflow)?
            })),
            _ => return Err(mismatch()),
        },
        "multiply" => match (x, y) {
            (S(p), S(q)) => num(p * q),
            (Q(p), S(q)) | (S(q), Q(p)) => {
                Value::String(p.mul_f64(q).ok_or_else(overflow)?.canonical())
            }
            (D(p), S(q)) | (S(q), D(p)) => {
                #[allow(clippy::cast_possible_truncation)]
                let d = (p as f64 * q) as i64;
                Value::String(duration::format(d))
            }
            _ => return Err(mismatch()),
        },
        "divide" => match (x, y) {
            (S(p), S(q)) => {
                if q == 0.0 {
                    return Err(rt("divide: Zero divisor passed"));
                }
                num(p / q)
            }
            (Q(p), Q(q)) => {
                if q.as_f64() == 0.0 {
                    return Err(rt("divide: Zero divisor passed"));
                }
                num(p.as_f64() / q.as_f64())
            }
            (Q(p), S(q)) => {
                if q == 0.0 {
                    return Err(rt("divide: Zero divisor passed"));
                }
                let r = Quantity::from_f64(p.as_f64() / q).ok_or_else(overflow)?;
                let mut r = r;
                r.format = p.format;
                Value::String(r.canonical())
            }
            (D(p), D(q)) => {
                if q == 0 {
                    return Err(rt("divide: Zero divisor passed"));
                }
                num(p as f64 / q as f64)
            }
            (D(p), S(q)) => {
                if q == 0.0 {
                    return Err(rt("divide: Zero divisor passed"));
                }
                #[allow(clippy::cast_possible_truncation)]
                let d = (p as f64 / q) as i64;
                Value::String(duration::format(d))
            }
            _ => return Err(mismatch()),
        },
        _ => match (x, y) {
            (S(p), S(q)) => {
                if p.fract() != 0.0 || q.fract() != 0.0 {
                    return Err(rt("modulo: Non-integer argument(s) passed"));
                }
                if q == 0.0 {
                    return Err(rt("modulo: Zero divisor passed"));
                }
                num(p % q)
            }
            (Q(p), Q(q)) => {
                if q.as_f64() == 0.0 {
                    return Err(rt("modulo: Zero divisor passed"));
                }
                let r = Quantity::from_f64(p.as_f64() % q.as_f64()).ok_or_else(overflow)?;
                let mut r = r;
                r.format = p.format;
                Value::String(r.canonical())
            }
            (D(p), D(q)) => {
                if q == 0 {
                    return Err(rt("modulo: Zero divisor passed"));
                }
                Value::String(duration::format(p % q))
            }
            _ => return Err(mismatch()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(name: &str, args: Vec<Value>) -> Result<Value, JpError> {
        call_function(name, args.into_iter().map(Arg::Val).collect())
    }

    #[test]
    fn arithmetic_is_type_directed() {
        assert_eq!(call("add", vec![json!(1), json!(2)]).unwrap(), json!(3));
        assert_eq!(
            call("add", vec![json!("1Gi"), json!("1Gi")]).unwrap(),
            json!("2Gi")
        );
        assert_eq!(
            call("add", vec![json!("1h"), json!("30m")]).unwrap(),
            json!("1h30m0s")
        );
        assert!(call("add", vec![json!("1Gi"), json!(1)]).is_err());
        assert_eq!(
            call("divide", vec![json!("1Gi"), json!("512Mi")]).unwrap(),
            json!(2)
        );
        assert!(call("divide", vec![json!(1), json!(0)]).is_err());
        assert_eq!(
            call("sum", vec![json!(["1Gi", "1Gi", "2Gi"])]).unwrap(),
            json!("4Gi")
        );
        assert!(call("sum", vec![json!([])]).is_err());
        assert_eq!(call("modulo", vec![json!(7), json!(3)]).unwrap(), json!(1));
    }

    #[test]
    fn strings_and_matching() {
        assert_eq!(
            call("split", vec![json!("a/b/c"), json!("/")]).unwrap(),
            json!(["a", "b", "c"])
        );
        assert_eq!(
            call("regex_match", vec![json!("^nginx"), json!("nginx:1")]).unwrap(),
            json!(true)
        );
        assert_eq!(
            call("regex_match", vec![json!("[0-9]+"), json!(8080)]).unwrap(),
            json!(true)
        );
        assert_eq!(
            call(
                "regex_replace_all",
                vec![json!("^(.*):(.*)$"), json!("nginx:1"), json!("$2")]
            )
            .unwrap(),
            json!("1")
        );
        assert_eq!(
            call("pattern_match", vec![json!("ng*"), json!("nginx")]).unwrap(),
            json!(true)
        );
        assert_eq!(
            call(
                "label_match",
                vec![json!({"app": "a"}), json!({"app": "a", "x": "y"})]
            )
            .unwrap(),
            json!(true)
        );
        assert_eq!(call("to_upper", vec![json!("abc")]).unwrap(), json!("ABC"));
        assert_eq!(
            call("truncate", vec![json!("abcdef"), json!(3)]).unwrap(),
            json!("abc")
        );
        assert_eq!(
            call("path_canonicalize", vec![json!("/a//b/../c")]).unwrap(),
            json!("/a/c")
        );
        assert_eq!(
            call("to_string", vec![json!({"b": 1, "a": 2})]).unwrap(),
            json!(r#"{"a":2,"b":1}"#)
        );
        assert_eq!(
            call("base64_encode", vec![json!("hi")]).unwrap(),
            json!("aGk=")
        );
        assert_eq!(
            call("base64_decode", vec![json!("aGk=")]).unwrap(),
            json!("hi")
        );
        assert_eq!(
            call(
                "items",
                vec![json!({"b": 1, "a": 2}), json!("k"), json!("v")]
            )
            .unwrap(),
            json!([{"k": "a", "v": 2}, {"k": "b", "v": 1}])
        );
        assert_eq!(
            call("semver_compare", vec![json!("1.2.3"), json!(">1.0.0")]).unwrap(),
            json!(true)
        );
        assert_eq!(
            call("is_external_url", vec![json!("http://10.0.0.1/x")]).unwrap(),
            json!(false)
        );
        assert_eq!(
            call("is_external_url", vec![json!("https://kyverno.io")]).unwrap(),
            json!(true)
        );
        assert_eq!(
            call("sha256", vec![json!("")]).unwrap(),
            json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    #[test]
    fn type_errors() {
        let e = call("length", vec![Value::Null]).unwrap_err();
        assert!(e.to_string().contains("invalid type"), "{e}");
        assert!(call("keys", vec![json!("x")]).is_err());
        assert!(call("nope", vec![]).is_err());
    }
}
