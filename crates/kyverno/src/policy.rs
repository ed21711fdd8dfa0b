//! Kyverno policies: loading (`kyverno.io/v1` ClusterPolicy / Policy, plus the CEL-based
//! `policies.kyverno.io` kinds kept for the CEL layer) and Kyverno's policy validation
//! (`pkg/validation/policy`), reported as [`Diagnostic`]s with file:line:col.

use crate::autogen;
use crate::cel::KindSpec;
use crate::matching::RuleMatch;
use crate::validate::Pattern;
use crate::variables;
use palisade_source::{Diagnostic, JsonPointer, LoadedDocument, Positions, SourceFile};
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::{Arc, OnceLock, RwLock};

/// What `validationFailureAction` / `failureAction` says
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    /// Report only
    Audit,
    /// Block
    Enforce,
}

/// A rule as evaluated for one resource kind (autogen applied), with what every request
/// reads of it decided once
#[derive(Debug)]
pub struct KindRule {
    /// The rule
    pub rule: Value,
    /// Its `match` and `exclude`
    pub(crate) matcher: RuleMatch,
    /// Its failure action (the rule's own, else the policy's)
    pub(crate) failure_action: FailureAction,
    /// Whether `validate.pattern` has variables or references to substitute
    pub(crate) pattern_substitutes: bool,
    /// Whether `validate.anyPattern` has variables or references to substitute
    pub(crate) any_pattern_substitutes: bool,
    /// `validate.pattern` and `validate.anyPattern`, prepared once when they have nothing to
    /// substitute
    pub(crate) prepared: PreparedPatterns,
    /// `name`
    pub(crate) name: String,
    /// `validate`, when it is an object (a copy: validation reads its keys without looking
    /// it up in the rule), without the keys of `validate_parts`
    pub(crate) validate: Option<Value>,
    /// The keys of `validate` every validation reads, taken out of it
    pub(crate) validate_parts: ValidateParts,
    /// The policy's `spec.applyRules: One`
    pub(crate) apply_one: bool,
    /// Which keys the rule and its `validate` have: a look-up in a rule document hashes the
    /// key, and validation would look up a dozen absent ones per rule of every request
    pub(crate) keys: RuleKeys,
}

/// Which keys a rule has ([`KindRule::keys`]); each flag says whether the look-up it names
/// can find anything
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RuleKeys {
    /// `context`
    pub(crate) context: bool,
    /// `preconditions`
    pub(crate) preconditions: bool,
    /// Keys of `validate`
    pub(crate) validate_keys: ValidateKeys,
}

/// Keys of a rule's `validate` object (see [`RuleKeys`]), by their snake-case names
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ValidateKeys {
    pub(crate) pod_security: bool,
    pub(crate) cel: bool,
    pub(crate) manifests: bool,
    pub(crate) assert: bool,
}

/// `message`, `pattern`, `anyPattern`, `deny` and `foreach` of a rule's `validate` object,
/// each as the rule has it (absent: `None`)
#[derive(Debug, Default)]
pub(crate) struct ValidateParts {
    pub(crate) message: Option<Value>,
    pub(crate) pattern: Option<Value>,
    pub(crate) any_pattern: Option<Value>,
    pub(crate) deny: Option<Value>,
    pub(crate) foreach: Option<Value>,
}

/// A rule's patterns prepared when the policy loads ([`KindRule::prepared`]); those with
/// variables are prepared after each substitution instead
#[derive(Debug, Clone, Default)]
pub(crate) struct PreparedPatterns {
    /// `validate.pattern`
    pub(crate) pattern: Option<Pattern>,
    /// The items of `validate.anyPattern`, when it is a list
    pub(crate) any_pattern: Option<Vec<Pattern>>,
}

impl ValidateParts {
    /// Take the parts out of a `validate` object
    fn take(validate: Option<&mut Value>) -> Self {
        let Some(Value::Object(v)) = validate else {
            return Self::default();
        };
        Self {
            message: v.remove("message"),
            pattern: v.remove("pattern"),
            any_pattern: v.remove("anyPattern"),
            deny: v.remove("deny"),
            foreach: v.remove("foreach"),
        }
    }
}

