//! `kyverno test`: `kyverno-test.yaml` suites (`cli.kyverno.io/v1alpha1 Test`) with the
//! CLI's loading rules and comparison semantics (`commands/test`), plus a strict mode.
//!
//! Kyverno's comparison is lenient on purpose and this copies it: entries resolve resources by
//! name only (falling back to every resource), a policy response without the named rule is a
//! pass ("Excluded"), an invalid policy is a pass ("Invalid Policy"), and `rule: foo` also
//! matches `autogen-foo` / `autogen-cronjob-foo`. `--strict` turns those leniencies into
//! failures and compares resources exactly.

use crate::engine::{self, Admission, EngineResponse, RuleStatus, RuleType};
use crate::matching::RequestInfo;
use crate::policy::{self, Policy};
use crate::value::{deep_equal, tidy};
use palisade_source::Diagnostic;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// How to run suites
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Compare exactly instead of with Kyverno's leniencies
    pub strict: bool,
}

/// Outcome of one check (one resource × rule response of an entry)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Matches the expectation (or passes by Kyverno's leniency)
    Pass,
    /// Does not
    Fail,
    /// Not evaluated (rule skipped by Kyverno's harness, e.g. `Excluded`)
    Skip,
}

/// One check of an entry
#[derive(Debug, Clone)]
pub struct Check {
    /// Resource (`ns/name` or `name`)
    pub resource: String,
    /// Rule response name, if any
    pub rule: String,
    /// Pass / fail / skip
    pub outcome: Outcome,
    /// Why (`Ok`, `Excluded`, `Want fail, got pass`, …)
    pub reason: String,
    /// The rule's message
    pub message: String,
}

/// One `results` entry of a test
#[derive(Debug, Clone)]
pub struct Row {
    /// Index in `results`
    pub index: usize,
    /// `policy`
    pub policy: String,
    /// `rule`
    pub rule: String,
    /// Expected `result`
    pub expected: String,
    /// `kind`
    pub kind: String,
    /// Names in `resources`
    pub resources: Vec<String>,
    /// The checks it produced
    pub checks: Vec<Check>,
    /// Set when the row could not be evaluated (the test's inputs are incomplete)
    pub skipped: Option<String>,
}

impl Row {
    /// Whether the row passed (evaluated, no failing check)
    pub fn passed(&self) -> bool {
        self.skipped.is_none() && !self.checks.iter().any(|c| c.outcome == Outcome::Fail)
    }

