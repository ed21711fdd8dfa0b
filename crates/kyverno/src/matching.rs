//! Rule `match` / `exclude` (`pkg/engine/utils/match.go`, `pkg/utils/match`).

use crate::wildcard;
use serde_json::{Map, Value};

/// Who made the request (from a userinfo file)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestInfo {
    /// Namespaced roles (`ns:name`)
    pub roles: Vec<String>,
    /// Cluster roles
    pub cluster_roles: Vec<String>,
    /// `userInfo`: `username`, `uid`, `groups`
    pub user_info: Value,
}

/// What is being matched
#[derive(Debug, Clone)]
pub struct MatchInput<'a> {
    /// The resource
    pub resource: &'a Value,
    /// API group
    pub group: &'a str,
    /// API version
    pub version: &'a str,
    /// Kind
    pub kind: &'a str,
    /// Subresource (empty for the resource itself)
    pub subresource: &'a str,
    /// Admission operation
    pub operation: &'a str,
    /// Labels of the resource's namespace
    pub namespace_labels: &'a Map<String, Value>,
    /// User info, when provided
    pub request: Option<&'a RequestInfo>,
    /// Namespace of a namespaced `Policy` (empty for ClusterPolicy)
    pub policy_namespace: &'a str,
}

/// `(group, version, kind, subresource)` of a kind selector
pub fn parse_kind_selector(input: &str) -> (String, String, String, String) {
    let is_version = |s: &str| {
        if s.ends_with('*') {
            return true;
        }
        let b = s.as_bytes();
        b.first() == Some(&b'v') && b.get(1).is_some_and(u8::is_ascii_digit)
    };
    let split_sub = |k: &str| -> (String, String) {
        match k.split_once('.') {
            Some((a, b)) => (a.to_owned(), b.to_owned()),
            None => (k.to_owned(), String::new()),
        }
    };
    let parts: Vec<&str> = input.split('/').collect();
    let star = || "*".to_owned();
    match parts.as_slice() {
        [k] => {
            let (k, s) = split_sub(k);
            (star(), star(), k, s)
        }
        ["*", "*"] => (star(), star(), star(), star()),
        [a, b] => {
            if is_version(a) {
                let (k, s) = split_sub(b);
                (star(), (*a).to_owned(), k, s)
            } else {
                (star(), star(), (*a).to_owned(), (*b).to_owned())
            }
        }
        [a, b, c] => {
            if is_version(a) {
                (star(), (*a).to_owned(), (*b).to_owned(), (*c).to_owned())
            } else {
                let (k, s) = split_sub(c);
                ((*a).to_owned(), (*b).to_owned(), k, s)
            }
        }
        [a, b, c, d] => (
            (*a).to_owned(),
            (*b).to_owned(),
            (*c).to_owned(),
            (*d).to_owned(),
        ),
        _ => (String::new(), String::new(), String::new(), String::new()),
    }
}

/// `CheckKind`
pub fn check_kind(kinds: &[String], input: &MatchInput<'_>) -> bool {
    check_kinds(kinds.iter().map(String::as_str), input)
}

fn check_kinds<'k>(mut kinds: impl Iterator<Item = &'k str>, input: &MatchInput<'_>) -> bool {
    kinds.any(|k| {
        if !k.contains(['/', '.']) {
            // a bare kind (`Pod`): any group and version, no subresource; parsing it would
            // only allocate the `*`s
            if !wildcard::matches(k, input.kind) {
                return false;
            }
            return input.subresource.is_empty()
                || (input.group.is_empty()
                    && input.version == "v1"
                    && input.kind == "Pod"
                    && input.subresource == "ephemeralcontainers");
        }
        let (g, v, kind, sub) = parse_kind_selector(k);
        if wildcard::matches(&g, input.group)
            && wildcard::matches(&v, input.version)
            && wildcard::matches(&kind, input.kind)
        {
            if wildcard::matches(&sub, input.subresource) {
                return true;
            }
            input.group.is_empty()
                && input.version == "v1"
                && input.kind == "Pod"
                && input.subresource == "ephemeralcontainers"
        } else {
            false
        }
    })
}