impl RuleKeys {
    fn of(rule: &Value) -> Self {
        let validate = rule.get("validate").filter(|v| v.is_object());
        let has = |key: &str| validate.is_some_and(|v| v.get(key).is_some());
        Self {
            context: rule.get("context").is_some(),
            preconditions: rule.get("preconditions").is_some(),
            validate_keys: ValidateKeys {
                pod_security: has("podSecurity"),
                cel: has("cel"),
                manifests: has("manifests"),
                assert: has("assert"),
            },
        }
    }
}

impl KindRule {
    fn new(policy: &Policy, rule: Value) -> Self {
        let mut validate = rule.get("validate").filter(|v| v.is_object()).cloned();
        let validate_parts = ValidateParts::take(validate.as_mut());
        let substitutes = |key: &str| {
            rule.get("validate")
                .and_then(|v| v.get(key))
                .is_some_and(variables::has_substitutions)
        };
        let (pattern_substitutes, any_pattern_substitutes) =
            (substitutes("pattern"), substitutes("anyPattern"));
        let prepared = PreparedPatterns {
            pattern: validate_parts
                .pattern
                .as_ref()
                .filter(|_| !pattern_substitutes)
                .map(Pattern::new),
            any_pattern: match &validate_parts.any_pattern {
                Some(Value::Array(items)) if !any_pattern_substitutes => {
                    Some(items.iter().map(Pattern::new).collect())
                }
                _ => None,
            },
        };
        Self {
            matcher: RuleMatch::parse(&rule),
            failure_action: policy.rule_failure_action(&rule),
            pattern_substitutes,
            any_pattern_substitutes,
            prepared,
            name: rule
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            keys: RuleKeys::of(&rule),
            validate,
            validate_parts,
            apply_one: policy.apply_one(),
            rule,
        }
    }
}

/// A loaded policy
#[derive(Debug, Clone)]
pub struct Policy {
    /// `apiVersion`
    pub api_version: String,
    /// `ClusterPolicy`, `Policy`, `ValidatingPolicy`, …
    pub kind: String,
    /// `metadata.name`
    pub name: String,
    /// `metadata.namespace` of a namespaced `Policy` (empty otherwise)
    pub namespace: String,
    /// The document (numbers normalised)
    pub value: Value,
    file: Option<Arc<SourceFile>>,
    positions: Positions,
    /// Autogen results per resource kind (read by every request: a webhook's concurrent
    /// requests share them)
    rules_by_kind: Arc<RwLock<foldhash::HashMap<String, Arc<Vec<KindRule>>>>>,
    /// The spec of a CEL policy as evaluated per resource kind (autogen applied); `None`
    /// when it cannot be rewritten for that kind
    cel_specs: Arc<RwLock<foldhash::HashMap<String, Option<Arc<KindSpec>>>>>,
}

impl Policy {
    /// Wrap a loaded document
    pub fn from_document(doc: &LoadedDocument) -> Option<Self> {
        let mut p = Self::from_value(doc.value.clone())?;
        p.file = Some(Arc::clone(&doc.file));
        p.positions = doc.positions.clone();
        Some(p)
    }

    /// Wrap a value without source positions
    pub fn from_value(value: Value) -> Option<Self> {
        let value = crate::value::normalized(value);
        let kind = value.get("kind")?.as_str()?.to_owned();
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let namespace = if kind == "Policy" {
            value
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_owned()
        } else {
            String::new()
        };
        Some(Self {
            api_version,
            kind,
            name,
            namespace,
            value,
            file: None,
            positions: Positions::default(),
            rules_by_kind: Arc::default(),
            cel_specs: Arc::default(),
        })
    }

    /// A kyverno.io ClusterPolicy / Policy (as opposed to a CEL policy kind)
    pub fn is_kyverno(&self) -> bool {
        matches!(self.kind.as_str(), "ClusterPolicy" | "Policy")
            && self.api_version.starts_with("kyverno.io/")
    }

    /// `spec.rules`
    pub fn rules(&self) -> &[Value] {
        self.value
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// `metadata.annotations`
    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.value
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
    }