    /// Pass, fail, or skip (not evaluated)
    pub fn outcome(&self) -> Outcome {
        if self.skipped.is_some() {
            Outcome::Skip
        } else if self.passed() {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

/// The result of one test document
#[derive(Debug, Clone)]
pub struct SuiteResult {
    /// The `kyverno-test.yaml` file
    pub file: PathBuf,
    /// `metadata.name`
    pub name: String,
    /// Rows, in `results` order
    pub rows: Vec<Row>,
    /// Problems loading the test, policies or resources
    pub diagnostics: Vec<Diagnostic>,
    /// A test that could not run at all
    pub error: Option<String>,
}

/// Find `kyverno-test.yaml` files under the given paths (recursively, sorted)
pub fn discover(paths: &[PathBuf], file_name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(p)
            .follow_links(true)
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.file_type().is_file() && entry.file_name() == file_name {
                out.push(entry.into_path());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Kinds the Kyverno CLI's discovery data knows as cluster-scoped
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "APIService",
    "CertificateSigningRequest",
    "PodSecurityPolicy",
    "ComponentStatus",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "TokenReview",
    "SubjectAccessReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "ClusterPolicy",
    "ClusterCleanupPolicy",
    "ClusterPolicyReport",
    "ClusterEphemeralReport",
    "ClusterAdmissionReport",
    "ClusterBackgroundScanReport",
    "IPAddress",
    "ServiceCIDR",
    "DeviceClass",
    "ResourceSlice",
    "VolumeAttributesClass",
];

/// Is a kind cluster-scoped (unknown kinds are namespaced)
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// `YamlToUnstructured` normalisation: default namespace, `null` maps become `{}`
pub fn normalize_resource(mut r: Value) -> Value {
    fn fix_nulls(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if x.is_null()
                        && matches!(
                            k.as_str(),
                            "annotations"
                                | "labels"
                                | "matchLabels"
                                | "nodeSelector"
                                | "data"
                                | "stringData"
                        )
                    {
                        *x = Value::Object(Map::new());
                    } else {
                        fix_nulls(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(fix_nulls),
            _ => {}
        }
    }
    crate::value::normalize(&mut r);
    fix_nulls(&mut r);
    let kind = r
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !is_cluster_scoped(&kind)
        && let Some(meta) = r.as_object_mut().map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()))
        })
        && let Some(m) = meta.as_object_mut()
    {
        let empty = m
            .get("namespace")
            .is_none_or(|n| n.as_str().is_none_or(str::is_empty));
        if empty {
            m.insert("namespace".into(), Value::String("default".into()));
        }
    }
    r
}

fn key_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Resources of a file (expanding `kind: *List`)
fn load_resources(path: &Path, diags: &mut Vec<Diagnostic>) -> Vec<Value> {
    let (docs, d) = crate::yaml::load_file(path);
    diags.extend(d.into_iter().filter(Diagnostic::is_error));
    let mut out = Vec::new();
    for doc in docs {
        let v = doc.value;
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind.ends_with("List")
            && let Some(items) = v.get("items").and_then(Value::as_array)
        {
            out.extend(items.iter().cloned().map(normalize_resource));
            continue;
        }
        if v.is_object() {
            out.push(normalize_resource(v));
        }
    }
    out
}

fn res_id(r: &Value) -> (String, String, String, String) {
    let s = |p: &str| {
        r.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

fn res_label(r: &Value) -> String {
    let (_, _, ns, name) = res_id(r);
    if ns.is_empty() {
        name
    } else {
        format!("{ns}/{name}")
    }
}

/// Data provided besides the resources under test: the CEL libraries' mocks (the test's
/// `context` file), target resources for mutate existing and param resources for
/// `validate.cel`
#[derive(Debug, Clone, Default)]
pub struct CelData {
    /// Resources for `resource.Get` / `resource.List`
    pub resources: std::sync::Arc<Vec<Value>>,
    /// Image metadata for `image.GetMetadata`, by image reference
    pub images: std::sync::Arc<Map<String, Value>>,
    /// Existing resources `mutate.targets` select from
    pub targets: std::sync::Arc<Vec<Value>>,
    /// Resources `validate.cel` `paramRef` selects from
    pub params: std::sync::Arc<Vec<Value>>,
}

impl CelData {
    /// As `kyverno apply` sees resources given on the command line: they are also the
    /// existing resources mutate-existing rules target and the params `paramRef` selects
    pub fn from_resources(resources: &[Value]) -> Self {
        let all = std::sync::Arc::new(resources.to_vec());
        Self {
            targets: std::sync::Arc::clone(&all),
            params: all,
            ..Self::default()
        }
    }
}

/// Values of one policy's rules or resources: name → (key, value) pairs
type NamedValues = HashMap<String, Vec<(String, Value)>>;

/// `foreachValues` of one policy's rules: rule → (key, value per element index)
type ForeachValues = HashMap<String, Vec<(String, Vec<Value>)>>;

/// A values file (`cli.kyverno.io/v1alpha1 Values`)
#[derive(Debug, Default, Clone)]
pub struct Values {
    global: Vec<(String, Value)>,
    /// policy → resource → values
    resource_values: HashMap<String, NamedValues>,
    /// policy → rule → values
    rule_values: HashMap<String, NamedValues>,
    /// policy → rule → foreach values
    foreach_values: HashMap<String, ForeachValues>,
    namespace_labels: HashMap<String, Map<String, Value>>,
    namespaces: HashMap<String, Value>,
}

fn map_pairs(v: Option<&Value>) -> Vec<(String, Value)> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

impl Values {
    /// The admission a policy sees for a resource: operation (default `CREATE`, or
    /// `request.operation` from values), global then per-resource values, per-rule values,
    /// namespace labels / object for namespace selectors
    pub fn admission(
        &self,
        policy: &Policy,
        resource: &Value,
        user: Option<&RequestInfo>,
        cel: &CelData,
    ) -> Admission<'_> {
        let (_, kind, ns, rname) = res_id(resource);
        let mut vars = self.global.clone();
        if let Some(v) = self
            .resource_values
            .get(&policy.name)
            .and_then(|m| m.get(&rname))
        {
            vars.extend(v.iter().cloned());
        }
        let operation = vars
            .iter()
            .rev()
            .find(|(k, _)| k == "request.operation")
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "CREATE".to_owned());
        let lookup_ns = if kind == "Namespace" {
            rname.clone()
        } else {
            ns
        };
        Admission {
            operation,
            user: user.cloned(),
            namespace_labels: self
                .namespace_labels
                .get(&lookup_ns)
                .map_or_else(Cow::default, Cow::Borrowed),
            namespace_object: self.namespaces.get(&lookup_ns).map(Cow::Borrowed),
            variables: vars,
            rule_values: self
                .rule_values
                .get(&policy.name)
                .cloned()
                .unwrap_or_default(),
            foreach_values: self
                .foreach_values
                .get(&policy.name)
                .cloned()
                .unwrap_or_default(),
            offline: crate::contextload::OfflineData::default(),
            cluster_resources: Vec::new(),
            cel_resources: cel.resources.clone(),
            cel_images: cel.images.clone(),
            target_resources: cel.targets.clone(),
            param_resources: cel.params.clone(),
            old_object: None,
            request_fields: Map::new(),
        }
    }
}

/// The string at `name_ptr` ("" when absent) and the labels object at `labels_ptr` (empty
/// when absent) of a namespace entry
fn name_and_labels(v: &Value, name_ptr: &str, labels_ptr: &str) -> (String, Map<String, Value>) {
    let name = v
        .pointer(name_ptr)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let labels = v
        .pointer(labels_ptr)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    (name, labels)
}

/// The entries of the list at `key` (case-insensitive) of `m`
fn items<'a>(m: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    key_ci(m, key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The `name` (case-insensitive) of `m`, "" when absent
fn name_ci(m: &Map<String, Value>) -> String {
    key_ci(m, "name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Load a values file
pub fn load_values(path: &Path, diags: &mut Vec<Diagnostic>) -> Values {
    let (docs, d) = crate::yaml::load_file(path);
    diags.extend(d.into_iter().filter(Diagnostic::is_error));
    let mut vals = Values::default();
    let Some(doc) = docs.into_iter().next() else {
        return vals;
    };
    let Value::Object(m) = doc.value else {
        return vals;
    };
    vals.global = map_pairs(key_ci(&m, "globalValues"));
    for p in items(&m, "policies") {
        let Some(pm) = p.as_object() else { continue };
        let pname = name_ci(pm);
        for r in items(pm, "resources") {
            let Some(rm) = r.as_object() else { continue };
            let rname = name_ci(rm);
            vals.resource_values
                .entry(pname.clone())
                .or_default()
                .insert(rname, map_pairs(key_ci(rm, "values")));
        }
        for r in items(pm, "rules") {
            let Some(rm) = r.as_object() else { continue };
            let rname = name_ci(rm);
            vals.rule_values
                .entry(pname.clone())
                .or_default()
                .insert(rname.clone(), map_pairs(key_ci(rm, "values")));
            if let Some(Value::Object(fv)) = key_ci(rm, "foreachValues") {
                let list = fv
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_array().cloned().unwrap_or_default()))
                    .collect();
                vals.foreach_values
                    .entry(pname.clone())
                    .or_default()
                    .insert(rname, list);
            }
        }
    }
    for ns in items(&m, "namespaceSelector") {
        let (name, labels) = name_and_labels(ns, "/name", "/labels");
        vals.namespace_labels.insert(name, labels);
    }
    for ns in items(&m, "namespaces") {
        let (name, labels) = name_and_labels(ns, "/metadata/name", "/metadata/labels");
        vals.namespace_labels.entry(name.clone()).or_insert(labels);
        vals.namespaces.insert(name, ns.clone());
    }
    vals
}

/// Load a userinfo file (`cli.kyverno.io/v1alpha1 UserInfo`)
pub fn load_userinfo(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<RequestInfo> {
    let (docs, d) = crate::yaml::load_file(path);
    diags.extend(d.into_iter().filter(Diagnostic::is_error));
    let doc = docs.into_iter().next()?;
    let m = doc.value.as_object()?.clone();
    Some(RequestInfo {
        roles: strings(key_ci(&m, "roles")),
        cluster_roles: strings(key_ci(&m, "clusterRoles")),
        user_info: key_ci(&m, "userInfo")
            .cloned()
            .unwrap_or(Value::Object(Map::new())),
    })
}

/// A policy as loaded for a test, with its validity
struct LoadedPolicy {
    policy: Policy,
    invalid: bool,
}

/// Everything one test evaluates
struct Evaluated {
    /// per resource: (resource, responses)
    per_resource: Vec<(Value, Vec<EngineResponse>)>,
}

/// Run every test document of a `kyverno-test.yaml`
pub fn run_file(path: &Path, opts: &Options) -> Vec<SuiteResult> {
    let (docs, diags) = crate::yaml::load_file(path);
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    if docs.is_empty() {
        return vec![SuiteResult {
            file: path.to_owned(),
            name: String::new(),
            rows: Vec::new(),
            diagnostics: diags,
            error: Some("no test document".to_owned()),
        }];
    }
    docs.into_iter()
        .map(|d| run_doc(path, base, &d.value, diags.clone(), opts))
        .collect()
}

fn rel(base: &Path, p: &str) -> PathBuf {
    let pb = PathBuf::from(p);
    if pb.is_absolute() { pb } else { base.join(pb) }
}

fn run_doc(
    file: &Path,
    base: &Path,
    doc: &Value,
    mut diags: Vec<Diagnostic>,
    opts: &Options,
) -> SuiteResult {
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut result = SuiteResult {
        file: file.to_owned(),
        name,
        rows: Vec::new(),
        diagnostics: Vec::new(),
        error: None,
    };
    let Some(m) = doc.as_object() else {
        result.error = Some("test document is not a mapping".to_owned());
        return result;
    };
    if key_ci(m, "apiVersion").is_none() || key_ci(m, "kind").is_none() {
        result.error = Some("test is deprecated: apiVersion and kind are required".to_owned());
        return result;
    }
    // policies
    let mut seen = HashSet::new();
    let mut policies: Vec<LoadedPolicy> = Vec::new();
    for p in strings(key_ci(m, "policies")) {
        if !seen.insert(p.clone()) {
            continue;
        }
        let (docs, d) = crate::yaml::load_file(&rel(base, &p));
        diags.extend(d.into_iter().filter(Diagnostic::is_error));
        let (ps, d) = policy::policies_from_documents(&docs);
        diags.extend(d);
        for pol in ps {
            let errs = policy::validate_policy(&pol);
            let invalid = !errs.is_empty();
            diags.extend(errs);
            policies.push(LoadedPolicy {
                policy: pol,
                invalid,
            });
        }
    }
    // resources (duplicates by GVK/ns/name dropped)
    let mut resources: Vec<Value> = Vec::new();
    let mut seen_paths = HashSet::new();
    let mut ids = HashSet::new();
    let mut missing = Vec::new();
    for r in strings(key_ci(m, "resources")) {
        if !seen_paths.insert(r.clone()) {
            continue;
        }
        let path = rel(base, &r);
        if !path.exists() {
            missing.push(r.clone());
        }
        for res in load_resources(&path, &mut diags) {
            if ids.insert(res_id(&res)) {
                resources.push(res);
            }
        }
    }
    let values = key_ci(m, "variables")
        .and_then(Value::as_str)
        .map(|v| load_values(&rel(base, v), &mut diags))
        .unwrap_or_default();
    let user = key_ci(m, "userinfo")
        .and_then(Value::as_str)
        .and_then(|u| load_userinfo(&rel(base, u), &mut diags));
    let mut targets = Vec::new();
    for t in strings(key_ci(m, "targetResources")) {
        targets.extend(load_resources(&rel(base, &t), &mut diags));
    }
    // params come from `paramResources` and, as in the CLI's fake cluster, the resources
    let mut params = Vec::new();
    for p in strings(key_ci(m, "paramResources")) {
        params.extend(load_resources(&rel(base, &p), &mut diags));
    }
    params.extend(resources.iter().cloned());
    let mut param_ids = HashSet::new();
    params.retain(|p| param_ids.insert(res_id(p)));
    let mut cel_resources = Vec::new();
    let mut cel_images = Map::new();
    if let Some(c) = key_ci(m, "context").and_then(Value::as_str) {
        let (docs, d) = crate::yaml::load_file(&rel(base, c));
        diags.extend(d.into_iter().filter(Diagnostic::is_error));
        for doc in docs {
            for img in doc
                .value
                .pointer("/spec/images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = img.get("image").and_then(Value::as_str) {
                    cel_images.insert(name.to_owned(), img.clone());
                }
            }
            for r in doc
                .value
                .pointer("/spec/resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                cel_resources.push(normalize_resource(r.clone()));
            }
        }
    }
    let cel = CelData {
        resources: std::sync::Arc::new(cel_resources),
        images: std::sync::Arc::new(cel_images),
        targets: std::sync::Arc::new(targets),
        params: std::sync::Arc::new(params),
    };
    let evaluated = evaluate(&policies, &resources, &values, user.as_ref(), &cel);
    let results: Vec<Value> = key_ci(m, "results")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, entry) in results.iter().enumerate() {
        let mut row = check_entry(i, entry, base, &policies, &resources, &evaluated, opts);
        if !missing.is_empty() {
            // `kyverno test` stops on a resource file it cannot load: nothing was evaluated
            row.skipped = Some(format!("resource file(s) missing: {}", missing.join(", ")));
        }
        result.rows.push(row);
    }
    if !missing.is_empty() {
        result.error = Some(format!(
            "failed to load resources: {} not found",
            missing.join(", ")
        ));
    }
    result.diagnostics = diags;
    result
}

