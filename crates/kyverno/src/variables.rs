//! `{{ … }}` variable and `$( … )` reference substitution (`pkg/engine/variables`).
//!
//! Substitution walks a JSON document and rewrites leaf strings and map keys. A string that is
//! exactly one variable takes the variable's value with its JSON type; a variable embedded in
//! text is replaced by the value's text (strings as-is, anything else JSON-encoded). Inner
//! variables resolve first and strings are re-scanned until no variable is left, except for
//! the shallow form `{{- expr}}` whose result is not re-scanned. `\{{` escapes a variable.

use crate::context::{Context, QueryError};
use crate::value::go_json;
use palisade_model::any_string;
use regex::Regex;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::OnceLock;

/// A substitution failure
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubstitutionError {
    /// The variable could not be resolved
    #[error("failed to resolve {variable} at path {path}: {source}")]
    Resolve {
        /// The expression
        variable: String,
        /// Where in the document
        path: String,
        /// Why
        source: Box<QueryError>,
    },
    /// A `$(…)` reference could not be resolved
    #[error("failed to resolve {reference} at path {path}")]
    Reference {
        /// The reference
        reference: String,
        /// Where in the document
        path: String,
    },
    /// A map key did not substitute to a string
    #[error("map key at path {0} did not resolve to a string")]
    BadKey(String),
}

fn cached(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

fn re_escaped_vars() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    cached(&R, r"\\\{\{(?:\{[^{}]*\}|[^{}])*\}\}")
}

fn re_refs() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    cached(&R, r"(^|[^\\])\$\(.[^ ]*\)")
}

fn re_escaped_refs() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    cached(&R, r"\\\$\(.[^ ]*\)")
}

/// Every `{{ … }}` variable of `s`: start, end and text.
///
/// Kyverno finds them with the regular expression `(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})`
/// (capture 2, matches not overlapping). Scanned by hand with the same result (a test
/// compares the two): the regex engine's capture search cost ≈10k instructions per string,
/// once per policy string per request. What the expression says: a variable starts at `{{`
/// at the start of the string, or after a character that is not `\` and that is not the end
/// of the previous match (so `{{a}}{{b}}` holds one variable); its body is characters other
/// than braces and `{…}` groups without braces; it ends at the first `}}` after that body.
fn var_matches(s: &str) -> Vec<(usize, usize, String)> {
    let bytes = s.as_bytes();
    let mut found = Vec::new();
    // where the search resumes: the end of the previous match
    let mut from = 0;
    let mut at = 0;
    while let Some(offset) = s.get(at..).and_then(|rest| rest.find("{{")) {
        let start = at + offset;
        let opens = start == 0 || (start > from && bytes.get(start - 1) != Some(&b'\\'));
        // both ends sit at ASCII braces, so `get` always finds the text
        let variable = opens
            .then(|| variable_end(bytes, start))
            .flatten()
            .and_then(|end| Some((end, s.get(start..end)?)));
        match variable {
            Some((end, text)) => {
                found.push((start, end, text.to_owned()));
                from = end;
                at = end;
            }
            None => at = start + 1,
        }
    }
    found
}

/// The end of the variable whose `{{` is at `start`, if one is there (see [`var_matches`]).
/// Braces are ASCII, so scanning bytes steps over multi-byte characters as wholes.
fn variable_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut k = start + 2;
    loop {
        match bytes.get(k) {
            Some(b'{') => {
                // a `{…}` group: up to the next brace, which must close it
                let close = bytes
                    .get(k + 1..)?
                    .iter()
                    .position(|b| matches!(b, b'{' | b'}'))?;
                if bytes.get(k + 1 + close) != Some(&b'}') {
                    break;
                }
                k += close + 2;
            }
            Some(b'}') | None => break,
            Some(_) => k += 1,
        }
    }
    (bytes.get(k..k + 2) == Some(b"}}")).then_some(k + 2)
}