    /// `spec.background` (default true)
    pub fn background(&self) -> bool {
        self.value
            .pointer("/spec/background")
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }

    /// `spec.applyRules: One`
    pub fn apply_one(&self) -> bool {
        self.spec("applyRules").and_then(Value::as_str) == Some("One")
    }

    /// A field of `spec`. Not `Value::pointer`: these are read per rule of every request, and
    /// a pointer look-up allocates to unescape each segment.
    fn spec(&self, key: &str) -> Option<&Value> {
        self.value.get("spec")?.get(key)
    }

    /// Policy-level failure action
    pub fn failure_action(&self) -> FailureAction {
        match self.spec("validationFailureAction").and_then(Value::as_str) {
            Some(a) if a.eq_ignore_ascii_case("enforce") => FailureAction::Enforce,
            _ => FailureAction::Audit,
        }
    }

    /// Failure action of a rule (rule-level `validate.failureAction` wins)
    pub fn rule_failure_action(&self, rule: &Value) -> FailureAction {
        match rule
            .get("validate")
            .and_then(|v| v.get("failureAction"))
            .and_then(Value::as_str)
        {
            Some(a) if a.eq_ignore_ascii_case("enforce") => FailureAction::Enforce,
            Some(a) if a.eq_ignore_ascii_case("audit") => FailureAction::Audit,
            _ => self.failure_action(),
        }
    }

    /// Rules to evaluate for a resource kind (autogen applied; computed once per kind)
    pub fn rules_for_kind(&self, kind: &str) -> Arc<Vec<KindRule>> {
        if let Ok(guard) = self.rules_by_kind.read()
            && let Some(hit) = guard.get(kind)
        {
            return Arc::clone(hit);
        }
        let rules = Arc::new(
            autogen::compute_rules(self.rules(), self.annotations(), kind)
                .into_iter()
                .map(|rule| KindRule::new(self, rule))
                .collect(),
        );
        if let Ok(mut guard) = self.rules_by_kind.write() {
            guard.insert(kind.to_owned(), Arc::clone(&rules));
        }
        rules
    }

    /// A CEL policy's spec for a resource kind, computed by `compute` once per kind: it is a
    /// copy of the spec (rewritten for pod controllers) with its constraints parsed, which a
    /// webhook would otherwise redo on every request
    pub(crate) fn cel_spec_for_kind(
        &self,
        kind: &str,
        compute: impl FnOnce() -> Option<KindSpec>,
    ) -> Option<Arc<KindSpec>> {
        if let Ok(guard) = self.cel_specs.read()
            && let Some(hit) = guard.get(kind)
        {
            return hit.clone();
        }
        let spec = compute().map(Arc::new);
        if let Ok(mut guard) = self.cel_specs.write() {
            guard.insert(kind.to_owned(), spec.clone());
        }
        spec
    }

    /// File the policy came from (or `<inline>`)
    pub fn file_name(&self) -> &str {
        self.file.as_ref().map_or("<inline>", |f| f.name.as_str())
    }

    /// A diagnostic pointing into this policy
    pub fn diagnostic(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let ptr = JsonPointer::parse(pointer);
        let pos = self
            .file
            .as_ref()
            .map(|_| self.positions.locate(&self.value, &ptr).0);
        Diagnostic::error(code, self.file_name(), pos, message)
    }
}

fn allowed_vars_re(background: bool) -> Option<&'static Regex> {
    static BG: OnceLock<Option<Regex>> = OnceLock::new();
    static FG: OnceLock<Option<Regex>> = OnceLock::new();
    if background {
        BG.get_or_init(|| {
            Regex::new(
                r"request\.|element|elementIndex|@|images|images\.|image\.|([a-z_0-9]+\()[^{}]",
            )
            .ok()
        })
        .as_ref()
    } else {
        FG.get_or_init(|| {
            Regex::new(r"request\.|serviceAccountName|serviceAccountNamespace|element|elementIndex|@|images|images\.|image\.|([a-z_0-9]+\()[^{}]").ok()
        })
        .as_ref()
    }
}

