//! Rule `match` / `exclude` (`pkg/engine/utils/match.go`, `pkg/utils/match`).

use crate::wildcard;
use palisade_model::{field, member};
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

/// A kind selector of `match.resources.kinds`, split once on load
#[derive(Debug, Clone)]
enum KindSelector {
    /// A bare kind (`Pod`): any group and version, no subresource
    Bare(String),
    /// `group/version/kind/subresource`, each a wildcard pattern
    Full {
        group: String,
        version: String,
        kind: String,
        subresource: String,
    },
}

impl KindSelector {
    fn parse(k: &str) -> Self {
        if !k.contains(['/', '.']) {
            return Self::Bare(k.to_owned());
        }
        let (group, version, kind, subresource) = parse_kind_selector(k);
        Self::Full {
            group,
            version,
            kind,
            subresource,
        }
    }

    /// `CheckKind` for one selector
    fn matches(&self, input: &MatchInput<'_>) -> bool {
        // a Pod's ephemeral containers are matched by any selector of the Pod
        let ephemeral = || {
            input.group.is_empty()
                && input.version == "v1"
                && input.kind == "Pod"
                && input.subresource == "ephemeralcontainers"
        };
        match self {
            Self::Bare(k) => {
                wildcard::matches(k, input.kind) && (input.subresource.is_empty() || ephemeral())
            }
            Self::Full {
                group,
                version,
                kind,
                subresource,
            } => {
                wildcard::matches(group, input.group)
                    && wildcard::matches(version, input.version)
                    && wildcard::matches(kind, input.kind)
                    && (wildcard::matches(subresource, input.subresource) || ephemeral())
            }
        }
    }
}