fn evaluate(
    policies: &[LoadedPolicy],
    resources: &[Value],
    values: &Values,
    user: Option<&RequestInfo>,
    cel: &CelData,
) -> Evaluated {
    let valid: Vec<&Policy> = policies
        .iter()
        .filter(|p| !p.invalid)
        .map(|p| &p.policy)
        .collect();
    let mut per_resource = Vec::new();
    for res in resources {
        let adm_for = |p: &Policy| values.admission(p, res, user, cel);
        let responses = engine::apply_policies_with(&valid, res, &adm_for);
        per_resource.push((res.clone(), responses));
    }
    Evaluated { per_resource }
}

/// Kyverno's `FixupGenerateLabels` + `Tidy`
fn prepare_for_compare(v: &Value, strict: bool) -> Value {
    let mut v = v.clone();
    if let Some(labels) = v
        .get_mut("metadata")
        .and_then(|m| m.as_object_mut())
        .map(|m| {
            m.entry("labels")
                .or_insert_with(|| Value::Object(Map::new()))
        })
        && let Some(l) = labels.as_object_mut()
    {
        l.retain(|k, _| !k.starts_with("generate.kyverno.io/"));
        l.insert(
            "app.kubernetes.io/managed-by".into(),
            Value::String("kyverno".into()),
        );
    }
    if strict {
        v
    } else {
        tidy(&v).unwrap_or(Value::Null)
    }
}

