//! `validate.pattern` matching with anchors (`pkg/engine/validate`).
//!
//! The walk returns the path where matching stopped and an error whose kind decides the rule
//! status: conditional / global anchor mismatches skip, negation anchor matches fail, anything
//! else fails at its path — or errors, when some conditional/existence/negation anchor key of
//! the pattern never occurred in the resource.

use crate::anchor::{Anchor, AnchorKind};
use crate::pattern::ScalarPattern;
use crate::wildcard;
use palisade_model::member;
use serde_json::{Map, Value};

/// Kind of a walk error
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrKind {
    /// A conditional anchor did not match
    Conditional,
    /// A global anchor did not match
    Global,
    /// A negated key was present
    Negation,
    /// Any other mismatch (including "all array elements skipped", which Kyverno does not
    /// recognise as a skip once wrapped)
    Other,
    /// Every element of an array skipped (a `PatternError{Skip: true}` in Kyverno)
    ArraySkip,
}

/// A walk error
#[derive(Debug, Clone)]
pub struct WalkError {
    /// Kind
    pub kind: ErrKind,
    /// Message
    pub message: String,
}

impl WalkError {
    fn other(message: String) -> Self {
        Self {
            kind: ErrKind::Other,
            message,
        }
    }
}

/// The outcome of matching a whole pattern
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchResult {
    /// Pattern satisfied
    Pass,
    /// Conditional / global anchor did not apply
    Skip(String),
    /// Mismatch at a path
    Fail {
        /// Where (`/spec/containers/0/image/`), empty when anchor keys were missing
        path: String,
        /// Error text
        message: String,
    },
}

/// A `validate.pattern` prepared once: each map's keys in the order the walk visits them, with
/// their anchors parsed, and every scalar pattern parsed ([`ScalarPattern`]). A rule's pattern
/// without variables is prepared when the policy loads and matched against every resource;
/// one with variables is prepared after each substitution.
#[derive(Debug, Clone)]
pub struct Pattern {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Map(MapNode),
    Array(Vec<Node>),
    Scalar {
        pattern: ScalarPattern,
        /// The pattern as written, for messages
        written: Value,
    },
}

#[derive(Debug, Clone)]
struct MapNode {
    /// Condition, existence and negation anchors (`(key)`, `^(key)`, `X(key)`) and their keys:
    /// whether the resource ever has them decides between a failure and an error
    tracked: Vec<(String, String)>,
    /// The keys, in the order the walk visits them
    entries: Vec<Entry>,
    /// The map as written, when its `metadata` has wildcard label or annotation keys: those
    /// take the names of the resource's keys, so the keys and their order depend on the resource
    expands: Option<Map<String, Value>>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The resource key (without its anchor)
    key: String,
    /// A validation anchor (`+(key)` is a plain key in validation)
    anchor: Option<AnchorKind>,
    node: Node,
    /// The pattern is `"*"`: any value but null
    any_value: bool,
}

impl Pattern {
    /// Prepare a pattern
    pub fn new(pattern: &Value) -> Self {
        Self {
            root: Node::new(pattern),
        }
    }

    /// `MatchPattern`
    pub fn check(&self, resource: &Value) -> MatchResult {
        let mut ac = AnchorMap::default();
        // room for the usual depth, so that the walk does not grow it key by key
        let mut path = String::with_capacity(128);
        path.push('/');
        match element(resource, &self.root, &mut path, &mut ac) {
            Ok(()) => MatchResult::Pass,
            Err((path, e)) => match e.kind {
                ErrKind::Conditional | ErrKind::Global => MatchResult::Skip(e.message),
                ErrKind::Negation => MatchResult::Fail {
                    path,
                    message: e.message,
                },
                ErrKind::Other | ErrKind::ArraySkip => MatchResult::Fail {
                    path: if ac.keys_are_missing() {
                        String::new()
                    } else {
                        path
                    },
                    message: e.message,
                },
            },
        }
    }
}

impl Node {
    fn new(pattern: &Value) -> Self {
        match pattern {
            Value::Object(map) => Self::Map(MapNode::new(map)),
            Value::Array(items) => Self::Array(items.iter().map(Self::new).collect()),
            scalar => Self::Scalar {
                pattern: ScalarPattern::new(scalar),
                written: scalar.clone(),
            },
        }
    }
}

