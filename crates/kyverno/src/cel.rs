//! Kyverno's CEL features over the shared CEL layer (`palisade-cel`):
//!
//! - `validate.cel` rules of kyverno.io policies (`celPreconditions`, `variables`,
//!   `expressions` with `message` / `messageExpression`);
//! - `policies.kyverno.io` ValidatingPolicy and MutatingPolicy (`matchConstraints`,
//!   `matchConditions`, `variables`, `validations`, `mutations` as ApplyConfiguration or
//!   JSONPatch), with autogen for pod controllers.
//!
//! The Kyverno-only CEL libraries (`image()`, `resource.Get`, `http`, `globalContext`,
//! `imageData`, `generator`, `parseServiceAccount`) are not part of the shared Kubernetes CEL
//! environment; expressions calling them fail to evaluate and the rule reports `error`.

use crate::engine::{Admission, EngineResponse, RuleResponse, RuleStatus, RuleType};
use crate::policy::{FailureAction, Policy};
use palisade_cel::{
    Activation, Authorizer, AuthorizerConfig, CelEnv, Declarations, Limits, Program,
    RequestResource, Variable,
};
use palisade_vap::{AdmissionRequest, MatchResources};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn env() -> Result<&'static CelEnv, String> {
    static ENV: OnceLock<Result<CelEnv, String>> = OnceLock::new();
    ENV.get_or_init(|| CelEnv::kubernetes().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

fn authorizer_config() -> Arc<AuthorizerConfig> {
    static CFG: OnceLock<Arc<AuthorizerConfig>> = OnceLock::new();
    Arc::clone(CFG.get_or_init(|| Arc::new(AuthorizerConfig::allow_all())))
}

const ROOTS: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "namespaceObject",
    "authorizer",
    "params",
    IMAGE_DATA,
];

fn decls(variables: &[String]) -> Declarations {
    Declarations {
        roots: ROOTS.iter().map(|s| (*s).to_owned()).collect(),
        variables: variables.to_vec(),
        typed_request: true,
    }
}

/// Compile, caching by expression and declared variables: the same policies are evaluated for
/// every resource
fn compile(env: &CelEnv, src: &str, vars: &[String]) -> Result<Program, String> {
    type Cache = Mutex<HashMap<(String, Vec<String>), Result<Program, String>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (src.to_owned(), vars.to_vec());
    if let Ok(guard) = cache.lock()
        && let Some(hit) = guard.get(&key)
    {
        return hit.clone();
    }
    let result = env.compile(src, &decls(vars)).map_err(|e| e.to_string());
    if let Ok(mut guard) = cache.lock() {
        if guard.len() > 20_000 {
            guard.clear();
        }
        guard.insert(key, result.clone());
    }
    result
}

/// Compile `variables: [{name, expression}]` in order (each sees the earlier ones)
fn compile_variables(
    env: &CelEnv,
    specs: Option<&Value>,
    expand: &dyn Fn(&str) -> String,
) -> Result<Vec<Variable>, String> {
    let mut out = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for v in specs.and_then(Value::as_array).into_iter().flatten() {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let expr = expand(
            v.get("expression")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let program = compile(env, &expr, &names).map_err(|e| format!("variable {name:?}: {e}"))?;
        names.push(name.clone());
        out.push(Variable { name, program });
    }
    Ok(out)
}

/// The inputs of one evaluation
struct Inputs {
    image_data: Value,
    req: AdmissionRequest,
    request: Value,
    namespace_object: Option<Value>,
    authorizer: Authorizer,
}

fn inputs(resource: &Value, adm: &Admission) -> Inputs {
    let op = if adm.operation.is_empty() {
        "CREATE"
    } else {
        adm.operation.as_str()
    };
    let mut req = AdmissionRequest::for_object(resource.clone(), op, None);
    if let Some(u) = &adm.user {
        req.user.username = u
            .user_info
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        req.user.groups = u
            .user_info
            .get("groups")
            .and_then(Value::as_array)
            .map(|g| {
                g.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }
    let request = req.cel_request();
    let authorizer = Authorizer::new(
        authorizer_config(),
        req.user.username.clone(),
        RequestResource {
            group: req.group.clone(),
            resource: req.resource.clone(),
            subresource: req.subresource.clone(),
            namespace: req.namespace.clone(),
            name: req.name.clone(),
        },
    );
    let namespace_object = if req.namespaced && !req.namespace.is_empty() {
        Some(adm.namespace_object.clone().unwrap_or_else(|| {
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": req.namespace,
                "labels": Value::Object(adm.namespace_labels.clone()),
            }})
        }))
    } else {
        None
    };
    Inputs {
        image_data: Value::Object(adm.cel_images.clone()),
        req,
        request,
        namespace_object,
        authorizer,
    }
}