fn resources_equal(actual: &Value, expected: &Value, strict: bool) -> bool {
    deep_equal(
        &prepare_for_compare(actual, strict),
        &prepare_for_compare(expected, strict),
    )
}

fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn check_entry(
    index: usize,
    entry: &Value,
    base: &Path,
    policies: &[LoadedPolicy],
    resources: &[Value],
    evaluated: &Evaluated,
    opts: &Options,
) -> Row {
    let empty = Map::new();
    let m = entry.as_object().unwrap_or(&empty);
    let s = |k: &str| {
        key_ci(m, k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut row = Row {
        index,
        policy: s("policy"),
        rule: s("rule"),
        expected: s("result"),
        kind: s("kind"),
        resources: strings(key_ci(m, "resources")),
        checks: Vec::new(),
        skipped: None,
    };
    let policy_name = last_segment(&row.policy).to_owned();
    let expected = RuleStatus::parse(&row.expected);
    // resolve resources by name or namespace/name
    let mut selected: Vec<usize> = Vec::new();
    for want in &row.resources {
        for (i, r) in resources.iter().enumerate() {
            let (_, kind, ns, name) = res_id(r);
            let hit = *want == name || *want == format!("{ns}/{name}");
            if hit
                && (!opts.strict || row.kind.is_empty() || row.kind == kind)
                && !selected.contains(&i)
            {
                selected.push(i);
            }
        }
        if opts.strict
            && !resources.iter().any(|r| {
                let (_, _, ns, name) = res_id(r);
                *want == name || *want == format!("{ns}/{name}")
            })
        {
            row.checks.push(Check {
                resource: want.clone(),
                rule: row.rule.clone(),
                outcome: Outcome::Fail,
                reason: "Resource not found".to_owned(),
                message: String::new(),
            });
        }
    }
    if selected.is_empty() && !opts.strict {
        selected = (0..resources.len()).collect();
    }
    // the expected resources of the first of `keys` that names a file
    let expected_file = |keys: [&str; 2]| -> Option<Vec<Value>> {
        let file = keys.iter().map(|k| s(k)).find(|f| !f.is_empty())?;
        let mut d = Vec::new();
        Some(load_resources(&rel(base, &file), &mut d))
    };
    let patched_expected = expected_file(["patchedResources", "patchedResource"]);
    let generated_expected = expected_file(["generatedResource", "generatedResources"]);
    let invalid_policy = policies
        .iter()
        .any(|p| p.invalid && p.policy.name == policy_name);
    for i in selected {
        let Some((res, responses)) = evaluated.per_resource.get(i) else {
            continue;
        };
        let label = res_label(res);
        let mine: Vec<&EngineResponse> = responses
            .iter()
            .filter(|r| r.policy == policy_name)
            .collect();
        if mine.is_empty() {
            if invalid_policy {
                row.checks.push(Check {
                    resource: label.clone(),
                    rule: row.rule.clone(),
                    outcome: if opts.strict {
                        Outcome::Fail
                    } else {
                        Outcome::Skip
                    },
                    reason: "Invalid Policy".to_owned(),
                    message: String::new(),
                });
            } else {
                row.checks.push(Check {
                    resource: label.clone(),
                    rule: row.rule.clone(),
                    outcome: Outcome::Fail,
                    reason: "Not found".to_owned(),
                    message: String::new(),
                });
            }
            continue;
        }
        for resp in mine {
            let ruleless = !matches!(resp.policy_kind.as_str(), "ClusterPolicy" | "Policy");
            let rule_resps: Vec<&engine::RuleResponse> = resp
                .rules
                .iter()
                .filter(|r| {
                    row.rule.is_empty()
                        || ruleless
                        || r.name == row.rule
                        || r.name == format!("autogen-{}", row.rule)
                        || r.name == format!("autogen-cronjob-{}", row.rule)
                })
                .collect();
            if rule_resps.is_empty() {
                let strict_fail = opts.strict && expected != Some(RuleStatus::Skip);
                row.checks.push(Check {
                    resource: label.clone(),
                    rule: row.rule.clone(),
                    outcome: if strict_fail {
                        Outcome::Fail
                    } else {
                        Outcome::Skip
                    },
                    reason: "Excluded".to_owned(),
                    message: String::new(),
                });
                continue;
            }
            for rr in rule_resps {
                let actual_resource = if rr.rule_type == RuleType::Mutation {
                    &resp.patched
                } else {
                    &resp.resource
                };
                if let Some(exp) = &patched_expected {
                    // the resource itself, or an existing resource the rule patched
                    let want = std::iter::once(actual_resource)
                        .chain(&rr.patched_targets)
                        .find_map(|a| exp.iter().find(|e| res_id(e) == res_id(a)).map(|e| (a, e)));
                    match want {
                        None => continue,
                        Some((actual, w)) => {
                            if !resources_equal(actual, w, opts.strict) {
                                row.checks.push(Check {
                                    resource: label.clone(),
                                    rule: rr.name.clone(),
                                    outcome: Outcome::Fail,
                                    reason: "Patched resource didn't match the patched resource in the test result".to_owned(),
                                    message: rr.message.clone(),
                                });
                                continue;
                            }
                        }
                    }
                }
                if let Some(exp) = &generated_expected {
                    let mut bad = false;
                    if rr.generated.is_empty() && opts.strict {
                        bad = true;
                    }
                    for g in &rr.generated {
                        let ok = exp.iter().any(|e| resources_equal(g, e, opts.strict));
                        if !ok {
                            bad = true;
                        }
                    }
                    if bad {
                        row.checks.push(Check {
                            resource: label.clone(),
                            rule: rr.name.clone(),
                            outcome: Outcome::Fail,
                            reason: "Generated resource didn't match the generated resource in the test result".to_owned(),
                            message: rr.message.clone(),
                        });
                        continue;
                    }
                }
                let ok = expected == Some(rr.status);
                row.checks.push(Check {
                    resource: label.clone(),
                    rule: rr.name.clone(),
                    outcome: if ok { Outcome::Pass } else { Outcome::Fail },
                    reason: if ok {
                        "Ok".to_owned()
                    } else {
                        format!("Want {}, got {}", row.expected, rr.status.as_str())
                    },
                    message: rr.message.clone(),
                });
            }
        }
    }
    row
}