impl MapNode {
    fn new(pattern: &Map<String, Value>) -> Self {
        let tracked = pattern
            .keys()
            .filter_map(|anchored| {
                Anchor::parse(anchored)
                    .filter(|a| {
                        matches!(
                            a.kind,
                            AnchorKind::Condition | AnchorKind::Existence | AnchorKind::Negation
                        )
                    })
                    .map(|a| (anchored.clone(), a.key.to_owned()))
            })
            .collect();
        let entries = walk_order(pattern)
            .into_iter()
            .map(|(key, anchor, value)| Entry {
                key: key.to_owned(),
                anchor,
                node: Node::new(value),
                any_value: value == "*",
            })
            .collect();
        Self {
            tracked,
            entries,
            expands: expands_in_metadata(pattern).then(|| pattern.clone()),
        }
    }
}

/// The keys of a pattern map in the order the walk visits them, with their validation anchors
/// (`+(key)` stays a plain key): with one key, that key; otherwise the non-global anchors (by
/// key), then global anchors and keys with nested anchors, then the other keys (by key)
fn walk_order(pmap: &Map<String, Value>) -> Vec<(&str, Option<AnchorKind>, &Value)> {
    if pmap.len() == 1
        && let Some((k, v)) = pmap.iter().next()
    {
        let (key, anchor) = plain_or_anchored(k);
        return vec![(key, anchor, v)];
    }
    let mut anchors: Vec<(&String, &Value)> = Vec::new();
    let mut rest: Vec<(&String, &Value)> = Vec::with_capacity(pmap.len());
    for (k, v) in pmap {
        match Anchor::parse(k) {
            Some(a) if is_validation_anchor(a.kind) && a.kind != AnchorKind::Global => {
                anchors.push((k, v));
            }
            _ => rest.push((k, v)),
        }
    }
    anchors.sort_by(|a, b| a.0.cmp(b.0));
    rest.sort_by(|a, b| a.0.cmp(b.0));
    let mut front: Vec<(&String, &Value)> = Vec::new();
    let mut back: Vec<(&String, &Value)> = Vec::with_capacity(rest.len());
    for (k, v) in rest {
        let global = Anchor::parse(k).is_some_and(|a| a.kind == AnchorKind::Global);
        if global || has_nested_anchors(v) {
            front.insert(0, (k, v));
        } else {
            back.push((k, v));
        }
    }
    anchors
        .into_iter()
        .chain(front)
        .chain(back)
        .map(|(k, v)| {
            let (key, anchor) = plain_or_anchored(k);
            (key, anchor, v)
        })
        .collect()
}

/// A pattern key without its validation anchor, and the anchor
fn plain_or_anchored(k: &str) -> (&str, Option<AnchorKind>) {
    match Anchor::parse(k) {
        Some(a) if is_validation_anchor(a.kind) => (a.key, Some(a.kind)),
        _ => (k, None),
    }
}

/// Tracks whether anchor keys of the pattern ever occurred in the resource
#[derive(Default)]
struct AnchorMap {
    /// Anchored key and whether its key was present; a pattern has few anchors
    seen: Vec<(String, bool)>,
}

impl AnchorMap {
    fn check(&mut self, tracked: &[(String, String)], resource: &Map<String, Value>) {
        for (anchored, key) in tracked {
            let present = member(resource, key).is_some();
            match self.seen.iter_mut().find(|(k, _)| k == anchored) {
                Some((_, seen)) => *seen |= present,
                None => self.seen.push((anchored.clone(), present)),
            }
        }
    }

    fn keys_are_missing(&self) -> bool {
        self.seen.iter().any(|(_, seen)| !seen)
    }
}

/// `MatchPattern` of a pattern used once (see [`Pattern`])
pub fn match_pattern(resource: &Value, pattern: &Value) -> MatchResult {
    Pattern::new(pattern).check(resource)
}

type Walk = Result<(), (String, WalkError)>;

/// Walk under `path` + `segment` + `/`: the one path buffer of a [`match_pattern`] grows by a
/// segment for the call and is cut back after it (whatever the outcome: callers go on after
/// skips), so that paths are copied only into errors rather than formatted per key
fn under(path: &mut String, key: &str, walk: impl FnOnce(&mut String) -> Walk) -> Walk {
    let mark = path.len();
    path.push_str(key);
    path.push('/');
    let out = walk(path);
    path.truncate(mark);
    out
}

