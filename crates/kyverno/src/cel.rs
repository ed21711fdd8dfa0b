//! Kyverno's CEL features over the shared CEL layer (`palisade-cel`):
//!
//! - `validate.cel` rules of kyverno.io policies (`celPreconditions`, `variables`,
//!   `expressions` with `message` / `messageExpression`);
//! - `policies.kyverno.io` ValidatingPolicy and MutatingPolicy (`matchConstraints`,
//!   `matchConditions`, `variables`, `validations`, `mutations` as ApplyConfiguration or
//!   JSONPatch), with autogen for pod controllers.
//!
//! Kyverno's own CEL functions are registered on the shared environment as host functions
//! (`resource.Get` / `resource.List`, `image()` and its methods, `image.GetMetadata`,
//! `parseServiceAccount`, `time.now`, `generator.Apply`) and answered offline from the data of
//! the test's `context` file, as the Kyverno CLI mocks them. `http` and `globalContext` are not
//! provided: expressions calling them do not compile and the rule reports `error`.

use crate::engine::{Admission, EngineResponse, RuleResponse, RuleStatus, RuleType};
use crate::policy::Policy;
use palisade_cel::{
    Activation, Authorizer, AuthorizerConfig, CelEnv, Declarations, HostCall, HostFunctions,
    Limits, Program, RequestResource, Variable,
};
use palisade_model::any_string;
use palisade_model::{field, member};
use palisade_vap::matching::Attributes;
use palisade_vap::{AdmissionRequest, MatchResources};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn env() -> Result<&'static CelEnv, String> {
    static ENV: OnceLock<Result<CelEnv, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        CelEnv::kubernetes()
            .map(|env| env.with_functions(kyverno_functions()))
            .map_err(|e| e.to_string())
    })
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
    /// Per expression, per list of declared variables (the same expression is rarely compiled
    /// with more than one): looked up by borrowed keys, with no copy of them per look-up
    type Cache = Mutex<HashMap<String, Vec<(Vec<String>, Result<Program, String>)>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(guard) = cache.lock()
        && let Some((_, hit)) = guard
            .get(src)
            .and_then(|compiled| compiled.iter().find(|(v, _)| v.as_slice() == vars))
    {
        return hit.clone();
    }
    let result = env.compile(src, &decls(vars)).map_err(|e| e.to_string());
    if let Ok(mut guard) = cache.lock() {
        if guard.len() > 20_000 {
            guard.clear();
        }
        let compiled = guard.entry(src.to_owned()).or_default();
        if !compiled.iter().any(|(v, _)| v.as_slice() == vars) {
            compiled.push((vars.to_vec(), result.clone()));
        }
    }
    result
}

/// Compile `variables: [{name, expression}]` in order (each sees the earlier ones)
fn compile_variables(env: &CelEnv, specs: Option<&Value>) -> Result<Vec<Variable>, String> {
    let mut out = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for v in specs.and_then(Value::as_array).into_iter().flatten() {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let expr = v
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let program = compile(env, expr, &names).map_err(|e| format!("variable {name:?}: {e}"))?;
        names.push(name.clone());
        out.push(Variable { name, program });
    }
    Ok(out)
}

/// The inputs of one evaluation
struct Inputs<'a> {
    host: Arc<HostData>,
    req: Request<'a>,
    /// The CEL `request`; `None` when no expression of the policy can name it
    request: Option<Value>,
    namespace_object: Option<Cow<'a, Value>>,
    authorizer: Authorizer,
}

fn inputs<'a>(resource: &'a Value, adm: &'a Admission<'a>) -> Inputs<'a> {
    inputs_for(admission_request(resource, adm), adm, true)
}

/// An admission request whose objects are borrowed: evaluation reads them in place, where an
/// [`AdmissionRequest`] would own a copy
struct Request<'a> {
    /// Everything but the objects
    req: AdmissionRequest,
    object: Option<&'a Value>,
    old_object: Option<&'a Value>,
}

impl Request<'_> {
    fn attributes(&self) -> Attributes<'_> {
        Attributes {
            object: self.object,
            old_object: self.old_object,
            ..self.req.attributes()
        }
    }
}