fn activation<'a>(env: &CelEnv, i: &'a Inputs, vars: &'a [Variable]) -> Activation<'a> {
    let mut act = Activation::new(env, Limits::default(), 10_000_000);
    act.bind_json("object", i.req.object.as_ref());
    act.bind_json("oldObject", i.req.old_object.as_ref());
    act.bind_json("request", Some(&i.request));
    act.bind_json("namespaceObject", i.namespace_object.as_ref());
    act.bind_json("params", None);
    act.bind_json(IMAGE_DATA, Some(&i.image_data));
    act.bind_authorizer(i.authorizer.clone());
    act.set_variables(vars);
    act
}

fn resp(
    name: &str,
    rule_type: RuleType,
    status: RuleStatus,
    message: impl Into<String>,
) -> RuleResponse {
    RuleResponse {
        name: name.to_owned(),
        rule_type,
        status,
        message: message.into(),
        generated: Vec::new(),
        failure_action: FailureAction::Audit,
    }
}

/// Outcome of match conditions
enum Conditions {
    Met,
    NotMet,
    Error(String),
}

fn check_conditions(
    env: &CelEnv,
    act: &mut Activation<'_>,
    conds: Option<&Value>,
    vars: &[String],
    expand: &dyn Fn(&str) -> String,
) -> Conditions {
    for c in conds.and_then(Value::as_array).into_iter().flatten() {
        let expr = expand(
            c.get("expression")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let program = match compile(env, &expr, vars) {
            Ok(p) => p,
            Err(e) => return Conditions::Error(e),
        };
        match act.eval_bool(&program) {
            Ok(true) => {}
            Ok(false) => return Conditions::NotMet,
            Err(e) => return Conditions::Error(e.to_string()),
        }
    }
    Conditions::Met
}

/// Outcome of a validations list
enum Validations {
    Pass,
    Fail(String),
    Error(String),
}

fn run_validations(
    env: &CelEnv,
    act: &mut Activation<'_>,
    list: Option<&Value>,
    vars: &[String],
    default_message: Option<&str>,
    expand: &dyn Fn(&str) -> String,
) -> Validations {
    for v in list.and_then(Value::as_array).into_iter().flatten() {
        let raw = v
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let expr = expand(raw);
        let program = match compile(env, &expr, vars) {
            Ok(p) => p,
            Err(e) => return Validations::Error(e),
        };
        match act.eval_bool(&program) {
            Ok(true) => {}
            Ok(false) => {
                let mut msg = None;
                if let Some(me) = v.get("messageExpression").and_then(Value::as_str)
                    && let Ok(p) = compile(env, &expand(me), vars)
                    && let Ok(Some(s)) = act.eval_string(&p)
                    && !s.trim().is_empty()
                    && !s.contains('\n')
                {
                    msg = Some(s);
                }
                let msg = msg
                    .or_else(|| {
                        v.get("message")
                            .and_then(Value::as_str)
                            .filter(|m| !m.is_empty())
                            .map(str::to_owned)
                    })
                    .or_else(|| default_message.filter(|m| !m.is_empty()).map(str::to_owned))
                    .unwrap_or_else(|| format!("failed expression: {}", raw.trim()));
                return Validations::Fail(msg);
            }
            Err(e) => {
                return Validations::Error(format!(
                    "expression '{}' resulted in error: {e}",
                    raw.trim()
                ));
            }
        }
    }
    Validations::Pass
}

/// `validate.cel` of a kyverno.io rule
pub fn validate_rule(rule: &Value, resource: &Value, adm: &Admission) -> RuleResponse {
    let name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
    let env = match env() {
        Ok(e) => e,
        Err(e) => return resp(name, RuleType::Validation, RuleStatus::Error, e),
    };
    let cel = rule
        .pointer("/validate/cel")
        .cloned()
        .unwrap_or(Value::Null);
    if cel.get("paramKind").is_some() || cel.get("paramRef").is_some() {
        return resp(
            name,
            RuleType::Validation,
            RuleStatus::Error,
            "validate.cel with params needs param resources, which were not provided",
        );
    }
    let i = inputs(resource, adm);
    let expand = |src: &str| expand_kyverno_calls(env, src, &i, adm);
    let vars = match compile_variables(env, cel.get("variables"), &expand) {
        Ok(v) => v,
        Err(e) => {
            return resp(
                name,
                RuleType::Validation,
                RuleStatus::Error,
                format!("Error while creating composited compiler: {e}"),
            );
        }
    };
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let mut act = activation(env, &i, &vars);
    match check_conditions(env, &mut act, rule.get("celPreconditions"), &names, &expand) {
        Conditions::Met => {}
        Conditions::NotMet => {
            return resp(
                name,
                RuleType::Validation,
                RuleStatus::Skip,
                "cel preconditions not met",
            );
        }
        Conditions::Error(e) => return resp(name, RuleType::Validation, RuleStatus::Error, e),
    }
    let default_msg = rule.pointer("/validate/message").and_then(Value::as_str);
    match run_validations(
        env,
        &mut act,
        cel.get("expressions"),
        &names,
        default_msg,
        &expand,
    ) {
        Validations::Pass => resp(
            name,
            RuleType::Validation,
            RuleStatus::Pass,
            format!("Validation rule '{name}' passed."),
        ),
        // the admission validator denies on an evaluation error (failure policy Fail)
        Validations::Fail(m) | Validations::Error(m) => {
            resp(name, RuleType::Validation, RuleStatus::Fail, m)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// policies.kyverno.io kinds

/// Whether a policy is a CEL-based Kyverno kind this module evaluates
pub fn handles(policy: &Policy) -> bool {
    policy.api_version.starts_with("policies.kyverno.io/")
        && matches!(
            policy.kind.as_str(),
            "ValidatingPolicy"
                | "NamespacedValidatingPolicy"
                | "MutatingPolicy"
                | "NamespacedMutatingPolicy"
                | "GeneratingPolicy"
                | "NamespacedGeneratingPolicy"
        )
}

/// Autogen configs: controller kind → (group, version, resource, kind, cronjob)
const AUTOGEN: &[(&str, &str, &str, &str, &str)] = &[
    ("daemonsets", "apps", "v1", "daemonsets", "DaemonSet"),
    ("deployments", "apps", "v1", "deployments", "Deployment"),
    ("replicasets", "apps", "v1", "replicasets", "ReplicaSet"),
    ("statefulsets", "apps", "v1", "statefulsets", "StatefulSet"),
    ("jobs", "batch", "v1", "jobs", "Job"),
    ("cronjobs", "batch", "v1", "cronjobs", "CronJob"),
];

fn can_autogen(mc: &Value) -> bool {
    let nonempty_sel = |k: &str| {
        mc.get(k).is_some_and(|s| {
            s.get("matchLabels")
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
                || s.get("matchExpressions")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
        })
    };
    if nonempty_sel("namespaceSelector") || nonempty_sel("objectSelector") {
        return false;
    }
    if mc
        .get("excludeResourceRules")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return false;
    }
    let Some(rules) = mc.get("resourceRules").and_then(Value::as_array) else {
        return false;
    };
    if rules.len() != 1 {
        return false;
    }
    let r = &rules[0];
    let list = |k: &str| -> Vec<&str> {
        r.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    list("resourceNames").is_empty()
        && list("apiGroups") == [""]
        && list("apiVersions") == ["v1"]
        && list("resources") == ["pods"]
}

/// The spec to evaluate for a resource kind: the policy's own, or its autogen variant for a
/// pod controller (constraints on the controllers, `object.spec` rewritten to the template)
fn spec_for_kind(policy: &Policy, kind: &str) -> Option<Value> {
    let spec = policy.value.get("spec")?.clone();
    let Some(cfg) = AUTOGEN.iter().find(|c| c.4 == kind) else {
        return Some(spec);
    };
    let mc = spec.get("matchConstraints").cloned().unwrap_or(Value::Null);
    if !can_autogen(&mc) {
        return Some(spec);
    }
    let controllers: Option<Vec<String>> = spec
        .pointer("/autogen/podControllers/controllers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        });
    if let Some(list) = &controllers
        && !list.iter().any(|c| c == cfg.0)
    {
        return Some(spec);
    }
    let ops = mc
        .pointer("/resourceRules/0/operations")
        .cloned()
        .unwrap_or(json!(["*"]));
    let mut s = spec;
    if let Some(o) = s.as_object_mut() {
        o.insert(
            "matchConstraints".into(),
            json!({"resourceRules": [{
                "apiGroups": [cfg.1], "apiVersions": [cfg.2], "resources": [cfg.3], "operations": ops
            }]}),
        );
    }
    let (spec_to, meta_to) = if kind == "CronJob" {
        (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        )
    } else {
        ("spec.template.spec", "spec.template.metadata")
    };
    let mut text = s.to_string();
    const KEEP: &str = "\u{1}NSKEEP\u{1}";
    for root in ["object", "oldObject"] {
        text = text.replace(
            &format!("{root}.metadata.namespace"),
            &format!("{root}{KEEP}"),
        );
        text = text.replace(&format!("{root}.spec"), &format!("{root}.{spec_to}"));
        text = text.replace(&format!("{root}.metadata"), &format!("{root}.{meta_to}"));
        text = text.replace(
            &format!("{root}{KEEP}"),
            &format!("{root}.metadata.namespace"),
        );
    }
    serde_json::from_str(&text).ok()
}

/// Evaluate a ValidatingPolicy / MutatingPolicy on a resource
pub fn evaluate_policy(policy: &Policy, resource: &Value, adm: &Admission) -> Vec<EngineResponse> {
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut out = EngineResponse::empty(policy, resource);
    let mutating = policy.kind.ends_with("MutatingPolicy");
    let generating = policy.kind.ends_with("GeneratingPolicy");
    let rule_type = if mutating {
        RuleType::Mutation
    } else if generating {
        RuleType::Generation
    } else {
        RuleType::Validation
    };
    let Some(spec) = spec_for_kind(policy, kind) else {
        return vec![out];
    };
    let env = match env() {
        Ok(e) => e,
        Err(e) => {
            out.rules.push(resp("", rule_type, RuleStatus::Error, e));
            return vec![out];
        }
    };
    // matching
    let mc_v = spec.get("matchConstraints").cloned().unwrap_or(Value::Null);
    let i = inputs(resource, adm);
    let matched = match MatchResources::parse(&mc_v) {
        Ok(mc) => {
            let labels = Value::Object(adm.namespace_labels.clone());
            mc_v.is_object() && mc.matches(&i.req.attributes(), Some(&labels), true)
        }
        Err(e) => {
            out.rules.push(resp(
                "match",
                rule_type,
                RuleStatus::Error,
                format!("failed to execute matching: {e}"),
            ));
            return vec![out];
        }
    };
    if !matched {
        let has_selector = ["namespaceSelector", "objectSelector"]
            .iter()
            .any(|k| mc_v.get(*k).is_some_and(|s| !s.is_null()));
        return if has_selector { Vec::new() } else { vec![out] };
    }
    let expand = |src: &str| expand_kyverno_calls(env, src, &i, adm);
    let vars = match compile_variables(env, spec.get("variables"), &expand) {
        Ok(v) => v,
        Err(e) => {
            out.rules.push(resp("", rule_type, RuleStatus::Error, e));
            return vec![out];
        }
    };
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let mut act = activation(env, &i, &vars);
    match check_conditions(env, &mut act, spec.get("matchConditions"), &names, &expand) {
        Conditions::Met => {}
        Conditions::NotMet => {
            out.rules
                .push(resp("", rule_type, RuleStatus::Skip, "skip"));
            return vec![out];
        }
        Conditions::Error(e) => {
            out.rules.push(resp(
                "evaluation",
                rule_type,
                RuleStatus::Error,
                format!("failed to load context: {e}"),
            ));
            return vec![out];
        }
    }
    if generating {
        drop(act);
        let mut r = resp("", rule_type, RuleStatus::Pass, "");
        match generate(env, &spec, &vars, &i, adm) {
            Ok(objects) => {
                r.message = format!("generated {} resource(s)", objects.len());
                r.generated = objects;
            }
            Err(e) => {
                r.status = RuleStatus::Error;
                r.message = e;
            }
        }
        out.rules.push(r);
        return vec![out];
    }
    if mutating {
        drop(act);
        let r = mutate(env, &spec, &vars, resource, adm);
        // a MutatingPolicy whose mutations evaluate passes, whether or not they changed anything
        match r {
            Ok(p) => {
                if let Some(p) = p {
                    out.patched = p;
                }
                out.rules
                    .push(resp("", rule_type, RuleStatus::Pass, "success"));
            }
            Err(e) => out.rules.push(resp("", rule_type, RuleStatus::Error, e)),
        }
        return vec![out];
    }
    let r = match run_validations(
        env,
        &mut act,
        spec.get("validations"),
        &names,
        None,
        &expand,
    ) {
        Validations::Pass => resp("", rule_type, RuleStatus::Pass, "success"),
        Validations::Fail(m) => resp("", rule_type, RuleStatus::Fail, m),
        Validations::Error(e) => resp("", rule_type, RuleStatus::Error, e),
    };
    out.rules.push(r);
    vec![out]
}

/// Apply `mutations` in order, each seeing the object as patched so far
fn mutate(
    env: &CelEnv,
    spec: &Value,
    vars: &[Variable],
    resource: &Value,
    adm: &Admission,
) -> Result<Option<Value>, String> {
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let mut current = resource.clone();
    for m in spec
        .get("mutations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let patch_type = m
            .get("patchType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (expr, apply) = match patch_type {
            "ApplyConfiguration" => (m.pointer("/applyConfiguration/expression"), true),
            "JSONPatch" => (m.pointer("/jsonPatch/expression"), false),
            other => return Err(format!("unsupported patchType {other:?}")),
        };
        let i = inputs(&current, adm);
        let expr = expand_kyverno_calls(
            env,
            expr.and_then(Value::as_str).unwrap_or_default(),
            &i,
            adm,
        );
        let program = compile(env, &expr, &names)?;
        let mut act = activation(env, &i, vars);
        let patch = act.eval_json(&program).map_err(|e| e.to_string())?;
        let mut next = current.clone();
        let result = if apply {
            palisade_vap::patch::apply_configuration(&mut next, &patch)
        } else {
            palisade_vap::patch::apply_json_patch(&mut next, &patch)
        };
        match result {
            Ok(()) => current = crate::value::normalized(next),
            Err(palisade_vap::patch::PatchError::TestFailed(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if crate::value::deep_equal(&current, resource) {
        Ok(None)
    } else {
        Ok(Some(current))
    }
}

/// `generate: [{expression}]` of a GeneratingPolicy: each `generator.Apply(namespace, objects)`
/// call yields the objects (placed in `namespace`) that would be created
fn generate(
    env: &CelEnv,
    spec: &Value,
    vars: &[Variable],
    i: &Inputs,
    adm: &Admission,
) -> Result<Vec<Value>, String> {
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let mut out = Vec::new();
    for g in spec
        .get("generate")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let raw = g
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let expr = expand_kyverno_calls(env, raw, i, adm);
        let trimmed = expr.trim();
        let Some(args) = trimmed
            .strip_prefix("generator.Apply(")
            .filter(|rest| matching_paren(rest).is_some_and(|n| n + 1 == rest.len()))
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            return Err(format!(
                "generate expression must be a single generator.Apply(namespace, objects) call: {}",
                raw.trim()
            ));
        };
        // the call's arguments, evaluated as a two-element list
        let program = compile(env, &format!("[{args}]"), &names)?;
        let mut act = activation(env, i, vars);
        let v = act.eval_json(&program).map_err(|e| e.to_string())?;
        let ns = v
            .get(0)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for obj in v.get(1).and_then(Value::as_array).into_iter().flatten() {
            let mut o = crate::value::normalized(obj.clone());
            if !ns.is_empty()
                && let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut)
            {
                m.insert("namespace".into(), Value::String(ns.clone()));
            }
            out.push(o);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Kyverno CEL functions answered offline

/// Kyverno's `resource.Get` / `resource.List` and `parseServiceAccount` are not part of the
/// shared Kubernetes CEL environment. They are pure functions of their arguments (resources
/// come from the test's `context` file, as the Kyverno CLI mocks them), so a call whose
/// arguments evaluate on their own (literals, `object.…`, `request.…`) is answered here and
/// replaced by its result as a CEL literal before compiling. Calls whose arguments need
/// comprehension variables are left alone and fail at evaluation, like any unknown function.
fn expand_kyverno_calls(env: &CelEnv, src: &str, i: &Inputs, adm: &Admission) -> String {
    let pre = pre_evaluate_calls(env, src, i, adm);
    rewrite_image_calls(&pre)
}

/// Root variable holding the image metadata the test's `context` file mocks
const IMAGE_DATA: &str = "kyvernoImageData";

/// `image.GetMetadata(x)` / `imageData.GetMetadata(x)` read the mocked image metadata (a map
/// from image reference to metadata, bound as a variable); `image(x).registry()` is the
/// registry of the reference as go-containerregistry parses it (`index.docker.io` when the
/// first path segment is not a host)
fn rewrite_image_calls(src: &str) -> String {
    let mut text = src.to_owned();
    for prefix in ["image.GetMetadata(", "imageData.GetMetadata("] {
        while let Some(pos) = find_call(&text, prefix) {
            let start = pos + prefix.len();
            let Some(len) = matching_paren(&text[start..]) else {
                break;
            };
            let arg = text[start..start + len].to_owned();
            text.replace_range(pos..start + len + 1, &format!("{IMAGE_DATA}[{arg}]"));
        }
    }
    if text.contains("time.now()") {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        text = text.replace("time.now()", &format!("timestamp('{now}')"));
    }
    let call = "image(";
    let mut from = 0;
    while let Some(rel) = find_call(&text[from..], call) {
        let pos = from + rel;
        let start = pos + call.len();
        let Some(len) = matching_paren(&text[start..]) else {
            break;
        };
        let end = start + len + 1;
        let Some(after) = text[end..].strip_prefix(".registry()") else {
            from = end;
            continue;
        };
        let _ = after;
        let arg = text[start..start + len].trim().to_owned();
        let first = format!("({arg}).split('/')[0]");
        let replacement = format!(
            "(({arg}).split('/').size() > 1 && ({first}.contains('.') || {first}.contains(':') || {first} == 'localhost') ? {first} : 'index.docker.io')"
        );
        text.replace_range(pos..end + ".registry()".len(), &replacement);
        from = pos + replacement.len();
    }
    text
}

/// Pre-evaluate `resource.Get` / `resource.List` / `parseServiceAccount` calls
fn pre_evaluate_calls(env: &CelEnv, src: &str, i: &Inputs, adm: &Admission) -> String {
    const CALLS: &[&str] = &["resource.Get(", "resource.List(", "parseServiceAccount("];
    if !CALLS.iter().any(|c| src.contains(c)) {
        return src.to_owned();
    }
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    loop {
        let next = CALLS
            .iter()
            .filter_map(|c| find_call(rest, c).map(|p| (p, *c)))
            .min_by_key(|(p, _)| *p);
        let Some((pos, call)) = next else {
            out.push_str(rest);
            return out;
        };
        let args_start = pos + call.len();
        let Some(args_len) = matching_paren(&rest[args_start..]) else {
            out.push_str(rest);
            return out;
        };
        let args_text = &rest[args_start..args_start + args_len];
        let end = args_start + args_len + 1;
        let replacement = evaluate_args(env, args_text, i)
            .and_then(|args| answer(call, &args, adm))
            .map(|v| to_cel_literal(&v));
        out.push_str(&rest[..pos]);
        match replacement {
            Some(lit) => out.push_str(&lit),
            None => out.push_str(&rest[pos..end]),
        }
        rest = &rest[end..];
    }
}

/// Position of a call outside string literals
fn find_call(s: &str, call: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
            continue;
        }
        if s[i..].starts_with(call) {
            let before = s[..i].chars().next_back();
            if before.is_none_or(|b| !(b.is_alphanumeric() || b == '_' || b == '.')) {
                return Some(i);
            }
        }
    }
    None
}

/// Length of the text up to the `)` closing an argument list that starts at `s`
fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Split top-level arguments and evaluate each
fn evaluate_args(env: &CelEnv, text: &str, i: &Inputs) -> Option<Vec<Value>> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (idx, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                args.push(&text[start..idx]);
                start = idx + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        args.push(&text[start..]);
    }
    let none: [Variable; 0] = [];
    let mut act = activation(env, i, &none);
    args.iter()
        .map(|a| {
            let p = compile(env, a.trim(), &[]).ok()?;
            act.eval_json(&p).ok()
        })
        .collect()
}

fn answer(call: &str, args: &[Value], adm: &Admission) -> Option<Value> {
    let s = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or_default();
    match call {
        "parseServiceAccount(" => {
            let user = s(0);
            let rest = user.strip_prefix("system:serviceaccount:").unwrap_or("");
            let (ns, name) = rest.split_once(':').unwrap_or(("", ""));
            Some(json!({"Namespace": ns, "Name": name}))
        }
        "resource.Get(" | "resource.List(" => {
            let (api, plural, ns) = (s(0), s(1), s(2));
            let matches = |r: &&Value| {
                let rapi = r
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let kind = r.get("kind").and_then(Value::as_str).unwrap_or_default();
                let rns = r
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let group = rapi.rsplit_once('/').map_or("", |(g, _)| g);
                let (res, _) = palisade_vap::resource_for_kind(group, kind, !rns.is_empty());
                rapi == api && res == plural && (ns.is_empty() || rns == ns)
            };
            if call == "resource.Get(" {
                let name = s(3);
                adm.cel_resources
                    .iter()
                    .filter(matches)
                    .find(|r| r.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
                    .cloned()
            } else {
                let items: Vec<Value> = adm.cel_resources.iter().filter(matches).cloned().collect();
                Some(json!({"apiVersion": api, "kind": "List", "items": items}))
            }
        }
        _ => None,
    }
}

/// A JSON value as a CEL literal
fn to_cel_literal(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => {
                let f = n.as_f64().unwrap_or(0.0);
                let t = format!("{f:?}");
                if t.contains(['.', 'e', 'E']) {
                    t
                } else {
                    format!("{t}.0")
                }
            }
        },
        Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(to_cel_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    to_cel_literal(&Value::String(k.clone())),
                    to_cel_literal(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(expr: &str) -> Value {
        json!({"name": "r", "validate": {"cel": {"expressions": [{"expression": expr}]}}})
    }

    fn status(expr: &str, obj: &Value) -> (RuleStatus, String) {
        let r = validate_rule(&rule(expr), obj, &Admission::default());
        (r.status, r.message)
    }

    #[test]
    fn validate_cel_rules() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}});
        assert_eq!(
            status("object.spec.containers.all(c, c.image != '')", &pod).0,
            RuleStatus::Pass
        );
        let (s, m) = status("object.spec.containers.all(c, c.image == 'x')", &pod);
        assert_eq!(s, RuleStatus::Fail);
        assert!(m.starts_with("failed expression"), "{m}");
        assert_eq!(
            status("object.spec.?hostNetwork.orValue(false) == false", &pod).0,
            RuleStatus::Pass
        );
        assert_eq!(
            status("has(object.metadata.labels) == false", &pod).0,
            RuleStatus::Pass
        );
        // optional field selection on a present field yields an optional
        assert_eq!(
            status("object.spec.?containers.orValue([]).size() == 1", &pod).0,
            RuleStatus::Pass
        );
        assert_eq!(
            status(
                "object.spec.containers.all(c, c.resources.?requests.orValue({}).?cpu.hasValue())",
                &pod
            )
            .0,
            RuleStatus::Pass
        );
    }

    #[test]
    fn kyverno_library_calls_are_answered_offline() {
        let i = inputs(
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}),
            &Admission::default(),
        );
        let Ok(env) = env() else { return };
        let adm = Admission {
            cel_resources: vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cm", "namespace": "ns"}, "data": {"k": "v"}})],
            ..Admission::default()
        };
        let out = expand_kyverno_calls(
            env,
            "resource.Get('v1', 'configmaps', object.metadata.namespace, 'cm').data.k",
            &i,
            &adm,
        );
        assert!(out.starts_with("{\"apiVersion\": \"v1\""), "{out}");
        let out = rewrite_image_calls("image(c.image).registry() == 'r'");
        assert!(
            out.contains("index.docker.io") && !out.contains("image("),
            "{out}"
        );
        assert_eq!(
            rewrite_image_calls("image.GetMetadata(x).config"),
            format!("{IMAGE_DATA}[x].config")
        );
    }
}