fn forbidden_user_vars() -> &'static [Regex] {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        [
            r"[^\.](serviceAccountName)\b",
            r"[^\.](serviceAccountNamespace)\b",
            r"[^\.](request.userInfo)\b",
            r"[^\.](request.roles)\b",
            r"[^\.](request.clusterRoles)\b",
        ]
        .iter()
        .filter_map(|r| Regex::new(r).ok())
        .collect()
    })
}

/// Kyverno's policy validation. An invalid kyverno.io policy is skipped by `kyverno test`.
pub fn validate_policy(p: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !p.is_kyverno() {
        return out;
    }
    let background = p.background();
    let Some(rules) = p.value.pointer("/spec/rules").and_then(Value::as_array) else {
        out.push(p.diagnostic("kyverno-policy-invalid", "/spec", "spec.rules is required"));
        return out;
    };
    // names
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        let ptr = format!("/spec/rules/{i}");
        if name.is_empty() {
            out.push(p.diagnostic("kyverno-policy-invalid", &ptr, "rule name is required"));
        } else if name.len() > 63 {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &format!("{ptr}/name"),
                format!("rule name `{name}` is longer than 63 characters"),
            ));
        } else if !seen.insert(name.to_owned()) {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &format!("{ptr}/name"),
                format!("duplicate rule name `{name}`"),
            ));
        }
        let types = ["validate", "mutate", "generate", "verifyImages"]
            .iter()
            .filter(|k| r.get(**k).is_some_and(|v| !v.is_null()))
            .count();
        if types != 1 {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &ptr,
                format!("rule `{name}` must have exactly one of validate, mutate, generate or verifyImages"),
            ));
        }
        if let Some(v) = r.get("validate").filter(|v| v.is_object()) {
            let subs = [
                "pattern",
                "anyPattern",
                "deny",
                "foreach",
                "podSecurity",
                "cel",
                "manifests",
                "assert",
            ]
            .iter()
            .filter(|k| v.get(**k).is_some_and(|x| !x.is_null()))
            .count();
            if subs != 1 {
                out.push(p.diagnostic(
                    "kyverno-policy-invalid",
                    &format!("{ptr}/validate"),
                    "validate must have exactly one of pattern, anyPattern, deny, foreach, podSecurity, cel, manifests or assert",
                ));
            }
        }
        validate_rule_resources(p, r, &ptr, background, &mut out);
        validate_context(p, r, &ptr, &mut out);
        for (key, path) in [
            ("preconditions", format!("{ptr}/preconditions")),
            ("conditions", format!("{ptr}/validate/deny/conditions")),
        ] {
            let conds = if key == "preconditions" {
                r.get("preconditions")
            } else {
                r.pointer("/validate/deny/conditions")
            };
            if let Some(c) = conds {
                validate_conditions(p, c, &path, &mut out);
            }
        }
        if !labels_are_strings(r) {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &ptr,
                "labels and annotations supports only string values, \"use double quotes around the non string values\"",
            ));
        }
        validate_anchors(p, r, &ptr, &mut out);
    }
    if !out.is_empty() {
        return out;
    }
    validate_variables(p, background, &mut out);
    out
}