/// The admission request the CEL variables and matching are built from
fn admission_request<'a>(resource: &'a Value, adm: &Admission<'_>) -> Request<'a> {
    let op = if adm.operation.is_empty() {
        "CREATE"
    } else {
        adm.operation.as_str()
    };
    // What `AdmissionRequest::for_object` makes of the object, read from it in place (it
    // would take a copy and read it through JSON pointers, which allocate): the request's
    // objects are `resource` itself
    fn str_of<'v>(v: Option<&'v Value>, key: &str) -> &'v str {
        v.and_then(|v| field(v, key))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
    let meta = field(resource, "metadata");
    let api_version = str_of(Some(resource), "apiVersion");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = str_of(Some(resource), "kind");
    let namespace = str_of(meta, "namespace");
    let (plural, namespaced) = palisade_vap::resource_for_kind(group, kind, !namespace.is_empty());
    let namespace = match (namespaced, namespace.is_empty()) {
        (true, true) => "default",
        (true, false) => namespace,
        (false, _) => "",
    };
    let object = (op != "DELETE").then_some(resource);
    let old_object = matches!(op, "DELETE" | "UPDATE").then_some(resource);
    let mut req = AdmissionRequest {
        uid: String::new(),
        operation: op.to_owned(),
        object: None,
        old_object: None,
        group: group.to_owned(),
        version: version.to_owned(),
        kind: kind.to_owned(),
        resource: plural,
        subresource: String::new(),
        request_kind: None,
        request_resource: None,
        request_subresource: None,
        name: str_of(meta, "name").to_owned(),
        namespace: namespace.to_owned(),
        namespaced,
        user: palisade_vap::UserInfo::default(),
        dry_run: false,
        options: None,
        namespace_object: None,
    };
    if let Some(u) = &adm.user {
        req.user.username = field(&u.user_info, "username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        req.user.groups = field(&u.user_info, "groups")
            .and_then(Value::as_array)
            .map(|g| {
                g.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        req.user.uid = str_of(Some(&u.user_info), "uid").to_owned();
        req.user.extra = field(&u.user_info, "extra")
            .and_then(|e| serde_json::from_value(e.clone()).ok())
            .unwrap_or_default();
    }
    if !adm.request_fields.is_empty() {
        with_sent_fields(&mut req, adm);
    }
    Request {
        req,
        object,
        old_object,
    }
}

/// The fields of a webhook's request that the object does not tell (its uid, how the client
/// asked for it, options), as the API server sent them
fn with_sent_fields(req: &mut AdmissionRequest, adm: &Admission<'_>) {
    let sent = &adm.request_fields;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let triple = |name: &str, last: &str| {
        let at = member(sent, name)?;
        Some(["group", "version", last].map(|k| text(field(at, k)).unwrap_or_default()))
    };
    req.uid = text(member(sent, "uid")).unwrap_or_default();
    // what the request names, over what was derived from the object (which may not name its
    // namespace, and whose kind gives only a guess at a custom resource's plural)
    for (key, slot) in [
        ("name", &mut req.name),
        ("namespace", &mut req.namespace),
        ("subResource", &mut req.subresource),
    ] {
        if let Some(v) = text(member(sent, key)).filter(|v| !v.is_empty()) {
            *slot = v;
        }
    }
    if let Some(r) =
        text(member(sent, "resource").and_then(|r| field(r, "resource"))).filter(|r| !r.is_empty())
    {
        req.resource = r;
    }
    req.request_kind = triple("requestKind", "kind");
    req.request_resource = triple("requestResource", "resource");
    req.request_subresource = text(member(sent, "requestSubResource"));
    req.dry_run = member(sent, "dryRun")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    req.options = member(sent, "options").filter(|o| !o.is_null()).cloned();
}

/// `reads_request`: whether an expression may name `request` (else it is not built)
fn inputs_for<'a>(req: Request<'a>, adm: &'a Admission<'a>, reads_request: bool) -> Inputs<'a> {
    let r = &req.req;
    let request = reads_request.then(|| r.cel_request());
    let authorizer = Authorizer::new(
        authorizer_config(),
        r.user.username.clone(),
        RequestResource {
            group: r.group.clone(),
            resource: r.resource.clone(),
            subresource: r.subresource.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        },
    );
    let namespace_object = if r.namespaced && !r.namespace.is_empty() {
        Some(adm.namespace_object.as_deref().map_or_else(
            || {
                Cow::Owned(
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                        "name": r.namespace,
                        "labels": Value::Object(adm.namespace_labels.as_ref().clone()),
                    }}),
                )
            },
            Cow::Borrowed,
        ))
    } else {
        None
    };
    Inputs {
        host: Arc::new(HostData {
            resources: Arc::clone(&adm.cel_resources),
            images: Arc::clone(&adm.cel_images),
            generated: Mutex::new(Vec::new()),
        }),
        req,
        request,
        namespace_object,
        authorizer,
    }
}