/// Drop the backslash of escaped matches
fn unescape(re: Option<&'static Regex>, s: &str) -> String {
    match re {
        Some(re) => re
            .replace_all(s, |c: &regex::Captures<'_>| {
                c.get(0)
                    .map_or(String::new(), |m| m.as_str()[1..].to_owned())
            })
            .into_owned(),
        None => s.to_owned(),
    }
}

/// Every `{{ … }}` variable in a string (including nested and escaped-aware matching)
pub fn find_variables(s: &str) -> Vec<String> {
    var_matches(s).into_iter().map(|m| m.2).collect()
}

/// Whether a string contains a variable
pub fn has_variables(s: &str) -> bool {
    !var_matches(s).is_empty()
}

/// The expression inside `{{ }}`
pub fn strip_braces(v: &str) -> String {
    // Kyverno removes every `{{` and `}}`; a variable is usually `{{ … }}` with no others
    // inside, where that is stripping the two ends (one pass instead of two copies)
    if let Some(inner) = v
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        && !inner.contains("{{")
        && !inner.contains("}}")
    {
        return inner.trim().to_owned();
    }
    v.replace("{{", "").replace("}}", "").trim().to_owned()
}

/// How variables that fail to resolve are treated
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// Errors propagate
    Default,
    /// Errors resolve to `""` (preconditions)
    EmptyOnError,
}

/// Substitution settings for one document
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Error handling
    pub resolver: Resolver,
    /// Prefix for `{{@}}`: `request.object` (or `target` for mutate-existing)
    pub at_prefix: &'static str,
    /// Leading path segments to drop (after any `foreach` segment) before building the `{{@}}`
    /// path: Kyverno drops two (`mutate/patchStrategicMerge`, `validate/pattern`, …)
    pub at_skip: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            resolver: Resolver::Default,
            at_prefix: "request.object",
            at_skip: 2,
        }
    }
}

/// `SubstituteAll`: references, then variables, with the default resolver
pub fn substitute_all(ctx: &mut Context, doc: &Value) -> Result<Value, SubstitutionError> {
    substitute_with(ctx, doc, Options::default())
}

/// [`substitute_all`] without the copy when there is nothing to substitute: `substitutes` is
/// [`has_substitutions`] of `doc`, which callers decide once per policy; without any (most
/// patterns) `doc` comes back borrowed
pub fn substitute_all_cow<'d>(
    ctx: &mut Context,
    doc: &'d Value,
    substitutes: bool,
) -> Result<Cow<'d, Value>, SubstitutionError> {
    if substitutes {
        substitute_found(ctx, doc, Options::default()).map(Cow::Owned)
    } else {
        Ok(Cow::Borrowed(doc))
    }
}

/// Whether substitution could change `doc`: a `{{` in a string or a key (variables, escaped
/// ones included) or a `$(` in a string (references). Without either, the walk rebuilds the
/// document unchanged.
pub fn has_substitutions(doc: &Value) -> bool {
    match doc {
        Value::String(s) => s.contains("{{") || s.contains("$("),
        Value::Array(a) => a.iter().any(has_substitutions),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.contains("{{") || has_substitutions(v)),
        _ => false,
    }
}

/// Substitution with explicit options
pub fn substitute_with(
    ctx: &mut Context,
    doc: &Value,
    opts: Options,
) -> Result<Value, SubstitutionError> {
    if !has_substitutions(doc) {
        // nothing to resolve: skip the walk (and its query of `request.operation`)
        return Ok(doc.clone());
    }
    substitute_found(ctx, doc, opts)
}

/// Substitution of a document [`has_substitutions`] is true of
fn substitute_found(
    ctx: &mut Context,
    doc: &Value,
    opts: Options,
) -> Result<Value, SubstitutionError> {
    let with_refs = if needs_references(doc) {
        Cow::Owned(substitute_references(doc)?)
    } else {
        Cow::Borrowed(doc)
    };
    let mut walk = Walk {
        opts,
        is_delete: None,
        path: Vec::new(),
    };
    walk.vars(ctx, &with_refs)
}