/// The strings of a list field, borrowed
fn strs(v: Option<&Value>) -> impl Iterator<Item = &str> + Clone {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn is_empty_value(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(|v| is_empty_value(Some(v))),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

fn labels_of(resource: &Value) -> Map<String, Value> {
    resource
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Does one `resources` + user-info block match (`doesResourceMatchConditionBlock`);
/// returns the reasons it does not
pub fn condition_block_errors(
    resources: Option<&Value>,
    user: &Value,
    input: &MatchInput<'_>,
) -> Vec<String> {
    let empty = Value::Null;
    let rd = resources.unwrap_or(&empty);
    let mut errs = Vec::new();
    let kinds = strs(rd.get("kinds"));
    if kinds.clone().next().is_some() && !check_kinds(kinds, input) {
        return vec![format!(
            "kind does not match {:?}",
            strings(rd.get("kinds"))
        )];
    }
    let mut ops = strs(rd.get("operations")).peekable();
    if ops.peek().is_some() && !ops.any(|o| o == input.operation) {
        errs.push("operation does not match".to_owned());
    }
    let meta = input.resource.get("metadata");
    let mut name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() {
        name = meta
            .and_then(|m| m.get("generateName"))
            .and_then(Value::as_str)
            .unwrap_or_default();
    }
    if let Some(n) = rd.get("name").and_then(Value::as_str)
        && !n.is_empty()
        && !wildcard::matches(n, name)
    {
        errs.push("name does not match".to_owned());
    }
    let mut names = strs(rd.get("names")).peekable();
    if names.peek().is_some() && !names.any(|n| wildcard::matches(n, name)) {
        errs.push("none of the names match".to_owned());
    }
    let mut namespaces = strs(rd.get("namespaces")).peekable();
    if namespaces.peek().is_some() {
        let ns = if input.kind == "Namespace" {
            name
        } else {
            meta.and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        if !namespaces.any(|n| wildcard::matches(n, ns)) {
            errs.push("namespace does not match".to_owned());
        }
    }
    if let Some(Value::Object(ann)) = rd.get("annotations")
        && !ann.is_empty()
    {
        let none = Map::new();
        let actual = input
            .resource
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .unwrap_or(&none);
        let ok = ann.iter().all(|(k, v)| {
            let v = v.as_str().unwrap_or_default();
            actual.iter().any(|(k1, v1)| {
                wildcard::matches(k, k1) && wildcard::matches(v, v1.as_str().unwrap_or_default())
            })
        });
        if !ok {
            errs.push("annotations does not match".to_owned());
        }
    }
    if let Some(sel) = rd.get("selector").filter(|s| !s.is_null()) {
        match selector_matches(sel, &labels_of(input.resource), true) {
            Ok(true) => {}
            Ok(false) => errs.push("selector does not match".to_owned()),
            Err(e) => errs.push(format!("failed to parse selector: {e}")),
        }
    }
    if let Some(sel) = rd.get("namespaceSelector").filter(|s| !s.is_null()) {
        if input.kind == "Namespace" {
            errs.push("namespace selector is not applicable for namespace resource".to_owned());
        } else {
            match selector_matches(sel, input.namespace_labels, true) {
                Ok(true) => {}
                Ok(false) => errs.push("namespace selector does not match labels".to_owned()),
                Err(e) => errs.push(format!("failed to parse namespace selector: {e}")),
            }
        }
    }
    let empty_info = RequestInfo::default();
    let req = input.request.unwrap_or(&empty_info);
    let roles = strings(user.get("roles"));
    if !roles.is_empty() && !roles.iter().any(|r| req.roles.contains(r)) {
        errs.push("user info does not match roles for the given conditionBlock".to_owned());
    }
    let cluster_roles = strings(user.get("clusterRoles"));
    if !cluster_roles.is_empty() && !cluster_roles.iter().any(|r| req.cluster_roles.contains(r)) {
        errs.push("user info does not match clustersRoles for the given conditionBlock".to_owned());
    }
    if let Some(Value::Array(subjects)) = user.get("subjects")
        && !subjects.is_empty()
        && !match_subjects(subjects, &req.user_info)
    {
        errs.push("user info does not match subject for the given conditionBlock".to_owned());
    }
    errs
}

fn match_subjects(subjects: &[Value], user_info: &Value) -> bool {
    let username = user_info
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let groups: Vec<&str> = user_info
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    subjects.iter().any(|s| {
        let kind = s.get("kind").and_then(Value::as_str).unwrap_or_default();
        let name = s.get("name").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "ServiceAccount" => {
                let ns = s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                username == format!("system:serviceaccount:{ns}:{name}")
            }
            "User" => wildcard::matches(name, username),
            "Group" => groups.iter().any(|g| wildcard::matches(name, g)),
            _ => false,
        }
    })
}

/// Evaluate a LabelSelector on an object's `metadata.labels` (no wildcard expansion)
pub fn object_selected(sel: &Value, obj: &Value) -> Result<bool, String> {
    let empty = Map::new();
    let labels = obj
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    selector_matches(sel, labels, false)
}

/// Evaluate a LabelSelector (with Kyverno's wildcard expansion of `matchLabels`)
pub fn selector_matches(
    sel: &Value,
    labels: &Map<String, Value>,
    expand_wildcards: bool,
) -> Result<bool, String> {
    let Value::Object(sel) = sel else {
        return Err("selector must be an object".to_owned());
    };
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    if let Some(Value::Object(ml)) = sel.get("matchLabels") {
        for (k, v) in ml {
            let v = v.as_str().unwrap_or_default();
            if expand_wildcards
                && (wildcard::contains_wildcard(k) || wildcard::contains_wildcard(v))
            {
                let found = labels.iter().any(|(lk, lv)| {
                    wildcard::matches(k, lk)
                        && wildcard::matches(v, lv.as_str().unwrap_or_default())
                });
                if !found {
                    return Ok(false);
                }
            } else if label(k) != Some(v) {
                return Ok(false);
            }
        }
    }
    if let Some(Value::Array(exprs)) = sel.get("matchExpressions") {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
            let op = e
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let actual = label(key);
            let ok = match op {
                "In" => {
                    if values.is_empty() {
                        return Err(format!(
                            "values: Invalid value: for 'in', 'notin' operators, values set can't be empty (key {key})"
                        ));
                    }
                    actual.is_some_and(|a| values.contains(&a))
                }
                "NotIn" => {
                    if values.is_empty() {
                        return Err(format!(
                            "values: Invalid value: for 'in', 'notin' operators, values set can't be empty (key {key})"
                        ));
                    }
                    actual.is_none_or(|a| !values.contains(&a))
                }
                "Exists" => actual.is_some(),
                "DoesNotExist" => actual.is_none(),
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            if !ok {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// The `any` / `all` filters of a match or exclude block (borrowed)
fn filters<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Does a rule's `match` / `exclude` admit the resource (`MatchesResourceDescription`)
pub fn rule_matches(rule: &Value, input: &MatchInput<'_>) -> Result<(), Vec<String>> {
    let mut reasons = Vec::new();
    if !input.policy_namespace.is_empty() {
        let ns = input
            .resource
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if ns != input.policy_namespace {
            return Err(vec![
                "The policy and resource namespace are different. Therefore, policy skip this resource."
                    .to_owned(),
            ]);
        }
    }
    let empty = Value::Null;
    let m = rule.get("match").unwrap_or(&empty);
    let any = filters(m, "any");
    let all = filters(m, "all");
    if !any.is_empty() {
        if !any
            .iter()
            .any(|f| match_helper(f.get("resources"), f, input).is_empty())
        {
            reasons.push("no resource matched".to_owned());
        }
    } else if !all.is_empty() {
        for f in all {
            reasons.extend(match_helper(f.get("resources"), f, input));
        }
    } else {
        reasons.extend(match_helper(m.get("resources"), m, input));
    }
    let x = rule.get("exclude").unwrap_or(&empty);
    let xany = filters(x, "any");
    let xall = filters(x, "all");
    if !xany.is_empty() {
        for f in xany {
            reasons.extend(exclude_helper(f.get("resources"), f, input));
        }
    } else if !xall.is_empty() {
        if all_excluded(xall, input) {
            reasons.push(
                "resource excluded since the combination of all criteria exclude it".to_owned(),
            );
        }
    } else if !x.is_null() {
        reasons.extend(exclude_helper(x.get("resources"), x, input));
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}

fn all_excluded(filters: &[Value], input: &MatchInput<'_>) -> bool {
    filters
        .iter()
        .all(|f| !exclude_helper(f.get("resources"), f, input).is_empty())
}

/// The userInfo criteria of a filter: the filter itself, as `condition_block_errors` reads
/// only its `roles`, `clusterRoles` and `subjects` (no copy of them per request)
fn user_block<'f>(f: &'f Value, input: &MatchInput<'_>) -> &'f Value {
    static NONE: Value = Value::Null;
    // Without user info, the CLI drops userInfo criteria from match blocks
    if input.request.is_none() {
        return &NONE;
    }
    f
}

fn match_helper(resources: Option<&Value>, f: &Value, input: &MatchInput<'_>) -> Vec<String> {
    let user = user_block(f, input);
    let user_present = ["roles", "clusterRoles", "subjects"]
        .iter()
        .any(|k| !is_empty_value(f.get(*k)));
    if is_empty_value(resources) && !user_present {
        return vec!["match cannot be empty".to_owned()];
    }
    condition_block_errors(resources, user, input)
}

fn exclude_helper(resources: Option<&Value>, f: &Value, input: &MatchInput<'_>) -> Vec<String> {
    let user_present = ["roles", "clusterRoles", "subjects"]
        .iter()
        .any(|k| !is_empty_value(f.get(*k)));
    if is_empty_value(resources) && !user_present {
        return Vec::new();
    }
    // userInfo in exclude is evaluated against empty request info when none was provided;
    // `condition_block_errors` reads only the userInfo keys of `f`
    let errs = condition_block_errors(resources, f, input);
    if errs.is_empty() {
        vec!["resource excluded since one of the criteria excluded it".to_owned()]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input<'a>(r: &'a Value, kind: &'a str, ns: &'a Map<String, Value>) -> MatchInput<'a> {
        MatchInput {
            resource: r,
            group: "",
            version: "v1",
            kind,
            subresource: "",
            operation: "CREATE",
            namespace_labels: ns,
            request: None,
            policy_namespace: "",
        }
    }

    #[test]
    fn kind_selectors() {
        assert_eq!(
            parse_kind_selector("Pod"),
            ("*".into(), "*".into(), "Pod".into(), "".into())
        );
        assert_eq!(
            parse_kind_selector("v1/Pod"),
            ("*".into(), "v1".into(), "Pod".into(), "".into())
        );
        assert_eq!(
            parse_kind_selector("apps/v1/Deployment"),
            ("apps".into(), "v1".into(), "Deployment".into(), "".into())
        );
        assert_eq!(
            parse_kind_selector("Pod/exec"),
            ("*".into(), "*".into(), "Pod".into(), "exec".into())
        );
        assert_eq!(
            parse_kind_selector("Pod.status"),
            ("*".into(), "*".into(), "Pod".into(), "status".into())
        );
        assert_eq!(
            parse_kind_selector("*/*"),
            ("*".into(), "*".into(), "*".into(), "*".into())
        );
    }

    #[test]
    fn match_and_exclude() {
        let ns = Map::new();
        let pod = json!({"kind": "Pod", "metadata": {"name": "web-1", "namespace": "prod", "labels": {"app": "web"}}});
        let rule = json!({"match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["web-*"]}}]},
            "exclude": {"any": [{"resources": {"namespaces": ["kube-*"]}}]}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_ok());
        let rule = json!({"match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "exclude": {"any": [{"resources": {"namespaces": ["prod"]}}]}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_err());
        let rule = json!({"match": {"resources": {"kinds": ["Deployment"]}}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_err());
        let rule = json!({"match": {"all": [{"resources": {"kinds": ["Pod"]}}, {"resources": {"selector": {"matchLabels": {"app": "w*"}}}}]}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_ok());
        let rule = json!({"match": {"any": [{"resources": {"kinds": ["Pod"], "namespaceSelector": {"matchLabels": {"env": "x"}}}}]}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_err());
        let rule = json!({"match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "exclude": {"all": [{"resources": {"namespaces": ["prod"]}}, {"resources": {"names": ["x"]}}]}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_ok());
        // subjects are dropped without user info
        let rule = json!({"match": {"any": [{"resources": {"kinds": ["Pod"]}, "subjects": [{"kind": "User", "name": "bob"}]}]}});
        assert!(rule_matches(&rule, &input(&pod, "Pod", &ns)).is_ok());
    }

    #[test]
    fn selectors() {
        let labels: Map<String, Value> =
            serde_json::from_value(json!({"app": "web", "tier": "fe"})).unwrap();
        let sel = json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}, {"key": "x", "operator": "DoesNotExist"}]});
        assert_eq!(selector_matches(&sel, &labels, true), Ok(true));
        let sel =
            json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}]});
        assert_eq!(selector_matches(&sel, &labels, true), Ok(false));
        assert_eq!(selector_matches(&json!({}), &labels, true), Ok(true));
    }
}