fn validate_rule_resources(
    p: &Policy,
    r: &Value,
    ptr: &str,
    background: bool,
    out: &mut Vec<Diagnostic>,
) {
    for block in ["match", "exclude"] {
        let Some(b) = r.get(block) else {
            if block == "match" {
                out.push(p.diagnostic(
                    "kyverno-policy-invalid",
                    ptr,
                    "match resources not specified",
                ));
            }
            continue;
        };
        let has_any = b
            .get("any")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let has_all = b
            .get("all")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let plain = b
            .get("resources")
            .is_some_and(|r| r.as_object().is_some_and(|m| !m.is_empty()));
        if (has_any || has_all) && plain {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &format!("{ptr}/{block}"),
                format!("can't specify any/all together with {block} resources"),
            ));
        }
        if has_any && has_all {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &format!("{ptr}/{block}"),
                "can't specify any and all together",
            ));
        }
        let mut filters: Vec<(String, &Value)> = Vec::new();
        if has_any {
            for (j, f) in b["any"].as_array().into_iter().flatten().enumerate() {
                filters.push((format!("{ptr}/{block}/any/{j}"), f));
            }
        } else if has_all {
            for (j, f) in b["all"].as_array().into_iter().flatten().enumerate() {
                filters.push((format!("{ptr}/{block}/all/{j}"), f));
            }
        } else {
            filters.push((format!("{ptr}/{block}"), b));
        }
        for (fp, f) in filters {
            let kinds: Vec<&str> = f
                .pointer("/resources/kinds")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if kinds.contains(&"*") {
                if background {
                    out.push(p.diagnostic(
                        "kyverno-policy-invalid",
                        &format!("{fp}/resources/kinds"),
                        "wildcard policy not allowed in background mode. Set spec.background=false to disable background mode for this policy rule",
                    ));
                } else if kinds.len() > 1 {
                    out.push(p.diagnostic(
                        "kyverno-policy-invalid",
                        &format!("{fp}/resources/kinds"),
                        "wildcard policy can not deal with more than one kind",
                    ));
                }
            }
            if block == "match" {
                let user = ["roles", "clusterRoles", "subjects"].iter().any(|k| {
                    f.get(*k)
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                });
                let rd_empty = f
                    .get("resources")
                    .is_none_or(|r| r.as_object().is_none_or(Map::is_empty));
                if rd_empty && !user {
                    out.push(p.diagnostic(
                        "kyverno-policy-invalid",
                        &fp,
                        "match resources not specified",
                    ));
                } else if kinds.is_empty() {
                    out.push(p.diagnostic(
                        "kyverno-policy-invalid",
                        &fp,
                        "at least one element must be specified in a kind block, the kind attribute is mandatory when working with the resources element",
                    ));
                }
            }
            if background {
                for k in ["roles", "clusterRoles", "subjects"] {
                    if f.get(k)
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                    {
                        out.push(p.diagnostic(
                            "kyverno-policy-invalid",
                            &format!("{fp}/{k}"),
                            format!("only select variables are allowed in background mode. Set spec.background=false to disable background mode for this policy rule: invalid variable used at path: {fp}/{k}"),
                        ));
                    }
                }
            }
        }
        // variables are not allowed in match/exclude
        if variables::has_variables(&b.to_string()) {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &format!("{ptr}/{block}"),
                format!("rule should not have variables in {block} section"),
            ));
        }
    }
}

fn validate_context(p: &Policy, r: &Value, ptr: &str, out: &mut Vec<Diagnostic>) {
    let Some(entries) = r.get("context").and_then(Value::as_array) else {
        return;
    };
    for (i, e) in entries.iter().enumerate() {
        let ep = format!("{ptr}/context/{i}");
        let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &ep,
                "a name is required for context entries",
            ));
            continue;
        }
        for v in [
            "images",
            "request",
            "serviceAccountName",
            "serviceAccountNamespace",
            "element",
            "elementIndex",
        ] {
            if name == v || name.starts_with(&format!("{v}.")) {
                out.push(p.diagnostic(
                    "kyverno-policy-invalid",
                    &format!("{ep}/name"),
                    format!("entry name {name} is invalid as it conflicts with a pre-defined variable {v}"),
                ));
            }
        }
        let kinds = [
            "configMap",
            "apiCall",
            "imageRegistry",
            "variable",
            "globalReference",
        ]
        .iter()
        .filter(|k| e.get(**k).is_some())
        .count();
        if kinds != 1 {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &ep,
                "exactly one of configMap or apiCall or imageRegistry or variable is required for context entries",
            ));
        }
        if let Some(v) = e.get("variable") {
            let jp = v
                .get("jmesPath")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if v.get("value").is_none() && jp.is_empty() {
                out.push(p.diagnostic(
                    "kyverno-policy-invalid",
                    &format!("{ep}/variable"),
                    "a variable must define a value or a jmesPath expression",
                ));
            }
            if !jp.is_empty()
                && !jp.contains("{{")
                && let Err(err) = crate::jmespath::compile(jp)
            {
                out.push(p.diagnostic(
                    "kyverno-jmespath-syntax",
                    &format!("{ep}/variable/jmesPath"),
                    format!("failed to parse JMESPath {jp}: {err}"),
                ));
            }
        }
    }
}