/// [`under`] an array index
fn under_index(path: &mut String, index: usize, walk: impl FnOnce(&mut String) -> Walk) -> Walk {
    use std::fmt::Write as _;
    let mark = path.len();
    if let Some(digit) = u32::try_from(index)
        .ok()
        .and_then(|i| char::from_digit(i, 10))
    {
        path.push(digit);
        path.push('/');
    } else {
        // writing to a String does not fail
        let _ = write!(path, "{index}/");
    }
    let out = walk(path);
    path.truncate(mark);
    out
}

fn is_skip(e: &WalkError) -> bool {
    matches!(e.kind, ErrKind::Conditional | ErrKind::Global)
}

fn element(resource: &Value, node: &Node, path: &mut String, ac: &mut AnchorMap) -> Walk {
    match node {
        Node::Map(map) => {
            let Value::Object(rmap) = resource else {
                return Err((
                    path.to_owned(),
                    WalkError::other(format!(
                        "pattern and resource have different structures. Path: {path}. Expected map, found {}",
                        crate::value::type_name(resource)
                    )),
                ));
            };
            ac.check(&map.tracked, rmap);
            validate_map(rmap, map, path, ac)
        }
        Node::Array(items) => {
            let Value::Array(rarr) = resource else {
                return Err((
                    path.to_owned(),
                    WalkError::other(format!(
                        "validation rule failed at path {path}, resource does not satisfy the expected overlay pattern"
                    )),
                ));
            };
            validate_array(rarr, items, path, ac)
        }
        Node::Scalar { pattern, written } => {
            let ok = match resource {
                Value::Array(items) => items.iter().all(|r| pattern.matches(r)),
                other => pattern.matches(other),
            };
            if ok {
                Ok(())
            } else {
                Err(scalar_mismatch(resource, written, path))
            }
        }
    }
}

fn scalar_mismatch(resource: &Value, written: &Value, path: &str) -> (String, WalkError) {
    (
        path.to_owned(),
        WalkError::other(format!(
            "resource value '{}' does not match '{}' at path {path}",
            crate::value::go_sprint(resource),
            crate::value::go_sprint(written)
        )),
    )
}

fn validate_map(
    rmap: &Map<String, Value>,
    map: &MapNode,
    path: &mut String,
    ac: &mut AnchorMap,
) -> Walk {
    if let Some(written) = &map.expands
        && let Some(expanded) = expand_in_metadata(written, rmap)
    {
        return walk_entries(rmap, &MapNode::new(&expanded).entries, path, ac);
    }
    walk_entries(rmap, &map.entries, path, ac)
}

fn walk_entries(
    rmap: &Map<String, Value>,
    entries: &[Entry],
    path: &mut String,
    ac: &mut AnchorMap,
) -> Walk {
    entries
        .iter()
        .try_for_each(|entry| handle(rmap, entry, path, ac))
}

/// Anchors a validate pattern acts on (all but the mutate-only `+(key)`). In a map of several
/// keys the non-global ones run first, then global anchors and keys with nested anchors, then
/// the other keys.
fn is_validation_anchor(kind: AnchorKind) -> bool {
    matches!(
        kind,
        AnchorKind::Condition
            | AnchorKind::Existence
            | AnchorKind::Equality
            | AnchorKind::Negation
            | AnchorKind::Global
    )
}

fn has_nested_anchors(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.keys()
                .any(|k| Anchor::parse(k).is_some_and(|a| is_validation_anchor(a.kind)))
                || m.values().any(has_nested_anchors)
        }
        Value::Array(a) => a.iter().any(has_nested_anchors),
        _ => false,
    }
}

fn handle(rmap: &Map<String, Value>, entry: &Entry, path: &mut String, ac: &mut AnchorMap) -> Walk {
    let key = entry.key.as_str();
    let Some(anchor) = entry.anchor else {
        let actual = member(rmap, key);
        if entry.any_value {
            return match actual {
                Some(v) if !v.is_null() => Ok(()),
                _ => Err((
                    path.clone(),
                    WalkError::other(format!("{path}/{key} not found")),
                )),
            };
        }
        return under(path, key, |current| {
            element(actual.unwrap_or(&Value::Null), &entry.node, current, ac)
        });
    };
    under(path, key, |current| {
        handle_anchor(rmap, key, anchor, &entry.node, current, ac)
    })
}