/// The strings of a list field, borrowed
fn strs(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    strs(v).map(str::to_owned).collect()
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

/// Where the reasons a rule or filter does not match go: collected for callers that show
/// them, or only noted for those that need a yes/no (the engine, per rule of every request),
/// which then get no message formatted and stop at the first reason
struct Reasons {
    list: Option<Vec<String>>,
    any: bool,
}

impl Reasons {
    fn collecting() -> Self {
        Self {
            list: Some(Vec::new()),
            any: false,
        }
    }

    fn noting() -> Self {
        Self {
            list: None,
            any: false,
        }
    }

    fn add(&mut self, reason: impl FnOnce() -> String) {
        self.any = true;
        if let Some(list) = &mut self.list {
            list.push(reason());
        }
    }

    /// Nothing more can change the outcome: a reason is noted and none are collected
    fn decided(&self) -> bool {
        self.any && self.list.is_none()
    }

    fn into_vec(self) -> Vec<String> {
        self.list.unwrap_or_default()
    }
}

/// One filter of a `match` / `exclude` block: its `resources` and userInfo criteria, read
/// once on load so that matching a request does no look-ups in the policy document
#[derive(Debug, Clone)]
struct Filter {
    /// Neither `resources` nor userInfo criteria: matches nothing, excludes nothing
    empty: bool,
    /// `kinds` as written (for the message) and parsed
    kinds_listed: Vec<String>,
    kinds: Vec<KindSelector>,
    operations: Vec<String>,
    /// `name` (when not empty)
    name: Option<String>,
    names: Vec<String>,
    namespaces: Vec<String>,
    annotations: Vec<(String, String)>,
    selector: Option<Value>,
    namespace_selector: Option<Value>,
    roles: Vec<String>,
    cluster_roles: Vec<String>,
    subjects: Vec<Value>,
}

impl Filter {
    /// `resources` and the userInfo criteria (`roles`, `clusterRoles`, `subjects`) of `user`
    fn parse(resources: Option<&Value>, user: &Value) -> Self {
        let user_present = ["roles", "clusterRoles", "subjects"]
            .iter()
            .any(|k| !is_empty_value(user.get(*k)));
        let rd = resources.unwrap_or(&Value::Null);
        let kinds_listed = strings(rd.get("kinds"));
        Self {
            empty: is_empty_value(resources) && !user_present,
            kinds: kinds_listed
                .iter()
                .map(|k| KindSelector::parse(k))
                .collect(),
            kinds_listed,
            operations: strings(rd.get("operations")),
            name: rd
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            names: strings(rd.get("names")),
            namespaces: strings(rd.get("namespaces")),
            annotations: rd
                .get("annotations")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
            selector: rd.get("selector").filter(|s| !s.is_null()).cloned(),
            namespace_selector: rd
                .get("namespaceSelector")
                .filter(|s| !s.is_null())
                .cloned(),
            roles: strings(user.get("roles")),
            cluster_roles: strings(user.get("clusterRoles")),
            subjects: user
                .get("subjects")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Does the filter match (`doesResourceMatchConditionBlock`); adds the reasons it does
    /// not to `errs`. `with_user`: whether its userInfo criteria count.
    fn errors(&self, input: &MatchInput<'_>, with_user: bool, errs: &mut Reasons) {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k.matches(input)) {
            errs.add(|| format!("kind does not match {:?}", self.kinds_listed));
            return;
        }
        if !self.operations.is_empty() && !self.operations.iter().any(|o| o == input.operation) {
            errs.add(|| "operation does not match".to_owned());
        }
        if errs.decided() {
            return;
        }
        // read only by the criteria that need them
        let meta = || field(input.resource, "metadata");
        let name = || {
            let meta = meta();
            let name = meta
                .and_then(|m| field(m, "name"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if name.is_empty() {
                meta.and_then(|m| field(m, "generateName"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            } else {
                name
            }
        };
        if let Some(n) = &self.name
            && !wildcard::matches(n, name())
        {
            errs.add(|| "name does not match".to_owned());
        }
        if !self.names.is_empty() && {
            let name = name();
            !self.names.iter().any(|n| wildcard::matches(n, name))
        } {
            errs.add(|| "none of the names match".to_owned());
        }
        if !self.namespaces.is_empty() {
            let ns = if input.kind == "Namespace" {
                name()
            } else {
                meta()
                    .and_then(|m| field(m, "namespace"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            };
            if !self.namespaces.iter().any(|n| wildcard::matches(n, ns)) {
                errs.add(|| "namespace does not match".to_owned());
            }
        }
        if errs.decided() {
            return;
        }
        let of_meta = |key: &str| {
            meta()
                .and_then(|m| field(m, key))
                .and_then(Value::as_object)
                .unwrap_or_else(|| empty_map())
        };
        if !self.annotations.is_empty() {
            let actual = of_meta("annotations");
            let ok = self.annotations.iter().all(|(k, v)| {
                actual.iter().any(|(k1, v1)| {
                    wildcard::matches(k, k1)
                        && wildcard::matches(v, v1.as_str().unwrap_or_default())
                })
            });
            if !ok {
                errs.add(|| "annotations does not match".to_owned());
            }
        }
        if let Some(sel) = &self.selector {
            match selector_matches(sel, of_meta("labels"), true) {
                Ok(true) => {}
                Ok(false) => errs.add(|| "selector does not match".to_owned()),
                Err(e) => errs.add(|| format!("failed to parse selector: {e}")),
            }
        }
        if let Some(sel) = &self.namespace_selector {
            if input.kind == "Namespace" {
                errs.add(|| {
                    "namespace selector is not applicable for namespace resource".to_owned()
                });
            } else {
                match selector_matches(sel, input.namespace_labels, true) {
                    Ok(true) => {}
                    Ok(false) => errs.add(|| "namespace selector does not match labels".to_owned()),
                    Err(e) => errs.add(|| format!("failed to parse namespace selector: {e}")),
                }
            }
        }
        if !with_user || errs.decided() {
            return;
        }
        if self.roles.is_empty() && self.cluster_roles.is_empty() && self.subjects.is_empty() {
            return;
        }
        let empty_info = RequestInfo::default();
        let req = input.request.unwrap_or(&empty_info);
        if !self.roles.is_empty() && !self.roles.iter().any(|r| req.roles.contains(r)) {
            errs.add(|| "user info does not match roles for the given conditionBlock".to_owned());
        }
        if !self.cluster_roles.is_empty()
            && !self
                .cluster_roles
                .iter()
                .any(|r| req.cluster_roles.contains(r))
        {
            errs.add(|| {
                "user info does not match clustersRoles for the given conditionBlock".to_owned()
            });
        }
        if !self.subjects.is_empty() && !match_subjects(&self.subjects, &req.user_info) {
            errs.add(|| "user info does not match subject for the given conditionBlock".to_owned());
        }
    }

    /// The reasons a `match` filter does not admit the resource
    fn match_errors(&self, input: &MatchInput<'_>, errs: &mut Reasons) {
        if self.empty {
            errs.add(|| "match cannot be empty".to_owned());
            return;
        }
        // Without user info, the CLI drops userInfo criteria from match blocks
        self.errors(input, input.request.is_some(), errs);
    }

    /// Whether a `match` filter admits the resource
    fn admits(&self, input: &MatchInput<'_>) -> bool {
        let mut errs = Reasons::noting();
        self.match_errors(input, &mut errs);
        !errs.any
    }

    /// Whether an `exclude` filter excludes the resource
    fn excludes(&self, input: &MatchInput<'_>) -> bool {
        if self.empty {
            return false;
        }
        // userInfo in exclude is evaluated against empty request info when none was provided
        let mut errs = Reasons::noting();
        self.errors(input, true, &mut errs);
        !errs.any
    }

    /// The reason an `exclude` filter excludes the resource (none when it does not)
    fn exclude_errors(&self, input: &MatchInput<'_>, errs: &mut Reasons) {
        if self.excludes(input) {
            errs.add(|| "resource excluded since one of the criteria excluded it".to_owned());
        }
    }
}

/// An empty map, for absent labels and annotations
fn empty_map() -> &'static Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
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
    let label = |k: &str| member(labels, k).and_then(Value::as_str);
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

/// The filters of a `match` or `exclude` block
#[derive(Debug, Clone)]
enum Block {
    /// `any`: one filter must admit (exclude: each filter excludes)
    Any(Vec<Filter>),
    /// `all`: every filter must admit (exclude: all together exclude)
    All(Vec<Filter>),
    /// The block's own `resources`
    One(Box<Filter>),
}

impl Block {
    /// `any`, else `all`, else the block itself
    fn parse(v: &Value) -> Self {
        let filters = |key: &str| -> Vec<Filter> {
            v.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|f| Filter::parse(f.get("resources"), f))
                .collect()
        };
        let any = filters("any");
        if !any.is_empty() {
            return Self::Any(any);
        }
        let all = filters("all");
        if !all.is_empty() {
            return Self::All(all);
        }
        Self::One(Box::new(Filter::parse(v.get("resources"), v)))
    }
}

/// A rule's `match` and `exclude`, parsed once (per policy and resource kind) rather than
/// read from the rule document on every request
#[derive(Debug, Clone)]
pub struct RuleMatch {
    matches: Block,
    excludes: Option<Block>,
}

impl RuleMatch {
    /// The `match` and `exclude` of a rule
    pub fn parse(rule: &Value) -> Self {
        Self {
            matches: Block::parse(rule.get("match").unwrap_or(&Value::Null)),
            excludes: rule
                .get("exclude")
                .filter(|x| !x.is_null())
                .map(Block::parse),
        }
    }

    /// Does the rule admit the resource (`MatchesResourceDescription`); returns the reasons it
    /// does not
    pub fn check(&self, input: &MatchInput<'_>) -> Result<(), Vec<String>> {
        let mut reasons = Reasons::collecting();
        self.reasons(input, &mut reasons);
        if reasons.any {
            Err(reasons.into_vec())
        } else {
            Ok(())
        }
    }

    /// Whether the rule admits the resource: [`RuleMatch::check`] without the reasons
    pub fn admits(&self, input: &MatchInput<'_>) -> bool {
        let mut reasons = Reasons::noting();
        self.reasons(input, &mut reasons);
        !reasons.any
    }

    fn reasons(&self, input: &MatchInput<'_>, reasons: &mut Reasons) {
        if !input.policy_namespace.is_empty() {
            let ns = input
                .resource
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if ns != input.policy_namespace {
                reasons.add(|| {
                    "The policy and resource namespace are different. Therefore, policy skip this resource."
                        .to_owned()
                });
                return;
            }
        }
        match &self.matches {
            Block::Any(any) => {
                if !any.iter().any(|f| f.admits(input)) {
                    reasons.add(|| "no resource matched".to_owned());
                }
            }
            Block::All(all) => {
                for f in all {
                    f.match_errors(input, reasons);
                    if reasons.decided() {
                        return;
                    }
                }
            }
            Block::One(f) => f.match_errors(input, reasons),
        }
        if reasons.decided() {
            return;
        }
        match &self.excludes {
            Some(Block::Any(any)) => {
                for f in any {
                    f.exclude_errors(input, reasons);
                    if reasons.decided() {
                        return;
                    }
                }
            }
            Some(Block::All(all)) if all.iter().all(|f| f.excludes(input)) => {
                reasons.add(|| {
                    "resource excluded since the combination of all criteria exclude it".to_owned()
                });
            }
            Some(Block::One(f)) => f.exclude_errors(input, reasons),
            Some(Block::All(_)) | None => {}
        }
    }
}

/// Does a rule's `match` / `exclude` admit the resource ([`RuleMatch::check`] of the rule)
pub fn rule_matches(rule: &Value, input: &MatchInput<'_>) -> Result<(), Vec<String>> {
    RuleMatch::parse(rule).check(input)
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