fn validate_conditions(p: &Policy, c: &Value, ptr: &str, out: &mut Vec<Diagnostic>) {
    let mut list: Vec<(String, &Value)> = Vec::new();
    match c {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                list.push((format!("{ptr}/{i}"), x));
            }
        }
        Value::Object(m) => {
            for key in ["any", "all"] {
                if let Some(Value::Array(a)) = m.get(key) {
                    for (i, x) in a.iter().enumerate() {
                        list.push((format!("{ptr}/{key}/{i}"), x));
                    }
                }
            }
        }
        _ => {}
    }
    for (cp, cond) in list {
        let key = cond.get("key");
        let op = cond
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if key.is_none_or(Value::is_null)
            || cond.get("value").is_none_or(Value::is_null)
            || op.is_empty()
        {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &cp,
                "entered value of `key`, `value` or `operator` is missing or misspelled",
            ));
            continue;
        }
        if crate::conditions::Op::parse(op).is_none() {
            out.push(p.diagnostic(
                "kyverno-policy-invalid",
                &format!("{cp}/operator"),
                format!("entered value of `operator` is invalid: {op}"),
            ));
            continue;
        }
        if let Some(Value::String(k)) = key
            && k.replace(' ', "") == "{{request.operation}}"
        {
            let allowed = ["CREATE", "UPDATE", "DELETE", "CONNECT"];
            let bad = match cond.get("value") {
                Some(Value::String(v)) => {
                    !(v.starts_with("{{") && v.ends_with("}}") || allowed.contains(&v.as_str()))
                }
                Some(Value::Array(vs)) => vs
                    .iter()
                    .any(|v| v.as_str().is_none_or(|s| !allowed.contains(&s))),
                _ => true,
            };
            if bad {
                out.push(p.diagnostic(
                    "kyverno-policy-invalid",
                    &format!("{cp}/value"),
                    "unknown value found under the 'value' field. Only the following values are allowed: [CREATE, UPDATE, DELETE, CONNECT]",
                ));
            }
        }
    }
}

fn labels_are_strings(r: &Value) -> bool {
    fn check_meta(meta: &Value) -> bool {
        ["labels", "annotations"]
            .iter()
            .all(|k| match meta.get(*k) {
                Some(Value::Object(m)) => m.values().all(Value::is_string),
                _ => true,
            })
    }
    fn check(p: &Value) -> bool {
        let Value::Object(m) = p else { return true };
        if let Some(meta) = m.get("metadata") {
            return check_meta(meta);
        }
        if let Some(meta) = p.pointer("/spec/template/metadata") {
            return check_meta(meta);
        }
        true
    }
    let mut patterns = Vec::new();
    if let Some(v) = r.get("validate") {
        if let Some(Value::Array(fe)) = v.get("foreach") {
            if let Some(p) = fe.iter().find_map(|f| f.get("pattern")) {
                patterns.push(p);
            }
        } else if let Some(p) = v.get("pattern") {
            patterns.push(p);
        } else if let Some(Value::Array(ap)) = v.get("anyPattern") {
            patterns.extend(ap.iter());
        }
    }
    if let Some(m) = r.get("mutate") {
        if let Some(Value::Array(fe)) = m.get("foreach") {
            if let Some(p) = fe.iter().find_map(|f| f.get("patchStrategicMerge")) {
                patterns.push(p);
            }
        } else if let Some(p) = m.get("patchStrategicMerge") {
            patterns.push(p);
        }
    }
    patterns.into_iter().all(check)
}