/// One document's variable substitution
struct Walk {
    opts: Options,
    /// Whether the request is a `DELETE` (variables then read `request.oldObject`), asked of
    /// the context when the first variable is met: most documents have one or two variables
    /// among many plain values
    is_delete: Option<bool>,
    /// Keys and indexes down to the value being substituted, for `{{@}}` and errors
    path: Vec<String>,
}

/// Whether a string or key in `v` holds `{{` (a variable, or an escaped one to unescape):
/// without one, substitution gives `v` back unchanged
fn holds_braces(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(a) => a.iter().any(holds_braces),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains("{{") || holds_braces(v)),
        _ => false,
    }
}

/// Substitute variables in one string (as a leaf); returns the typed result
pub fn substitute_string(ctx: &mut Context, s: &str) -> Result<Value, SubstitutionError> {
    substitute_all(ctx, &Value::String(s.to_owned()))
}

fn needs_references(doc: &Value) -> bool {
    any_string(doc, &|s| s.contains("$("))
}

fn pointer(path: &[String]) -> String {
    let mut s = String::from("/");
    s.push_str(&path.join("/"));
    s
}

impl Walk {
    fn vars(&mut self, ctx: &mut Context, v: &Value) -> Result<Value, SubstitutionError> {
        match v {
            Value::String(s) => self.leaf(ctx, s),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    // a value without variables comes out as it went in
                    if !holds_braces(item) {
                        out.push(item.clone());
                        continue;
                    }
                    self.path.push(i.to_string());
                    let r = self.vars(ctx, item);
                    self.path.pop();
                    out.push(r?);
                }
                Ok(Value::Array(out))
            }
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, item) in map {
                    let key = if k.contains("{{") {
                        match self.leaf(ctx, k)? {
                            Value::String(s) => s,
                            _ => return Err(SubstitutionError::BadKey(pointer(&self.path))),
                        }
                    } else {
                        k.clone()
                    };
                    if !holds_braces(item) {
                        out.insert(key, item.clone());
                        continue;
                    }
                    self.path.push(key.clone());
                    let r = self.vars(ctx, item);
                    self.path.pop();
                    out.insert(key, r?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn is_delete(&mut self, ctx: &mut Context) -> bool {
        *self
            .is_delete
            .get_or_insert_with(|| ctx.operation().is_some_and(|op| op == "DELETE"))
    }

    /// A string (a value or a key) with its variables substituted; a string that is one
    /// whole variable takes the variable's value and type
    fn leaf(&mut self, ctx: &mut Context, s: &str) -> Result<Value, SubstitutionError> {
        if !s.contains("{{") {
            return Ok(Value::String(s.to_owned()));
        }
        let mut value = s.to_owned();
        let mut guard = 0;
        loop {
            let matches = var_matches(&value);
            if matches.is_empty() {
                break;
            }
            guard += 1;
            if guard > 100 {
                break;
            }
            let original = value.clone();
            let mut out = String::with_capacity(value.len());
            let mut last = 0;
            for (start, end, var) in matches {
                let mut expr = strip_braces(&var);
                let shallow = expr.starts_with('-');
                if shallow {
                    expr = expr[1..].trim().to_owned();
                }
                if expr == "@" {
                    expr = at_path(&self.path, self.opts);
                }
                if self.is_delete(ctx) {
                    expr = expr.replace("request.object", "request.oldObject");
                }
                let resolved = match ctx.query(&expr) {
                    Ok(v) => v,
                    Err(e) => match self.opts.resolver {
                        Resolver::EmptyOnError => Value::String(String::new()),
                        Resolver::Default => {
                            return Err(SubstitutionError::Resolve {
                                variable: expr,
                                path: pointer(&self.path),
                                source: Box::new(e),
                            });
                        }
                    },
                };
                if original == var {
                    // The whole string is the variable: keep the value's type
                    return Ok(resolved);
                }
                let mut text = match &resolved {
                    Value::String(s) => s.clone(),
                    other => go_json(other),
                };
                if shallow {
                    text = text.replace("{{", "\\{{");
                }
                out.push_str(&original[last..start]);
                out.push_str(&text);
                last = end;
            }
            out.push_str(&original[last..]);
            value = out;
        }
        // Unescape `\{{ … }}`
        Ok(Value::String(unescape(re_escaped_vars(), &value)))
    }
}

/// `{{@}}`: the JMESPath path of the current location
fn at_path(path: &[String], opts: Options) -> String {
    let start = path
        .iter()
        .position(|p| p == "foreach")
        .map_or(0, |i| i + 1);
    let segs = path.iter().skip(start).skip(opts.at_skip);
    let mut out = opts.at_prefix.to_owned();
    for seg in segs {
        let key = crate::anchor::Anchor::parse(seg).map_or(seg.as_str(), |a| a.key);
        if key.parse::<usize>().is_ok() {
            out.push_str(&format!("[{key}]"));
        } else if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push('.');
            out.push_str(key);
        } else {
            out.push_str(&format!(".\"{}\"", key.replace('"', "\\\"")));
        }
    }
    out
}