fn activation<'a>(
    env: &'a CelEnv,
    i: &'a Inputs<'_>,
    vars: &'a [Variable],
    params: Option<&'a Value>,
) -> Activation<'a> {
    let mut act = Activation::new(env, Limits::default(), 10_000_000);
    act.bind_json("object", i.req.object);
    act.bind_json("oldObject", i.req.old_object);
    if let Some(request) = &i.request {
        act.bind_json("request", Some(request));
    }
    act.bind_json("namespaceObject", i.namespace_object.as_deref());
    act.bind_json("params", params);
    act.bind_host_data(Arc::clone(&i.host) as Arc<dyn std::any::Any + Send + Sync>);
    act.bind_authorizer(i.authorizer.clone());
    act.set_variables(vars);
    act
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
) -> Conditions {
    for c in conds.and_then(Value::as_array).into_iter().flatten() {
        let expr = c
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let program = match compile(env, expr, vars) {
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
) -> Validations {
    for v in list.and_then(Value::as_array).into_iter().flatten() {
        let raw = v
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let program = match compile(env, raw, vars) {
            Ok(p) => p,
            Err(e) => return Validations::Error(e),
        };
        match act.eval_bool(&program) {
            Ok(true) => {}
            Ok(false) => {
                let mut msg = None;
                if let Some(me) = v.get("messageExpression").and_then(Value::as_str)
                    && let Ok(p) = compile(env, me, vars)
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
pub fn validate_rule(rule: &Value, resource: &Value, adm: &Admission<'_>) -> RuleResponse {
    let name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
    let env = match env() {
        Ok(e) => e,
        Err(e) => return RuleResponse::new(name, RuleType::Validation, RuleStatus::Error, e),
    };
    let cel = rule
        .pointer("/validate/cel")
        .cloned()
        .unwrap_or(Value::Null);
    let params: Vec<Option<Value>> =
        if cel.get("paramKind").is_some() || cel.get("paramRef").is_some() {
            match select_params(&cel, resource, adm) {
                Ok(Some(found)) => found.into_iter().map(Some).collect(),
                Ok(None) => {
                    return RuleResponse::new(
                        name,
                        RuleType::Validation,
                        RuleStatus::Pass,
                        "no params found; parameterNotFoundAction is Allow",
                    );
                }
                Err(e) => {
                    return RuleResponse::new(
                        name,
                        RuleType::Validation,
                        RuleStatus::Error,
                        format!("failed to collect params: {e}"),
                    );
                }
            }
        } else {
            vec![None]
        };
    let i = inputs(resource, adm);
    let vars = match compile_variables(env, cel.get("variables")) {
        Ok(v) => v,
        Err(e) => {
            return RuleResponse::new(
                name,
                RuleType::Validation,
                RuleStatus::Error,
                format!("Error while creating composited compiler: {e}"),
            );
        }
    };
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let default_msg = rule.pointer("/validate/message").and_then(Value::as_str);
    // every selected param object is validated; the first failure decides
    for param in &params {
        let mut act = activation(env, &i, &vars, param.as_ref());
        match check_conditions(env, &mut act, rule.get("celPreconditions"), &names) {
            Conditions::Met => {}
            Conditions::NotMet => {
                return RuleResponse::new(
                    name,
                    RuleType::Validation,
                    RuleStatus::Skip,
                    "cel preconditions not met",
                );
            }
            Conditions::Error(e) => {
                return RuleResponse::new(name, RuleType::Validation, RuleStatus::Error, e);
            }
        }
        match run_validations(env, &mut act, cel.get("expressions"), &names, default_msg) {
            Validations::Pass => {}
            // the admission validator denies on an evaluation error (failure policy Fail)
            Validations::Fail(m) | Validations::Error(m) => {
                return RuleResponse::new(name, RuleType::Validation, RuleStatus::Fail, m);
            }
        }
    }
    RuleResponse::new(
        name,
        RuleType::Validation,
        RuleStatus::Pass,
        format!("Validation rule '{name}' passed."),
    )
}

/// Why `validate.cel` params could not be selected
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// `paramKind` without a `paramRef` naming or selecting objects
    #[error("paramRef must set a name or a selector")]
    NoReference,
    /// `paramRef.selector` is not a label selector
    #[error("invalid paramRef selector: {0}")]
    Selector(String),
    /// Nothing matched and `parameterNotFoundAction` is `Deny` (the default)
    #[error("no params found for policy binding with `Deny` parameterNotFoundAction")]
    NotFound,
}

/// The param objects of a `validate.cel` with `paramKind`/`paramRef`, from the provided param
/// resources as a ValidatingAdmissionPolicyBinding selects them: of `paramKind`, by
/// `paramRef.name` or `paramRef.selector`, in `paramRef.namespace` or else the resource's
/// namespace (cluster-scoped params have none). `Ok(None)`: none found and
/// `parameterNotFoundAction: Allow`, which counts as passing.
fn select_params(
    cel: &Value,
    resource: &Value,
    adm: &Admission<'_>,
) -> Result<Option<Vec<Value>>, ParamError> {
    let text = |v: Option<&Value>, k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let kind = cel.get("paramKind");
    let reference = cel.get("paramRef");
    let (api, kind) = (text(kind, "apiVersion"), text(kind, "kind"));
    let name = text(reference, "name");
    let selector = reference
        .and_then(|r| r.get("selector"))
        .filter(|s| !s.is_null());
    if name.is_empty() && selector.is_none() {
        return Err(ParamError::NoReference);
    }
    let namespace = match text(reference, "namespace") {
        ns if !ns.is_empty() => ns,
        _ => resource
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    };
    let mut found = Vec::new();
    for p in adm.param_resources.iter() {
        let meta = |k: &str| {
            p.pointer(&format!("/metadata/{k}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let p_ns = meta("namespace");
        if p.get("apiVersion").and_then(Value::as_str) != Some(api.as_str())
            || p.get("kind").and_then(Value::as_str) != Some(kind.as_str())
            || !(p_ns.is_empty() || p_ns == namespace)
        {
            continue;
        }
        let selected = match selector {
            _ if !name.is_empty() => meta("name") == name,
            Some(sel) => crate::matching::object_selected(sel, p).map_err(ParamError::Selector)?,
            None => false,
        };
        if selected {
            found.push(p.clone());
        }
    }
    if !found.is_empty() {
        return Ok(Some(found));
    }
    let action = text(reference, "parameterNotFoundAction");
    if action == "Allow" {
        Ok(None)
    } else {
        Err(ParamError::NotFound)
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

/// A CEL policy's spec for one resource kind, with what every request reads of it decided
/// once
#[derive(Debug)]
pub(crate) struct KindSpec {
    spec: Value,
    /// `matchConstraints`, parsed
    constraints: Result<MatchResources, String>,
    /// `variables`, compiled, and their names
    variables: Result<(Vec<Variable>, Vec<String>), String>,
    /// Whether any string value of the spec mentions `request`: CEL names a variable in the
    /// source, so without one no expression can read it and it need not be built (a mention
    /// in a message only costs that)
    reads_request: bool,
}

impl KindSpec {
    fn new(spec: Value) -> Self {
        let constraints =
            MatchResources::parse(spec.get("matchConstraints").unwrap_or(&Value::Null));
        let variables = env()
            .and_then(|env| compile_variables(env, spec.get("variables")))
            .map(|vars| {
                let names = vars.iter().map(|v| v.name.clone()).collect();
                (vars, names)
            });
        Self {
            reads_request: any_string(&spec, &|s| s.contains("request")),
            spec,
            constraints,
            variables,
        }
    }
}

/// Evaluate a ValidatingPolicy / MutatingPolicy on a resource
pub fn evaluate_policy(
    policy: &Policy,
    resource: &Value,
    adm: &Admission<'_>,
) -> Vec<EngineResponse> {
    evaluate(policy, resource, adm, true)
}

/// The rule responses of [`evaluate_policy`] alone, for callers that read no resource back
/// (the admission webhook's validation): the responses then carry no copies of it
pub fn evaluate_rules(policy: &Policy, resource: &Value, adm: &Admission<'_>) -> Vec<RuleResponse> {
    evaluate(policy, resource, adm, false)
        .into_iter()
        .flat_map(|r| r.rules)
        .collect()
}

/// `with_resource`: the responses carry the resource and the patched resource (`null`
/// otherwise; a mutation still sets `patched`)
fn evaluate(
    policy: &Policy,
    resource: &Value,
    adm: &Admission<'_>,
    with_resource: bool,
) -> Vec<EngineResponse> {
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut out = if with_resource {
        EngineResponse::empty(policy, resource)
    } else {
        EngineResponse::empty(policy, &Value::Null)
    };
    let mutating = policy.kind.ends_with("MutatingPolicy");
    let generating = policy.kind.ends_with("GeneratingPolicy");
    let rule_type = if mutating {
        RuleType::Mutation
    } else if generating {
        RuleType::Generation
    } else {
        RuleType::Validation
    };
    let Some(kind_spec) =
        policy.cel_spec_for_kind(kind, || spec_for_kind(policy, kind).map(KindSpec::new))
    else {
        return vec![out];
    };
    let spec = &kind_spec.spec;
    let env = match env() {
        Ok(e) => e,
        Err(e) => {
            out.rules
                .push(RuleResponse::new("", rule_type, RuleStatus::Error, e));
            return vec![out];
        }
    };
    // matching
    let null = Value::Null;
    let mc_v = spec.get("matchConstraints").unwrap_or(&null);
    // the request alone decides the match: the rest of the inputs is built only on a match
    let req = admission_request(resource, adm);
    let matched = match &kind_spec.constraints {
        Ok(mc) => {
            // only a namespace selector reads the labels
            let labels = mc
                .namespace_selector
                .as_ref()
                .map(|_| Value::Object(adm.namespace_labels.as_ref().clone()));
            mc_v.is_object() && mc.matches(&req.attributes(), labels.as_ref(), true)
        }
        Err(e) => {
            out.rules.push(RuleResponse::new(
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
    let i = inputs_for(req, adm, kind_spec.reads_request);
    let (vars, names) = match &kind_spec.variables {
        Ok(v) => v,
        Err(e) => {
            out.rules.push(RuleResponse::new(
                "",
                rule_type,
                RuleStatus::Error,
                e.clone(),
            ));
            return vec![out];
        }
    };
    let mut act = activation(env, &i, vars, None);
    match check_conditions(env, &mut act, spec.get("matchConditions"), names) {
        Conditions::Met => {}
        Conditions::NotMet => {
            out.rules
                .push(RuleResponse::new("", rule_type, RuleStatus::Skip, "skip"));
            return vec![out];
        }
        Conditions::Error(e) => {
            out.rules.push(RuleResponse::new(
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
        let mut r = RuleResponse::new("", rule_type, RuleStatus::Pass, "");
        match generate(env, spec, vars, &i) {
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
        let r = mutate(env, spec, vars, resource, adm);
        // a MutatingPolicy whose mutations evaluate passes, whether or not they changed anything
        match r {
            Ok(p) => {
                if let Some(p) = p {
                    out.patched = p;
                }
                out.rules.push(RuleResponse::new(
                    "",
                    rule_type,
                    RuleStatus::Pass,
                    "success",
                ));
            }
            Err(e) => out
                .rules
                .push(RuleResponse::new("", rule_type, RuleStatus::Error, e)),
        }
        return vec![out];
    }
    let r = match run_validations(env, &mut act, spec.get("validations"), names, None) {
        Validations::Pass => RuleResponse::new("", rule_type, RuleStatus::Pass, "success"),
        Validations::Fail(m) => RuleResponse::new("", rule_type, RuleStatus::Fail, m),
        Validations::Error(e) => RuleResponse::new("", rule_type, RuleStatus::Error, e),
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
    adm: &Admission<'_>,
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
        let expr = expr.and_then(Value::as_str).unwrap_or_default();
        let program = compile(env, expr, &names)?;
        let mut act = activation(env, &i, vars, None);
        let patch = act.eval_json(&program).map_err(|e| e.to_string())?;
        // the inputs borrow `current`, which the patch replaces
        drop(act);
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

/// `generate: [{expression}]` of a GeneratingPolicy: the objects the expressions'
/// `generator.Apply(namespace, objects)` calls would create
fn generate(
    env: &CelEnv,
    spec: &Value,
    vars: &[Variable],
    i: &Inputs<'_>,
) -> Result<Vec<Value>, String> {
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    for g in spec
        .get("generate")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let expr = g
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let program = compile(env, expr, &names)?;
        let mut act = activation(env, i, vars, None);
        act.eval_json(&program).map_err(|e| e.to_string())?;
    }
    let generated = match i.host.generated.lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    Ok(generated)
}

// ---------------------------------------------------------------------------------------------
// Kyverno CEL functions answered offline

/// What the Kyverno functions read and write during one evaluation
struct HostData {
    /// Resources `resource.Get` / `resource.List` answer from
    resources: Arc<Vec<Value>>,
    /// Image metadata `image.GetMetadata` answers from, by reference
    images: Arc<Map<String, Value>>,
    /// Objects `generator.Apply` was asked to create
    generated: Mutex<Vec<Value>>,
}

fn host<'a>(call: &HostCall<'a>) -> Result<&'a HostData, String> {
    call.data::<HostData>()
        .ok_or_else(|| "no Kyverno context bound".to_owned())
}

/// Kyverno's CEL libraries, offline (as the Kyverno CLI runs them: lookups answered from the
/// test's `context` file)
fn kyverno_functions() -> HostFunctions {
    HostFunctions::new()
        .function("resource.Get", 4, |c| {
            let h = host(c)?;
            let (api, plural, ns, name) = (c.str_arg(0), c.str_arg(1), c.str_arg(2), c.str_arg(3));
            h.resources
                .iter()
                .filter(|r| resource_matches(r, api, plural, ns))
                .find(|r| r.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
                .cloned()
                .ok_or_else(|| format!("{plural} \"{name}\" not found"))
        })
        .function("resource.List", 3, |c| {
            let h = host(c)?;
            let (api, plural, ns) = (c.str_arg(0), c.str_arg(1), c.str_arg(2));
            let items: Vec<Value> = h
                .resources
                .iter()
                .filter(|r| resource_matches(r, api, plural, ns))
                .cloned()
                .collect();
            Ok(json!({"apiVersion": api, "kind": "List", "items": items}))
        })
        .function("parseServiceAccount", 1, |c| {
            let rest = c
                .str_arg(0)
                .strip_prefix("system:serviceaccount:")
                .unwrap_or("");
            let (ns, name) = rest.split_once(':').unwrap_or(("", ""));
            Ok(json!({"Namespace": ns, "Name": name}))
        })
        .function("image", 1, |c| image_value(c.str_arg(0)))
        .member("registry", 0, |c| image_part(c, "registry"))
        .member("repository", 0, |c| image_part(c, "repository"))
        .member("identifier", 0, |c| image_part(c, "identifier"))
        .member("tag", 0, |c| image_part(c, "tag"))
        .member("digest", 0, |c| image_part(c, "digest"))
        .member("containsDigest", 0, |c| {
            image_part(c, "digest").map(|d| Value::Bool(d.as_str().is_some_and(|d| !d.is_empty())))
        })
        .function("image.GetMetadata", 1, image_metadata)
        .function("imageData.GetMetadata", 1, image_metadata)
        .timestamp_function("time.now", 0, |_| {
            Ok(Value::String(
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ))
        })
        .function("generator.Apply", 2, |c| {
            let h = host(c)?;
            let ns = c.str_arg(0);
            let objects = c.args.get(1).and_then(Value::as_array).ok_or_else(|| {
                "generator.Apply expects a namespace and a list of objects".to_owned()
            })?;
            let mut out = h.generated.lock().map_err(|e| e.to_string())?;
            for obj in objects {
                let mut o = crate::value::normalized(obj.clone());
                if !ns.is_empty()
                    && let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut)
                {
                    m.insert("namespace".into(), Value::String(ns.to_owned()));
                }
                out.push(o);
            }
            // offline the objects are only recorded; the result is not used
            Ok(Value::Null)
        })
}

/// Whether `r` is of `apiVersion`/`plural` and, when `ns` is set, in `ns`
fn resource_matches(r: &Value, api: &str, plural: &str, ns: &str) -> bool {
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
}

/// Marks the map `image()` returns, so the image methods only take images
const IMAGE_MARK: &str = "@kyvernoImage";

/// `image(ref)` as go-containerregistry parses a reference: the first path segment is the
/// registry when it looks like a host, else `index.docker.io` (and `library/` for one-segment
/// Docker Hub names); the tag defaults to `latest` when there is no digest
fn image_value(reference: &str) -> Result<Value, String> {
    let bad = || format!("invalid image reference: {reference:?}");
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, d),
        None => (reference, ""),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], &rest[slash + i + 1..]),
        None => (rest, ""),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => {
            (first.to_owned(), path.to_owned())
        }
        Some(_) => ("index.docker.io".to_owned(), name.to_owned()),
        None => ("index.docker.io".to_owned(), format!("library/{name}")),
    };
    let valid_path = |p: &str| {
        !p.is_empty()
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/')
            })
    };
    if !valid_path(&repository)
        || !tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        || (!digest.is_empty() && !digest.contains(':'))
    {
        return Err(bad());
    }
    let tag = if tag.is_empty() && digest.is_empty() {
        "latest"
    } else {
        tag
    };
    let identifier = if digest.is_empty() { tag } else { digest };
    Ok(json!({
        IMAGE_MARK: true,
        "registry": registry,
        "repository": repository,
        "tag": tag,
        "digest": digest,
        "identifier": identifier,
    }))
}

/// A part of an `image()` value (the receiver)
fn image_part(c: &HostCall<'_>, part: &str) -> Result<Value, String> {
    c.args
        .first()
        .filter(|r| r.get(IMAGE_MARK).is_some())
        .and_then(|r| r.get(part))
        .cloned()
        .ok_or_else(|| format!("no such overload: {part}() applies to image() values"))
}

/// `image.GetMetadata(ref)`: the metadata the context file mocks for `ref`
fn image_metadata(c: &HostCall<'_>) -> Result<Value, String> {
    let reference = c.str_arg(0);
    host(c)?
        .images
        .get(reference)
        .cloned()
        .ok_or_else(|| format!("failed to fetch image metadata for {reference:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(expr: &str) -> Value {
        json!({"name": "r", "validate": {"cel": {"expressions": [{"expression": expr}]}}})
    }

    #[test]
    fn admission_request_is_what_for_object_makes() {
        let objects = [
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "x"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "namespace": "odd"}}),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"namespace": "w"}}),
            json!({"kind": 3, "metadata": {"name": 1}}),
            json!({}),
        ];
        for object in &objects {
            for op in ["", "CREATE", "UPDATE", "DELETE", "CONNECT"] {
                let adm = Admission {
                    operation: op.to_owned(),
                    ..Admission::default()
                };
                let ours = admission_request(object, &adm);
                let mut theirs = AdmissionRequest::for_object(
                    object.clone(),
                    if op.is_empty() { "CREATE" } else { op },
                    None,
                );
                assert_eq!(ours.object.is_some(), theirs.object.take().is_some());
                assert_eq!(
                    ours.old_object.is_some(),
                    theirs.old_object.take().is_some()
                );
                assert_eq!(
                    format!("{:?}", ours.req),
                    format!("{theirs:?}"),
                    "{object} {op}"
                );
            }
        }
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
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "c", "image": "corp.reg.com/app:1"}, {"name": "d", "image": "nginx"}]}});
        let adm = Admission {
            cel_resources: Arc::new(vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cm", "namespace": "ns"}, "data": {"k": "v"}})]),
            cel_images: Arc::new(
                json!({"nginx": {"config": {"created": "2020-01-01T00:00:00Z"}}})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
            ..Admission::default()
        };
        let status = |expr: &str| validate_rule(&rule(expr), &pod, &adm).status;
        // arguments may need comprehension variables: the functions are evaluated in place
        for expr in [
            "resource.Get('v1', 'configmaps', object.metadata.namespace, 'cm').data.k == 'v'",
            "resource.List('v1', 'configmaps', 'ns').items.size() == 1",
            "object.spec.containers.map(c, image(c.image).registry()) == ['corp.reg.com', 'index.docker.io']",
            "image('nginx').repository() == 'library/nginx' && image('nginx').tag() == 'latest'",
            "image('a.io/x/y@sha256:00').containsDigest()",
            "timestamp(image.GetMetadata('nginx').config.created) < time.now()",
            "parseServiceAccount('system:serviceaccount:ns:sa').Name == 'sa'",
        ] {
            assert_eq!(status(expr), RuleStatus::Pass, "{expr}");
        }
        let r = validate_rule(
            &rule("resource.Get('v1', 'configmaps', 'ns', 'missing').data.k == 'v'"),
            &pod,
            &adm,
        );
        assert!(r.message.contains("not found"), "{}", r.message);
        // the image methods take only images
        assert_ne!(
            status("{'registry': 'x'}.registry() == 'x'"),
            RuleStatus::Pass
        );
    }
}