/// Keys that look like anchors but are malformed (`(key` …) are policy errors
fn validate_anchors(p: &Policy, r: &Value, ptr: &str, out: &mut Vec<Diagnostic>) {
    fn walk(v: &Value, path: &str, bad: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let looks = (k.starts_with('(')
                        || k.starts_with("=(")
                        || k.starts_with("X(")
                        || k.starts_with("^(")
                        || k.starts_with("<(")
                        || k.starts_with("+("))
                        && crate::anchor::Anchor::parse(k).is_none();
                    let child = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                    if looks {
                        bad.push((child.clone(), k.clone()));
                    }
                    walk(x, &child, bad);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}/{i}"), bad);
                }
            }
            _ => {}
        }
    }
    let mut bad = Vec::new();
    for (key, sub) in [("validate", "/validate"), ("mutate", "/mutate")] {
        if let Some(v) = r.get(key) {
            walk(v, &format!("{ptr}{sub}"), &mut bad);
        }
    }
    for (path, key) in bad {
        out.push(p.diagnostic(
            "kyverno-unknown-anchor",
            &path,
            format!("invalid anchor `{key}`: anchors are `(key)`, `=(key)`, `^(key)`, `X(key)`, `<(key)` and `+(key)`"),
        ));
    }
}

/// `ValidateVariables`: user variables in background mode, element outside foreach,
/// and every variable resolvable in a mock context of allowed names
fn validate_variables(p: &Policy, background: bool, out: &mut Vec<Diagnostic>) {
    let raw = p.value.to_string();
    if background {
        for var in variables::find_variables(&raw) {
            if forbidden_user_vars().iter().any(|re| re.is_match(&var)) {
                out.push(p.diagnostic(
                    "kyverno-policy-invalid",
                    "/spec",
                    format!("only select variables are allowed in background mode. Set spec.background=false to disable background mode for this policy rule: variable {var} is not allowed"),
                ));
                return;
            }
        }
    }
    for (i, rule) in p.rules().iter().enumerate() {
        if let Err(e) = check_element_scope(rule) {
            out.push(p.diagnostic("kyverno-policy-invalid", &format!("/spec/rules/{i}"), e));
            return;
        }
    }
    for (i, rule) in p.rules_for_kind("").iter().map(|k| &k.rule).enumerate() {
        let ptr = format!("/spec/rules/{}", i.min(p.rules().len().saturating_sub(1)));
        let mut allowed: Vec<String> = Vec::new();
        let mut add_entries = |entries: Option<&Value>| {
            for e in entries.and_then(Value::as_array).into_iter().flatten() {
                let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
                if e.get("configMap").is_some() {
                    for s in [".data", ".metadata", ".data.*", ".metadata.*"] {
                        allowed.push(format!("{name}{s}"));
                    }
                } else {
                    allowed.push(format!("{name}*"));
                }
            }
        };
        add_entries(rule.get("context"));
        // mutate existing: `target` is the resource being patched, and each target spec may
        // load its own context entries
        if let Some(targets) = rule.pointer("/mutate/targets").and_then(Value::as_array) {
            add_entries(Some(&serde_json::json!([{"name": "target"}])));
            for t in targets {
                add_entries(t.get("context"));
            }
        }
        for key in ["/validate/foreach", "/mutate/foreach"] {
            for f in rule
                .pointer(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                add_entries(f.get("context"));
                collect_nested_contexts(f, &mut add_entries);
            }
        }
        let re = allowed_vars_re(background);
        match mock_substitute(rule, re, &allowed) {
            Ok(()) => {}
            Err(msg) => {
                let (code, what) = if msg.contains("syntax") {
                    (
                        "kyverno-jmespath-syntax",
                        "policy contains invalid variables",
                    )
                } else {
                    (
                        "kyverno-policy-invalid",
                        "policy contains invalid variables",
                    )
                };
                out.push(p.diagnostic(
                    code,
                    &locate_variable_error(p, &ptr, &msg),
                    format!(
                        "{what}: variable substitution failed for rule {}: {msg}",
                        rule.get("name").and_then(Value::as_str).unwrap_or_default()
                    ),
                ));
                return;
            }
        }
    }
}

fn collect_nested_contexts(f: &Value, add: &mut impl FnMut(Option<&Value>)) {
    for nested in f
        .get("foreach")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(nested.get("context"));
        collect_nested_contexts(nested, add);
    }
}