/// Resolve `$(path)` references against the document itself
pub fn substitute_references(doc: &Value) -> Result<Value, SubstitutionError> {
    let mut path = Vec::new();
    walk_refs(doc, doc, &mut path)
}

fn walk_refs(root: &Value, v: &Value, path: &mut Vec<String>) -> Result<Value, SubstitutionError> {
    match v {
        Value::String(s) => {
            if !s.contains("$(") {
                return Ok(v.clone());
            }
            let mut value = s.clone();
            let refs: Vec<String> = re_refs().map_or_else(Vec::new, |re| {
                re.captures_iter(s)
                    .filter_map(|c| c.get(0).map(|m| m.as_str().to_owned()))
                    .collect()
            });
            for raw in refs {
                let reference = match raw.find("$(") {
                    Some(i) => raw[i..].to_owned(),
                    None => continue,
                };
                let resolved = resolve_reference(root, &reference, path).ok_or_else(|| {
                    SubstitutionError::Reference {
                        reference: reference.clone(),
                        path: pointer(path),
                    }
                })?;
                match resolved {
                    Value::String(r) => value = value.replace(&reference, &r),
                    other => {
                        if value == reference {
                            return Ok(other);
                        }
                        value = value.replace(&reference, &crate::value::go_sprint(&other));
                    }
                }
            }
            Ok(Value::String(unescape(re_escaped_refs(), &value)))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                let r = walk_refs(root, item, path);
                path.pop();
                out.push(r?);
            }
            Ok(Value::Array(out))
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, item) in map {
                path.push(k.clone());
                let r = walk_refs(root, item, path);
                path.pop();
                out.insert(k.clone(), r?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

fn resolve_reference(root: &Value, reference: &str, leaf_path: &[String]) -> Option<Value> {
    let inner = reference.strip_prefix("$(")?.strip_suffix(')')?;
    let op = crate::pattern::Operator::from_pattern(inner);
    let rel = &inner[op.as_str().len()..];
    if rel.is_empty() {
        return None;
    }
    // absolute path from the document root, or relative to the leaf's parent map (the path
    // of the leaf itself is its own key, as Kyverno joins onto the full leaf path)
    let mut segs: Vec<String> = if rel.starts_with('/') {
        Vec::new()
    } else {
        leaf_path
            .iter()
            .map(|s| crate::anchor::Anchor::parse(s).map_or(s.clone(), |a| a.key.to_owned()))
            .collect()
    };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            p => segs.push(p.to_owned()),
        }
    }
    let found = find_by_unanchored_path(root, &segs, 0)?;
    if op == crate::pattern::Operator::Equal {
        return Some(found.clone());
    }
    let text = match found {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => format!("{:.6}", n.as_f64().unwrap_or(0.0)),
        },
        _ => return None,
    };
    Some(Value::String(format!("{}{}", op.as_str(), text)))
}