/// [`handle`] of an anchored key, `current` being the key's path
fn handle_anchor(
    rmap: &Map<String, Value>,
    key: &str,
    anchor: AnchorKind,
    node: &Node,
    current: &mut String,
    ac: &mut AnchorMap,
) -> Walk {
    match anchor {
        AnchorKind::Negation => {
            if member(rmap, key).is_some() {
                return Err((
                    current.clone(),
                    WalkError {
                        kind: ErrKind::Negation,
                        message: format!("negation anchor matched in resource: {current} is not allowed"),
                    },
                ));
            }
            Ok(())
        }
        AnchorKind::Equality => match member(rmap, key) {
            Some(v) => element(v, node, current, ac),
            None => Ok(()),
        },
        AnchorKind::Condition => match member(rmap, key) {
            Some(v) => element(v, node, current, ac).map_err(|(p, e)| {
                (
                    p,
                    WalkError {
                        kind: ErrKind::Conditional,
                        message: format!("conditional anchor mismatch: {}", e.message),
                    },
                )
            }),
            None => Err((
                current.clone(),
                WalkError {
                    kind: ErrKind::Conditional,
                    message: "conditional anchor mismatch: conditional anchor key doesn't exist in the resource".to_owned(),
                },
            )),
        },
        AnchorKind::Global => match member(rmap, key) {
            Some(v) => element(v, node, current, ac).map_err(|(p, e)| {
                (
                    p,
                    WalkError {
                        kind: ErrKind::Global,
                        message: format!("global anchor mismatch: {}", e.message),
                    },
                )
            }),
            None => Ok(()),
        },
        AnchorKind::Existence => match member(rmap, key) {
            Some(Value::Array(items)) => {
                let Node::Array(patterns) = node else {
                    return Err((
                        current.clone(),
                        WalkError::other(
                            "invalid pattern type: Pattern has to be of list to compare against resource"
                                .to_owned(),
                        ),
                    ));
                };
                for p in patterns {
                    if !matches!(p, Node::Map(_)) {
                        return Err((
                            current.clone(),
                            WalkError::other(
                                "invalid pattern type: Pattern has to be of type map to compare against items in resource"
                                    .to_owned(),
                            ),
                        ));
                    }
                    let found = items
                        .iter()
                        .enumerate()
                        .any(|(i, r)| under_index(current, i, |path| element(r, p, path, ac)).is_ok());
                    if !found {
                        return Err((
                            current.clone(),
                            WalkError::other(format!(
                                "existence anchor validation failed at path {current}"
                            )),
                        ));
                    }
                }
                Ok(())
            }
            Some(other) => Err((
                current.clone(),
                WalkError::other(format!(
                    "invalid resource type {}: Existence ^ () anchor can be used only on list/array type resource",
                    crate::value::type_name(other)
                )),
            )),
            None => Ok(()),
        },
        // `+(key)` is a plain key in validation (see `walk_order`)
        AnchorKind::AddIfNotPresent => Ok(()),
    }
}

fn validate_array(rarr: &[Value], parr: &[Node], path: &mut String, ac: &mut AnchorMap) -> Walk {
    let Some(first) = parr.first() else {
        return Err((
            path.to_owned(),
            WalkError::other("pattern Array empty".to_owned()),
        ));
    };
    match first {
        Node::Map(_) => {
            let mut applied = 0;
            let mut skips = Vec::new();
            for (i, r) in rarr.iter().enumerate() {
                match under_index(path, i, |path| element(r, first, path, ac)) {
                    Ok(()) => applied += 1,
                    Err((_, e)) if is_skip(&e) => skips.push(e.message),
                    Err(e) => return Err(e),
                }
            }
            array_skip(path, applied, skips)
        }
        Node::Array(_) => {
            if rarr.len() < parr.len() {
                return Err((
                    String::new(),
                    WalkError::other(format!(
                        "validate Array failed, array length mismatch, resource Array len is {} and pattern Array len is {}",
                        rarr.len(),
                        parr.len()
                    )),
                ));
            }
            let mut applied = 0;
            let mut skips = Vec::new();
            for (i, p) in parr.iter().enumerate() {
                match under_index(path, i, |path| element(&rarr[i], p, path, ac)) {
                    Ok(()) => applied += 1,
                    Err((_, e)) if is_skip(&e) => skips.push(e.message),
                    Err(e) => return Err(e),
                }
            }
            array_skip(path, applied, skips)
        }
        // a scalar pattern in a list holds for every item of the resource's list
        Node::Scalar { pattern, written } => {
            if rarr.iter().all(|r| pattern.matches(r)) {
                Ok(())
            } else {
                Err(scalar_mismatch(&Value::Array(rarr.to_vec()), written, path))
            }
        }
    }
}