/// Point a variable error at the first string in the rule containing the failing variable
fn locate_variable_error(p: &Policy, rule_ptr: &str, msg: &str) -> String {
    let var = if let Some(rest) = msg.strip_prefix("invalid JMESPath query ") {
        rest.split(": ").next().unwrap_or("")
    } else {
        msg.split_once("variable ")
            .map(|(_, r)| r.split([' ', ':']).next().unwrap_or(""))
            .unwrap_or("")
    };
    fn find(v: &Value, path: &str, needle: &str) -> Option<String> {
        match v {
            Value::String(s) if !needle.is_empty() && s.contains(needle) => Some(path.to_owned()),
            Value::Object(m) => m.iter().find_map(|(k, x)| {
                find(
                    x,
                    &format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                    needle,
                )
            }),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, x)| find(x, &format!("{path}/{i}"), needle)),
            _ => None,
        }
    }
    let rule = p.value.pointer(rule_ptr).cloned().unwrap_or(Value::Null);
    find(&rule, rule_ptr, var).unwrap_or_else(|| rule_ptr.to_owned())
}

/// Substitute every variable of the rule against a mock context that only knows allowed names
fn mock_substitute(rule: &Value, re: Option<&Regex>, allowed: &[String]) -> Result<(), String> {
    // references must resolve
    let with_refs = variables::substitute_references(rule).map_err(|e| e.to_string())?;
    let mut err = None;
    visit_strings(&with_refs, &mut |s| {
        if err.is_some() {
            return;
        }
        for var in variables::find_variables(s) {
            let mut expr = variables::strip_braces(&var);
            if let Some(rest) = expr.strip_prefix('-') {
                expr = rest.trim().to_owned();
            }
            if expr.is_empty() {
                err = Some("invalid query (nil)".to_owned());
                return;
            }
            // nested variables are resolved at runtime; check the inner ones only
            if expr.contains("{{") {
                continue;
            }
            if let Err(e) = crate::jmespath::compile(&expr) {
                err = Some(format!("invalid JMESPath query {expr}: {e}"));
                return;
            }
            let q = expr.replace('"', "");
            if re.is_some_and(|r| r.is_match(&q)) {
                continue;
            }
            if allowed.iter().any(|a| crate::wildcard::matches(a, &q)) {
                continue;
            }
            err = Some(format!("variable {q} must match regex"));
            return;
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn visit_strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| visit_strings(x, f)),
        Value::Object(m) => {
            for (k, x) in m {
                f(k);
                visit_strings(x, f);
            }
        }
        _ => {}
    }
}

/// `element`/`elementIndex` may only appear inside `foreach`
fn check_element_scope(rule: &Value) -> Result<(), String> {
    fn uses_element(v: &Value, skip_foreach: bool) -> bool {
        match v {
            Value::String(s) => variables::find_variables(s).iter().any(|var| {
                let e = variables::strip_braces(var);
                e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|w| {
                        w == "element"
                            || w == "elementIndex"
                            || (w.len() > 7
                                && w.starts_with("element")
                                && w[7..].chars().all(|c| c.is_ascii_digit()))
                    })
            }),
            Value::Array(a) => a.iter().any(|x| uses_element(x, skip_foreach)),
            Value::Object(m) => m
                .iter()
                .any(|(k, x)| !(skip_foreach && k == "foreach") && uses_element(x, skip_foreach)),
            _ => false,
        }
    }
    let mut probe = rule.clone();
    if let Some(m) = probe.as_object_mut() {
        m.shift_remove("match");
        m.shift_remove("exclude");
    }
    if uses_element(&probe, true) {
        return Err(
            "variable 'element' or 'elementIndex' is only allowed inside foreach".to_owned(),
        );
    }
    Ok(())
}

/// Load policies from a file's documents
pub fn policies_from_documents(docs: &[LoadedDocument]) -> (Vec<Policy>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for d in docs {
        match Policy::from_document(d) {
            Some(p) => out.push(p),
            None => diags.push(Diagnostic::error(
                "kyverno-policy-invalid",
                &d.file.name,
                Some(d.start),
                "document is not a policy (no `kind`)",
            )),
        }
    }
    (out, diags)
}