/// Walk `root` along `segs`, where document keys may carry anchors
fn find_by_unanchored_path<'a>(root: &'a Value, segs: &[String], i: usize) -> Option<&'a Value> {
    let Some(seg) = segs.get(i) else {
        return Some(root);
    };
    match root {
        Value::Object(map) => {
            for (k, v) in map {
                let key = crate::anchor::Anchor::parse(k).map_or(k.as_str(), |a| a.key);
                if key == seg
                    && let Some(found) = find_by_unanchored_path(v, segs, i + 1)
                {
                    return Some(found);
                }
            }
            None
        }
        Value::Array(items) => {
            let idx: usize = seg.parse().ok()?;
            find_by_unanchored_path(items.get(idx)?, segs, i + 1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        let mut c = Context::new();
        c.add_variable(
            "request.object",
            json!({"metadata": {"name": "pod1", "namespace": "ns1"}, "spec": {"n": 3}}),
        );
        c.add_variable("request.namespace", json!("ns1"));
        c.add_variable("podprioritydict.data.ns1", json!("[\"a\"]"));
        c
    }

    /// Kyverno's expression for variables, the reference [`var_matches`] is checked against
    fn kyverno_var_matches(s: &str) -> Vec<(usize, usize, String)> {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let re = cached(&RE, r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})").unwrap();
        re.captures_iter(s)
            .filter_map(|c| c.get(2))
            .map(|m| (m.start(), m.end(), m.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn braces_are_stripped_as_kyverno_strips_them() {
        for v in [
            "{{a}}",
            "{{ request.object.spec.type || '' }}",
            "{{}}",
            "{{}}}",
            "{{{}}",
            "{{{a}}",
            "{{a}}}",
            "{{a}}}}",
            "{{{{a}}",
            "{{ x }} {{ y }}",
            "{{ {a: b} }}",
            "a}}",
            "{{a",
            "plain",
            "  {{ -a }}  ",
        ] {
            let kyverno = v.replace("{{", "").replace("}}", "").trim().to_owned();
            assert_eq!(strip_braces(v), kyverno, "{v}");
        }
    }

    #[test]
    fn the_operation_is_read_as_the_query_reads_it() {
        let mut c = Context::new();
        assert_eq!(c.operation(), None);
        c.add_variable("request.operation", json!("DELETE"));
        assert_eq!(c.operation(), Some("DELETE"));
        c.add_variable("request.operation", json!(3));
        assert_eq!(c.operation(), None);
        assert_eq!(c.query("request.operation"), Ok(json!(3)));
    }

    #[test]
    fn variables_are_found_as_kyvernos_expression_finds_them() {
        let cases = [
            "{{a}}",
            "x {{ request.object.metadata.name }} y",
            "{{a}}{{b}}",
            "{{a}} {{b}}",
            "\\{{a}} {{b}}",
            "{{{a}}",
            "{{ {a} }}",
            "{{ {a}} }}",
            "{{ {{a}} }}",
            "{{a}}}",
            "{{ x || '{}' }}",
            "é{{a}}",
            "{{é}}ü{{b}}",
            "{{",
            "}}{{",
            "{{ a ",
            "",
        ];
        for case in cases {
            assert_eq!(var_matches(case), kyverno_var_matches(case), "{case:?}");
        }
        // and 20,000 pseudo-random strings (fixed seed) of up to 9 characters from a small
        // alphabet
        let alphabet = ['{', '}', '\\', 'a', ' ', 'é'];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 10) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((state >> (4 + 3 * i)) % alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(var_matches(&text), kyverno_var_matches(&text), "{text:?}");
            assert_eq!(has_variables(&text), !kyverno_var_matches(&text).is_empty());
        }
    }

    #[test]
    fn whole_and_embedded_variables() {
        let mut c = ctx();
        assert_eq!(
            substitute_string(&mut c, "{{request.object.spec.n}}").unwrap(),
            json!(3)
        );
        assert_eq!(
            substitute_string(
                &mut c,
                "name {{ request.object.metadata.name }} n={{request.object.spec.n}}"
            )
            .unwrap(),
            json!("name pod1 n=3")
        );
        assert_eq!(
            substitute_string(
                &mut c,
                "{{ podprioritydict.data.\"{{request.namespace}}\" }}"
            )
            .unwrap(),
            json!("[\"a\"]")
        );
        assert_eq!(
            substitute_string(&mut c, "x \\{{ y }}").unwrap(),
            json!("x {{ y }}")
        );
        assert_eq!(
            substitute_string(&mut c, "{{ request.object.metadata.labels.app || 'none' }}")
                .unwrap(),
            json!("none")
        );
        assert_eq!(substitute_string(&mut c, "{{a}}{{b}}").ok(), None);
    }

    #[test]
    fn substitution_errors() {
        let mut c = ctx();
        let e = substitute_string(&mut c, "{{ request.object.metadata.labels.app }}").unwrap_err();
        assert!(
            matches!(e, SubstitutionError::Resolve { ref source, .. } if source.is_not_found()),
            "{e}"
        );
        let e = substitute_string(&mut c, "{{ request.object.[ }}").unwrap_err();
        assert!(
            matches!(&e, SubstitutionError::Resolve { source, .. } if matches!(**source, QueryError::Invalid { .. })),
            "{e}"
        );
        // preconditions resolver: errors become ""
        let v = substitute_with(
            &mut c,
            &json!({"key": "{{ request.object.metadata.labels.app }}"}),
            Options {
                resolver: Resolver::EmptyOnError,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(v, json!({"key": ""}));
    }

    #[test]
    fn plain_values_pass_through_and_variables_are_found_deep_inside() {
        let mut c = ctx();
        let doc = json!({
            "plain": {"z": 1, "a": [true, null, {"k": "v"}]},
            "any": [{"key": "{{ request.object.spec.n }}", "operator": "Equals", "value": 3}],
            "escaped": {"m": "x \\{{ y }}"},
            "{{request.namespace}}": {"pattern": {"metadata": {"name": "{{@}}", "x": 1}}}
        });
        let v = substitute_all(&mut c, &doc).unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string(&json!({
                "plain": {"z": 1, "a": [true, null, {"k": "v"}]},
                "any": [{"key": 3, "operator": "Equals", "value": 3}],
                "escaped": {"m": "x {{ y }}"},
                "ns1": {"pattern": {"metadata": {"name": "pod1", "x": 1}}}
            }))
            .unwrap()
        );
    }

    #[test]
    fn on_delete_variables_read_the_old_object() {
        let mut c = ctx();
        c.add_variable("request.operation", json!("DELETE"));
        c.add_variable("request.oldObject", json!({"spec": {"n": 7}}));
        let doc = json!({"keep": "as is", "key": "{{ request.object.spec.n }}"});
        let v = substitute_all(&mut c, &doc).unwrap();
        assert_eq!(v, json!({"keep": "as is", "key": 7}));
    }

    #[test]
    fn keys_and_references() {
        let mut c = ctx();
        let v = substitute_all(&mut c, &json!({"{{request.namespace}}": "x"})).unwrap();
        assert_eq!(v, json!({"ns1": "x"}));
        let doc = json!({"spec": {"max": 10, "=(limit)": "<=$(./../max)"}});
        let v = substitute_references(&doc).unwrap();
        assert_eq!(v["spec"]["=(limit)"], json!("<=10"));
        let doc = json!({"a": {"b": "x"}, "c": "$(/a/b)"});
        assert_eq!(substitute_references(&doc).unwrap()["c"], json!("x"));
    }
}