fn array_skip(path: &str, applied: usize, skips: Vec<String>) -> Walk {
    if applied == 0 && !skips.is_empty() {
        return Err((
            path.to_owned(),
            WalkError {
                kind: ErrKind::ArraySkip,
                message: skips.join("; "),
            },
        ));
    }
    Ok(())
}

/// The first member of `map` whose key, without its anchor, is `name`
fn unanchored<'m>(map: &'m Map<String, Value>, name: &str) -> Option<(&'m String, &'m Value)> {
    map.iter()
        .find(|(k, _)| crate::anchor::remove_anchor(k).0 == name)
}

fn has_wildcard_key(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| wildcard::contains_wildcard(k))
}

/// Whether [`expand_in_metadata`] can change a pattern map, whatever the resource: its
/// `metadata` has a `labels` or `annotations` map with a wildcard key
fn expands_in_metadata(pattern: &Map<String, Value>) -> bool {
    let Some((_, Value::Object(pmeta))) = unanchored(pattern, "metadata") else {
        return false;
    };
    ["labels", "annotations"].into_iter().any(|tag| {
        matches!(unanchored(pmeta, tag), Some((_, Value::Object(pdata))) if has_wildcard_key(pdata))
    })
}

/// `wildcards.ExpandInMetadata`: wildcard keys under `metadata.labels` / `metadata.annotations`
/// of a pattern take the name of the first matching resource key
fn expand_in_metadata(
    pattern: &Map<String, Value>,
    resource: &Map<String, Value>,
) -> Option<Map<String, Value>> {
    let (pmeta_key, Value::Object(pmeta)) = unanchored(pattern, "metadata")? else {
        return None;
    };
    let rmeta = member(resource, "metadata")?.as_object()?;
    // copied when a wildcard key is expanded
    let mut new_meta: Option<Map<String, Value>> = None;
    for tag in ["labels", "annotations"] {
        let Some((pkey, Value::Object(pdata))) = unanchored(pmeta, tag) else {
            continue;
        };
        let Some(rdata) = unanchored(rmeta, tag).and_then(|(_, v)| v.as_object()) else {
            continue;
        };
        if !has_wildcard_key(pdata) {
            continue;
        }
        let mut out = Map::new();
        for (k, v) in pdata {
            if wildcard::contains_wildcard(k) {
                let (free, prefix) = crate::anchor::remove_anchor(k);
                let matched = rdata
                    .keys()
                    .find(|rk| wildcard::matches(free, rk))
                    .map_or(free, String::as_str);
                let new_key = if prefix.is_empty() {
                    matched.to_owned()
                } else {
                    format!("{prefix}{matched})")
                };
                out.insert(new_key, v.clone());
            } else {
                out.insert(k.clone(), v.clone());
            }
        }
        new_meta
            .get_or_insert_with(|| pmeta.clone())
            .insert(pkey.clone(), Value::Object(out));
    }
    let new_meta = new_meta?;
    let mut p = pattern.clone();
    p.insert(pmeta_key.clone(), Value::Object(new_meta));
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(r: Value, p: Value) -> MatchResult {
        match_pattern(&r, &p)
    }

    #[test]
    fn plain_and_wildcards() {
        let pod = json!({"metadata": {"labels": {"app.kubernetes.io/name": "x"}},
            "spec": {"containers": [{"name": "a", "image": "nginx:1.2"}, {"name": "b", "image": "nginx:latest"}]}});
        assert_eq!(
            m(
                pod.clone(),
                json!({"spec": {"containers": [{"image": "nginx:*"}]}})
            ),
            MatchResult::Pass
        );
        assert_eq!(
            m(pod.clone(), json!({"spec": {"containers": [{"image": "!*:latest"}]}})),
            MatchResult::Fail {
                path: "/spec/containers/1/image/".into(),
                message: "resource value 'nginx:latest' does not match '!*:latest' at path /spec/containers/1/image/".into()
            }
        );
        assert_eq!(
            m(
                pod.clone(),
                json!({"metadata": {"labels": {"app.kubernetes.io/*": "?*"}}})
            ),
            MatchResult::Pass
        );
        assert!(matches!(
            m(pod.clone(), json!({"metadata": {"labels": {"team": "?*"}}})),
            MatchResult::Fail { .. }
        ));
        assert_eq!(
            m(pod.clone(), json!({"metadata": {"labels": "*"}})),
            MatchResult::Pass
        );
        assert!(matches!(
            m(pod, json!({"metadata": {"annotations": "*"}})),
            MatchResult::Fail { .. }
        ));
    }

    #[test]
    fn anchors() {
        let pod = json!({"spec": {"hostNetwork": false, "containers": [{"name": "a", "securityContext": {"privileged": true}}]}});
        // equality: present must match
        assert!(matches!(
            m(
                pod.clone(),
                json!({"spec": {"containers": [{"=(securityContext)": {"=(privileged)": false}}]}})
            ),
            MatchResult::Fail { .. }
        ));
        assert_eq!(
            m(pod.clone(), json!({"spec": {"=(hostPID)": false}})),
            MatchResult::Pass
        );
        // negation
        let r = m(pod.clone(), json!({"spec": {"X(hostNetwork)": "null"}}));
        assert!(
            matches!(r, MatchResult::Fail { ref path, .. } if path == "/spec/hostNetwork/"),
            "{r:?}"
        );
        // conditional at root skips
        assert!(matches!(
            m(pod.clone(), json!({"(kind)": "Pod", "spec": {}})),
            MatchResult::Skip(_)
        ));
        // global anchor mismatch skips
        assert!(matches!(
            m(
                pod.clone(),
                json!({"spec": {"<(hostNetwork)": true, "containers": [{"name": "zzz"}]}})
            ),
            MatchResult::Skip(_)
        ));
        // existence
        assert_eq!(
            m(
                pod.clone(),
                json!({"spec": {"^(containers)": [{"name": "a"}]}})
            ),
            MatchResult::Pass
        );
        assert!(matches!(
            m(pod, json!({"spec": {"^(containers)": [{"name": "b"}]}})),
            MatchResult::Fail { .. }
        ));
    }

    #[test]
    fn a_prepared_pattern_expands_metadata_wildcards_per_resource() {
        let pattern =
            Pattern::new(&json!({"metadata": {"labels": {"app.kubernetes.io/*": "web-?*"}}}));
        let labelled = |key: &str, value: &str| json!({"metadata": {"labels": {key: value}}});
        assert_eq!(
            pattern.check(&labelled("app.kubernetes.io/name", "web-1")),
            MatchResult::Pass
        );
        assert_eq!(
            pattern.check(&labelled("app.kubernetes.io/part-of", "db")),
            MatchResult::Fail {
                path: "/metadata/labels/app.kubernetes.io/part-of/".into(),
                message: "resource value 'db' does not match 'web-?*' at path /metadata/labels/app.kubernetes.io/part-of/".into()
            }
        );
        assert_eq!(
            pattern.check(&labelled("team", "web-1")),
            MatchResult::Fail {
                path: "/metadata/labels/app.kubernetes.io/*/".into(),
                message: "resource value '<nil>' does not match 'web-?*' at path /metadata/labels/app.kubernetes.io/*/".into()
            }
        );
    }

    #[test]
    fn a_prepared_pattern_tracks_anchor_keys_per_check() {
        // a condition anchor whose key no element has turns the failure into an error (empty
        // path); one the resource has fails at its path, whatever was checked before
        let written = json!({"spec": {"containers": [{"(name)": "a*", "image": "!*:latest"}]}});
        let pattern = Pattern::new(&written);
        let named = json!({"spec": {"containers": [{"name": "b", "image": "x:latest"}]}});
        let unnamed = json!({"spec": {"containers": [{"image": "x:latest"}]}});
        for resource in [&named, &unnamed, &named] {
            assert_eq!(pattern.check(resource), match_pattern(resource, &written));
        }
        assert!(matches!(
            pattern.check(&named),
            MatchResult::Fail { path, .. } if path == "/spec/containers/"
        ));
        assert!(matches!(
            pattern.check(&unnamed),
            MatchResult::Fail { path, .. } if path.is_empty()
        ));
    }

    #[test]
    fn conditional_in_arrays() {
        let pod = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        assert_eq!(
            m(
                pod.clone(),
                json!({"spec": {"containers": [{"(name)": "a", "image": "x"}]}})
            ),
            MatchResult::Pass
        );
        assert!(matches!(
            m(
                pod.clone(),
                json!({"spec": {"containers": [{"(name)": "a", "image": "z"}]}})
            ),
            MatchResult::Fail { .. }
        ));
        // every element skipped: Kyverno's wrapped skip is not a skip at the top
        assert!(matches!(
            m(
                pod,
                json!({"spec": {"containers": [{"(name)": "c", "image": "z"}]}})
            ),
            MatchResult::Fail { .. }
        ));
    }
}
