//! The `K8sNativeValidation` (CEL) engine, on the shared CEL layer (`palisade-cel`).
//!
//! Gatekeeper's k8scel driver (`pkg/drivers/k8scel`) is the Kubernetes ValidatingAdmissionPolicy
//! validator fed with a template's `source`; this module reproduces what it decides:
//!
//! - the source: `validations[{expression, message, messageExpression}]`, `variables[{name,
//!   expression}]`, `matchCondition[{name, expression}]` (singular key), `failurePolicy`
//!   (`Fail`, the default, or `Ignore`); variable names `params`, `anyObject` and the prefix
//!   `gatekeeper_internal_` are reserved. A malformed source rejects the template;
//! - two variables are prepended: `variables.anyObject` (the old object on `DELETE`, the object
//!   otherwise) and `variables.params` (the constraint's `spec.parameters`, or null);
//! - `params` is the whole constraint, and only variables see it: validations, messages and
//!   match conditions are compiled without `params` (nor `authorizer`), as in the driver;
//! - the inputs: `object` (null on `DELETE`), `oldObject`, the typed `request` (rebuilt from
//!   gator's request: `operation` always present, `""` for a plain object) and
//!   `namespaceObject` (null: the driver passes no Namespace, in the webhook as in gator);
//! - each expression is compiled once, when the template is added. An expression that does not
//!   compile does not reject the template (the driver cannot tell): it fails where it is
//!   evaluated, with `compilation error: …` ([`CompiledTemplate::cel_compile_errors`] lists
//!   them);
//! - evaluation: match conditions (budget 2,500,000), false skips, errors are one failure
//!   (aggregated); then every validation (runtime budget 1,000,000: the driver passes the
//!   per-call limit): false is a violation whose message is the `messageExpression` result
//!   (trimmed; discarded when not a string, empty, longer than 5 KiB or multi-line), else
//!   `message`, else `failed expression: <expr>`; an error is a violation `expression '<expr>'
//!   resulted in error: <cause>`. Under `failurePolicy: Ignore`, errors are dropped.

use crate::GatekeeperError;
use crate::engine::{CelBackend, CompiledTemplate, EngineKind, Evaluator, RawViolation};
use crate::review::{Inventory, Review};
use crate::template::{Constraint, ConstraintTemplate, ENGINE_CEL};
use palisade_cel::{
    Activation, CelEnv, CompileError, Declarations, EvalError, EvalErrorKind, Limits, Program,
    Variable,
};
use palisade_source::{Diagnostic, JsonPointer, LoadedDocument};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Prefix no name in a `K8sNativeValidation` source may have
const RESERVED_PREFIX: &str = "gatekeeper_internal_";
/// `variables.anyObject`
const ANY_OBJECT: &str = "anyObject";
/// `variables.params`
const PARAMS: &str = "params";
const ANY_OBJECT_EXPRESSION: &str = r#"has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object"#;
const PARAMS_EXPRESSION: &str =
    "!has(params.spec) ? null : !has(params.spec.parameters) ? null : params.spec.parameters";
/// The runtime budget of validations + messages (the driver passes `celAPI.PerCallLimit`)
const VALIDATION_BUDGET: u64 = 1_000_000;
/// `celconfig.RuntimeCELCostBudgetMatchConditions`
const MATCH_CONDITION_BUDGET: u64 = 2_500_000;
/// `celconfig.MaxEvaluatedMessageExpressionSizeBytes`
const MAX_MESSAGE_BYTES: usize = 5 * 1024;
/// How the layer reports a spent runtime budget (the filter stops there)
const OUT_OF_BUDGET: &str = "validation failed due to running out of cost budget";

/// `failurePolicy` of a `K8sNativeValidation` source
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Errors are violations (the default)
    #[default]
    Fail,
    /// Errors are dropped
    Ignore,
}

/// The built-in [`CelBackend`]: palisade-cel's Kubernetes environment (1.34 libraries)
#[derive(Debug, Clone)]
pub struct CelEngine {
    env: CelEnv,
    limits: Limits,
    default_failure_policy: FailurePolicy,
}

impl CelEngine {
    /// The engine with Gatekeeper's defaults (per-expression cost limit 1,000,000,
    /// `failurePolicy: Fail` when a source has none)
    pub fn new() -> Result<Self, GatekeeperError> {
        let env =
            CelEnv::kubernetes().map_err(|e| GatekeeperError::CelEnvironment(e.to_string()))?;
        Ok(Self {
            env,
            limits: Limits::default(),
            default_failure_policy: FailurePolicy::Fail,
        })
    }

    /// The failure policy of sources that set none (Gatekeeper's
    /// `--default-k8s-native-validation-failure-policy`)
    #[must_use]
    pub fn with_default_failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.default_failure_policy = policy;
        self
    }

    /// Compile a template's source into a [`CelTemplate`]
    pub fn compile_source(
        &self,
        template: &ConstraintTemplate,
        source: &Value,
    ) -> Result<CelTemplate, GatekeeperError> {
        let invalid = |reason: String| GatekeeperError::InvalidTemplate {
            name: template.name.clone(),
            reason: format!("{ENGINE_CEL} source: {reason}"),
        };
        // CEL names a variable in the expression text: a source none of whose strings mention
        // `request` (or `anyObject`, the prepended variable that reads it) never reads it,
        // and building it is then skipped
        let reads_request = palisade_model::any_string(source, &|s| {
            s.contains("request") || s.contains(ANY_OBJECT)
        });
        let source = Source::parse(source).map_err(invalid)?;
        let failure_policy = match source.failure_policy.as_deref() {
            None => self.default_failure_policy,
            Some("Fail") => FailurePolicy::Fail,
            Some("Ignore") => FailurePolicy::Ignore,
            Some(other) => return Err(invalid(format!("unrecognized failure policy: {other}"))),
        };
        let mut compiler = Compiler {
            env: &self.env,
            decls: Declarations {
                roots: [
                    "object",
                    "oldObject",
                    "request",
                    "namespaceObject",
                    "params",
                ]
                .map(String::from)
                .to_vec(),
                variables: Vec::new(),
                typed_request: true,
            },
            errors: Vec::new(),
        };
        let mut variables = Vec::with_capacity(source.variables.len() + 2);
        let prepended = [
            (ANY_OBJECT, ANY_OBJECT_EXPRESSION, None),
            (PARAMS, PARAMS_EXPRESSION, None),
        ];
        let declared = source
            .variables
            .iter()
            .enumerate()
            .map(|(i, (name, expr))| {
                (
                    name.as_str(),
                    expr.as_str(),
                    Some(format!("/variables/{i}/expression")),
                )
            });
        for (name, expression, pointer) in prepended.into_iter().chain(declared) {
            let program = match compiler.compile(expression, pointer) {
                Ok(program) => program,
                Err(message) => self.env.failing(&message),
            };
            compiler.decls.variables.push(name.to_owned());
            variables.push(Variable {
                name: name.to_owned(),
                program,
            });
        }
        // validations, messages and match conditions do not see `params`
        compiler.decls.roots.retain(|r| r != "params");
        let conditions = source
            .match_conditions
            .iter()
            .enumerate()
            .map(|(i, (_, expression))| {
                compiler.expr(expression, format!("/matchCondition/{i}/expression"))
            })
            .collect();
        let validations = source
            .validations
            .iter()
            .enumerate()
            .map(|(i, v)| Validation {
                expr: compiler.expr(&v.expression, format!("/validations/{i}/expression")),
                message: v.message.clone(),
                message_expression: v
                    .message_expression
                    .as_ref()
                    .map(|m| compiler.expr(m, format!("/validations/{i}/messageExpression"))),
            })
            .collect();
        Ok(CelTemplate {
            env: self.env.clone(),
            limits: self.limits,
            failure_policy,
            variables: variables.into(),
            conditions,
            validations,
            compile_errors: compiler.errors.into(),
            reads_request,
        })
    }
}

impl CelBackend for CelEngine {
    fn compile(
        &self,
        template: &ConstraintTemplate,
        source: &Value,
    ) -> Result<Arc<dyn CompiledTemplate>, GatekeeperError> {
        Ok(Arc::new(self.compile_source(template, source)?))
    }
}

/// A source as Gatekeeper decodes it (unknown fields ignored, wrong types rejected)
#[derive(Debug, Default)]
struct Source {
    validations: Vec<SourceValidation>,
    variables: Vec<(String, String)>,
    match_conditions: Vec<(String, String)>,
    failure_policy: Option<String>,
}

#[derive(Debug, Default)]
struct SourceValidation {
    expression: String,
    message: Option<String>,
    message_expression: Option<String>,
}

impl Source {
    fn parse(source: &Value) -> Result<Self, String> {
        let Value::Object(fields) = source else {
            return Err("`source` must be a mapping".into());
        };
        let list = |key: &str| -> Result<&[Value], String> {
            match fields.get(key) {
                None | Some(Value::Null) => Ok(&[]),
                Some(Value::Array(items)) => Ok(items),
                Some(_) => Err(format!("`{key}` must be a list")),
            }
        };
        let string = |item: &Value, key: &str, what: &str| -> Result<Option<String>, String> {
            match item.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{what}.{key}` must be a string")),
            }
        };
        let entry = |item: &Value, what: &str| -> Result<(), String> {
            if item.is_object() {
                Ok(())
            } else {
                Err(format!("every `{what}` entry must be a mapping"))
            }
        };
        let mut out = Self::default();
        for item in list("validations")? {
            entry(item, "validations")?;
            out.validations.push(SourceValidation {
                expression: string(item, "expression", "validations")?.unwrap_or_default(),
                message: string(item, "message", "validations")?.filter(|m| !m.is_empty()),
                message_expression: string(item, "messageExpression", "validations")?
                    .filter(|m| !m.is_empty()),
            });
        }
        for item in list("variables")? {
            entry(item, "variables")?;
            let name = string(item, "name", "variables")?.unwrap_or_default();
            if name.starts_with(RESERVED_PREFIX) {
                return Err(format!(
                    "invalid variable: {name} is not a valid variable; cannot have {RESERVED_PREFIX:?} as a prefix"
                ));
            }
            if name == PARAMS || name == ANY_OBJECT {
                return Err(format!(
                    "invalid variable: {name} an invalid variable name, {name:?} is a reserved keyword"
                ));
            }
            let expression = string(item, "expression", "variables")?.unwrap_or_default();
            out.variables.push((name, expression));
        }
        for item in list("matchCondition")? {
            entry(item, "matchCondition")?;
            let name = string(item, "name", "matchCondition")?.unwrap_or_default();
            if name.starts_with(RESERVED_PREFIX) {
                return Err(format!(
                    "invalid match condition: {name} is not a valid match condition; cannot have {RESERVED_PREFIX:?} as a prefix"
                ));
            }
            let expression = string(item, "expression", "matchCondition")?.unwrap_or_default();
            out.match_conditions.push((name, expression));
        }
        out.failure_policy = match fields.get("failurePolicy") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("`failurePolicy` must be a string".into()),
        };
        Ok(out)
    }
}

struct Compiler<'e> {
    env: &'e CelEnv,
    decls: Declarations,
    errors: Vec<CelCompileError>,
}

impl Compiler<'_> {
    /// Compile, recording a failure (with its pointer into the source, when it has one);
    /// `Err` is the error text evaluations of the expression report
    fn compile(&mut self, source: &str, pointer: Option<String>) -> Result<Program, String> {
        self.env.compile(source, &self.decls).map_err(|error| {
            let text = format!("compilation error: compilation failed: {error}");
            if let Some(pointer) = pointer {
                self.errors.push(CelCompileError { pointer, error });
            }
            text
        })
    }

    fn expr(&mut self, source: &str, pointer: String) -> Expr {
        Expr {
            source: source.to_owned(),
            program: self.compile(source, Some(pointer)),
        }
    }
}

/// An expression of the source: its program, or the error its evaluations report
#[derive(Debug, Clone)]
struct Expr {
    source: String,
    program: Result<Program, String>,
}

#[derive(Debug, Clone)]
struct Validation {
    expr: Expr,
    message: Option<String>,
    message_expression: Option<Expr>,
}

/// A CEL expression of a template that does not compile
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CelCompileError {
    /// Where the expression is: a JSON pointer into the `K8sNativeValidation` source, e.g.
    /// `/validations/0/expression`
    pub pointer: String,
    /// The compiler's error (line and column within the expression)
    pub error: CompileError,
}

impl CelCompileError {
    /// A diagnostic pointing at the expression in the template document `doc`
    pub fn diagnostic(&self, doc: &LoadedDocument) -> Diagnostic {
        let pointer = cel_source_pointer(&doc.value).map_or_else(
            || self.pointer.clone(),
            |base| format!("{base}{}", self.pointer),
        );
        let (at, _) = doc
            .positions
            .locate(&doc.value, &JsonPointer::parse(&pointer));
        let what = self.pointer.trim_start_matches('/').replace('/', ".");
        self.error
            .diagnostic(&doc.file, at, &format!("{ENGINE_CEL} {what}"))
    }
}

/// The JSON pointer of the `K8sNativeValidation` source the engine uses (the first one) in a
/// template document, e.g. `/spec/targets/0/code/0/source`
fn cel_source_pointer(template: &Value) -> Option<String> {
    let code = template.pointer("/spec/targets/0/code")?.as_array()?;
    let i = code
        .iter()
        .position(|c| c.get("engine").and_then(Value::as_str) == Some(ENGINE_CEL))?;
    Some(format!("/spec/targets/0/code/{i}/source"))
}

/// A template compiled for the CEL engine. Immutable, `Send + Sync`, cheap to clone.
#[derive(Debug, Clone)]
pub struct CelTemplate {
    env: CelEnv,
    limits: Limits,
    failure_policy: FailurePolicy,
    /// `anyObject`, `params`, then the source's variables, in order
    variables: Arc<[Variable]>,
    /// `matchCondition` expressions (their names only matter to metrics)
    conditions: Arc<[Expr]>,
    validations: Arc<[Validation]>,
    compile_errors: Arc<[CelCompileError]>,
    /// Whether an expression can name `request` (else it is bound to null, not built)
    reads_request: bool,
}

impl CelTemplate {
    /// The failure policy in effect
    pub fn failure_policy(&self) -> FailurePolicy {
        self.failure_policy
    }

    /// The violations of `review` under `constraint`
    pub fn validate(&self, review: &Review<'_>, constraint: &Constraint) -> Vec<RawViolation> {
        let inputs = Inputs::new(review, self.reads_request);
        let fail = self.failure_policy == FailurePolicy::Fail;
        if !self.conditions.is_empty() {
            let mut act = self.activation(&inputs, constraint, MATCH_CONDITION_BUDGET);
            let mut errors = Vec::new();
            for c in self.conditions.iter() {
                match eval_bool(&mut act, c) {
                    Ok(true) => {}
                    Ok(false) => return Vec::new(),
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                return if fail {
                    vec![error(aggregate(&errors))]
                } else {
                    Vec::new()
                };
            }
        }
        let mut act = self.activation(&inputs, constraint, VALIDATION_BUDGET);
        let mut outcomes = Vec::with_capacity(self.validations.len());
        for v in self.validations.iter() {
            match eval_bool(&mut act, &v.expr) {
                Err(e) if e.starts_with(OUT_OF_BUDGET) => {
                    return if fail { vec![error(e)] } else { Vec::new() };
                }
                outcome => outcomes.push(outcome),
            }
        }
        let mut out = Vec::new();
        for (v, outcome) in self.validations.iter().zip(outcomes) {
            match outcome {
                Ok(true) => {}
                Ok(false) => match self.message(&mut act, v) {
                    Ok(msg) => out.push(RawViolation {
                        msg,
                        details: Value::Object(Map::new()),
                        is_error: false,
                    }),
                    Err(e) if fail => out.push(error(e)),
                    Err(_) => {}
                },
                Err(e) if fail => out.push(error(e)),
                Err(_) => {}
            }
        }
        out
    }

    /// The message of a failed validation; `Err` when its message expression ran out of budget
    fn message(&self, act: &mut Activation<'_>, v: &Validation) -> Result<String, String> {
        if let Some(Expr {
            program: Ok(program),
            ..
        }) = &v.message_expression
        {
            match act.eval_string(program) {
                Ok(Some(s)) => {
                    let s = s.trim();
                    if !s.is_empty() && s.len() <= MAX_MESSAGE_BYTES && !s.contains('\n') {
                        return Ok(s.to_owned());
                    }
                }
                Err(e) if e.message.starts_with(OUT_OF_BUDGET) => {
                    return Err(format!("failed messageExpression: {}", e.message));
                }
                // null, another type, or an error: fall back
                Ok(None) | Err(_) => {}
            }
        }
        if let Some(m) = v
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            return Ok(m.to_owned());
        }
        Ok(format!("failed expression: {}", v.expr.source.trim()))
    }

    fn activation<'a>(
        &'a self,
        inputs: &'a Inputs<'a>,
        constraint: &'a Constraint,
        budget: u64,
    ) -> Activation<'a> {
        let mut act = Activation::new(&self.env, self.limits, budget);
        act.bind_json("object", inputs.object);
        act.bind_json("oldObject", inputs.old_object);
        act.bind_json("request", inputs.request);
        act.bind_json("params", Some(&constraint.object));
        act.bind_json("namespaceObject", None);
        act.set_variables(&self.variables);
        act
    }
}

impl CompiledTemplate for CelTemplate {
    fn engine(&self) -> EngineKind {
        EngineKind::Cel
    }

    fn evaluator(&self, _inventory: &Inventory) -> Result<Box<dyn Evaluator>, GatekeeperError> {
        // the driver has no `data.inventory`
        Ok(Box::new(CelEvaluator(self.clone())))
    }

    fn cel_compile_errors(&self) -> &[CelCompileError] {
        &self.compile_errors
    }
}

#[derive(Debug)]
struct CelEvaluator(CelTemplate);

impl Evaluator for CelEvaluator {
    fn evaluate(
        &mut self,
        review: &Review<'_>,
        constraint: &Constraint,
    ) -> Result<Vec<RawViolation>, String> {
        Ok(self.0.validate(review, constraint))
    }
}

/// What the expressions see of a review
struct Inputs<'r> {
    object: Option<&'r Value>,
    old_object: Option<&'r Value>,
    /// `None` when no expression can name it
    request: Option<&'r Value>,
}

impl<'r> Inputs<'r> {
    fn new(review: &'r Review<'_>, reads_request: bool) -> Self {
        let operation = match review.operation() {
            op @ ("CREATE" | "UPDATE" | "DELETE" | "CONNECT") => op,
            _ => "",
        };
        Self {
            // the driver unsets the object on DELETE (use `variables.anyObject`)
            object: review.object().filter(|_| operation != "DELETE"),
            old_object: review.old_object(),
            // built once per review, shared by every constraint evaluated against it
            request: reads_request.then(|| review.cel_request(|r| cel_request(r, operation))),
        }
    }
}

/// The `request` variable: the admission request as the validator rebuilds it
/// (`CreateAdmissionRequest`): no object, no uid, `requestKind`/`requestResource` =
/// `kind`/`resource`, `dryRun` always set, empty optional fields left out
fn cel_request(review: &Value, operation: &str) -> Value {
    let get = |k: &str| review.get(k).filter(|v| !v.is_null());
    let non_empty = |k: &str| get(k).filter(|v| v.as_str() != Some(""));
    let mut m = Map::new();
    m.insert("uid".into(), Value::from(""));
    for (key, request_key) in [("kind", "requestKind"), ("resource", "requestResource")] {
        if let Some(v) = get(key) {
            m.insert(key.into(), v.clone());
            m.insert(request_key.into(), v.clone());
        }
    }
    if let Some(sub) = non_empty("subResource") {
        m.insert("subResource".into(), sub.clone());
        m.insert("requestSubResource".into(), sub.clone());
    }
    for key in ["name", "namespace"] {
        if let Some(v) = non_empty(key) {
            m.insert(key.into(), v.clone());
        }
    }
    m.insert("operation".into(), Value::from(operation));
    let mut user = Map::new();
    if let Some(Value::Object(u)) = get("userInfo") {
        for (k, v) in u {
            let empty = match v {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            };
            if !empty {
                user.insert(k.clone(), v.clone());
            }
        }
    }
    m.insert("userInfo".into(), Value::Object(user));
    let dry_run = get("dryRun").and_then(Value::as_bool).unwrap_or(false);
    m.insert("dryRun".into(), Value::Bool(dry_run));
    m.insert(
        "options".into(),
        get("options").cloned().unwrap_or(Value::Null),
    );
    Value::Object(m)
}

/// Evaluate a condition or validation: `Err` is the failure text
fn eval_bool(act: &mut Activation<'_>, expr: &Expr) -> Result<bool, String> {
    let program = expr.program.as_ref().map_err(Clone::clone)?;
    act.eval_bool(program)
        .map_err(|e| error_text(&expr.source, &e))
}

fn error_text(source: &str, e: &EvalError) -> String {
    if e.kind == EvalErrorKind::CostLimit && e.message.starts_with(OUT_OF_BUDGET) {
        return e.message.clone();
    }
    format!("expression '{source}' resulted in error: {}", e.message)
}

/// `utilerrors.NewAggregate(...).Error()`
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

fn error(msg: String) -> RawViolation {
    RawViolation {
        msg,
        details: Value::Object(Map::new()),
        is_error: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(source: Value) -> ConstraintTemplate {
        ConstraintTemplate::parse(&json!({
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": "k8sdemo"},
            "spec": {"crd": {"spec": {"names": {"kind": "K8sDemo"}}},
                     "targets": [{"target": "admission.k8s.gatekeeper.sh",
                                  "code": [{"engine": "K8sNativeValidation", "source": source}]}]}
        }))
        .unwrap()
    }

    fn compile(source: Value) -> Result<CelTemplate, GatekeeperError> {
        let t = template(source);
        let source = t.cel.clone().unwrap();
        CelEngine::new().unwrap().compile_source(&t, &source)
    }

    fn constraint(parameters: Option<Value>) -> Constraint {
        let mut doc = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo",
                             "metadata": {"name": "demo"}, "spec": {}});
        if let Some(p) = parameters {
            doc["spec"]["parameters"] = p;
        }
        Constraint::parse(&doc, &template(json!({}))).unwrap()
    }

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
               "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    }

    fn messages(t: &CelTemplate, review: &Review<'_>, c: &Constraint) -> Vec<String> {
        t.validate(review, c).into_iter().map(|v| v.msg).collect()
    }

    #[test]
    fn params_any_object_and_messages() {
        let t = compile(json!({
            "validations": [
                {"expression": "variables.anyObject.metadata.name != variables.params.banned",
                 "messageExpression": "'name ' + variables.anyObject.metadata.name + ' is banned'"},
                {"expression": "false", "message": "  static message  "},
                {"expression": "1 == 2"},
                {"expression": "false", "messageExpression": "'a\\nb'", "message": "multi-line discarded"},
                {"expression": "false", "messageExpression": "'   '"},
                {"expression": "false", "messageExpression": "null", "message": "null discarded"},
                {"expression": "false", "messageExpression": "1", "message": "non-string discarded"}
            ]
        }))
        .unwrap();
        assert!(t.cel_compile_errors().is_empty());
        let c = constraint(Some(json!({"banned": "evil"})));
        let got = messages(&t, &Review::from_object(&pod("evil")), &c);
        assert_eq!(
            got,
            [
                "name evil is banned",
                "static message",
                "failed expression: 1 == 2",
                "multi-line discarded",
                "failed expression: false",
                "null discarded",
                "non-string discarded"
            ]
        );
        let got = messages(&t, &Review::from_object(&pod("fine")), &c);
        assert_eq!(got.len(), 6, "{got:?}");
    }

    #[test]
    fn params_null_without_parameters_and_whole_constraint_for_variables() {
        let t = compile(json!({
            "variables": [{"name": "constraintName", "expression": "params.metadata.name"}],
            "validations": [
                {"expression": "variables.params == null", "message": "params set"},
                {"expression": "variables.constraintName == 'demo'", "message": "wrong name"}
            ]
        }))
        .unwrap();
        let review_doc = pod("p");
        let review = Review::from_object(&review_doc);
        assert!(messages(&t, &review, &constraint(None)).is_empty());
        assert_eq!(
            messages(&t, &review, &constraint(Some(json!({"x": 1})))),
            ["params set"]
        );
    }

    #[test]
    fn validations_do_not_see_params() {
        let t = compile(json!({
            "validations": [{"expression": "params.spec.parameters.x == 1"}]
        }))
        .unwrap();
        assert_eq!(t.cel_compile_errors().len(), 1);
        assert_eq!(
            t.cel_compile_errors()[0].pointer,
            "/validations/0/expression"
        );
        let v = t.validate(&Review::from_object(&pod("p")), &constraint(None));
        assert_eq!(v.len(), 1);
        assert!(v[0].is_error);
        assert!(
            v[0].msg
                .starts_with("compilation error: compilation failed: ")
                && v[0].msg.contains("params"),
            "{}",
            v[0].msg
        );
    }

    #[test]
    fn runtime_errors_follow_the_failure_policy() {
        let source = |policy: Option<&str>| {
            let mut s = json!({"validations": [
                {"expression": "variables.anyObject.spec.missing == 1"},
                {"expression": "true"}
            ]});
            if let Some(p) = policy {
                s["failurePolicy"] = json!(p);
            }
            s
        };
        let review_doc = pod("p");
        let review = Review::from_object(&review_doc);
        let fail = compile(source(None)).unwrap();
        let v = fail.validate(&review, &constraint(None));
        assert_eq!(v.len(), 1);
        assert!(v[0].is_error);
        assert_eq!(
            v[0].msg,
            "expression 'variables.anyObject.spec.missing == 1' resulted in error: no such key: missing"
        );
        let ignore = compile(source(Some("Ignore"))).unwrap();
        assert!(ignore.validate(&review, &constraint(None)).is_empty());
        let ignore_by_default = CelEngine::new()
            .unwrap()
            .with_default_failure_policy(FailurePolicy::Ignore);
        let t = template(source(None));
        let compiled = ignore_by_default
            .compile_source(&t, t.cel.as_ref().unwrap())
            .unwrap();
        assert_eq!(compiled.failure_policy(), FailurePolicy::Ignore);
        assert!(compile(source(Some("Sometimes"))).is_err());
    }

    #[test]
    fn match_conditions() {
        let t = compile(json!({
            "matchCondition": [
                {"name": "only-pods", "expression": "variables.anyObject.kind == 'Pod'"},
                {"name": "named", "expression": "has(variables.anyObject.metadata.name)"}
            ],
            "validations": [{"expression": "false", "message": "denied"}]
        }))
        .unwrap();
        let c = constraint(None);
        assert_eq!(
            messages(&t, &Review::from_object(&pod("p")), &c),
            ["denied"]
        );
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}});
        assert!(messages(&t, &Review::from_object(&svc), &c).is_empty());

        let erring = compile(json!({
            "matchCondition": [
                {"name": "a", "expression": "variables.anyObject.nope"},
                {"name": "b", "expression": "variables.anyObject.nope2 == 1"}
            ],
            "validations": [{"expression": "false"}]
        }))
        .unwrap();
        let v = erring.validate(&Review::from_object(&pod("p")), &c);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].is_error
                && v[0]
                    .msg
                    .starts_with("[expression 'variables.anyObject.nope' resulted in error: "),
            "{}",
            v[0].msg
        );
    }

    #[test]
    fn request_is_built_only_for_sources_that_can_name_it() {
        let pod = pod("p");
        for (validation, builds) in [
            ("object.metadata.name == 'p'", 0),
            ("request.userInfo.username == 'alice'", 1),
            ("variables.anyObject.metadata.name == 'p'", 1),
        ] {
            let sent = crate::review::CountingRequest::default();
            let review = Review::from_sent_request(&sent, Some(&pod), None).unwrap();
            let t = compile(json!({"validations": [{"expression": validation, "message": "no"}]}))
                .unwrap();
            assert!(
                messages(&t, &review, &constraint(None)).is_empty(),
                "{validation}"
            );
            assert_eq!(sent.builds(), builds, "{validation}");
        }
    }

    #[test]
    fn delete_unsets_object_and_request_is_gators() {
        let t = compile(json!({
            "validations": [
                {"expression": "object == null", "message": "object set"},
                {"expression": "variables.anyObject.metadata.name == 'old'", "message": "anyObject is not the old object"},
                {"expression": "request.operation == 'DELETE' && request.userInfo.username == 'alice'", "message": "request"},
                {"expression": "!has(request.name) || request.name == 'old'", "message": "name"}
            ]
        }))
        .unwrap();
        let review_doc = json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"operation": "DELETE", "name": "old", "userInfo": {"username": "alice"},
                        "oldObject": pod("old")}
        });
        let review = Review::from_admission_review(&review_doc).unwrap();
        assert!(messages(&t, &review, &constraint(None)).is_empty());

        // a plain object: operation "" (present), no name in metadata → no `request.name`
        let t = compile(json!({
            "validations": [
                {"expression": "has(request.operation) && request.operation == ''", "message": "operation"},
                {"expression": "request.kind.kind == 'Pod' && request.requestKind.version == 'v1'", "message": "kind"},
                {"expression": "request.dryRun == false && namespaceObject == null", "message": "rest"}
            ]
        }))
        .unwrap();
        assert!(messages(&t, &Review::from_object(&pod("p")), &constraint(None)).is_empty());
    }

    #[test]
    fn invalid_sources_reject_the_template() {
        for bad in [
            json!({"variables": [{"name": "params", "expression": "1"}]}),
            json!({"variables": [{"name": "anyObject", "expression": "1"}]}),
            json!({"variables": [{"name": "gatekeeper_internal_x", "expression": "1"}]}),
            json!({"matchCondition": [{"name": "gatekeeper_internal_x", "expression": "true"}]}),
            json!({"validations": {"expression": "true"}}),
            json!({"validations": [{"expression": 1}]}),
            json!("not a mapping"),
        ] {
            assert!(
                matches!(
                    compile(bad.clone()),
                    Err(GatekeeperError::InvalidTemplate { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_variable_that_does_not_compile_fails_where_used() {
        let t = compile(json!({
            "variables": [{"name": "broken", "expression": "object.("}],
            "validations": [
                {"expression": "variables.broken == 1"},
                {"expression": "true"}
            ]
        }))
        .unwrap();
        assert_eq!(t.cel_compile_errors()[0].pointer, "/variables/0/expression");
        let v = t.validate(&Review::from_object(&pod("p")), &constraint(None));
        assert_eq!(v.len(), 1);
        assert!(
            v[0].msg.contains("composited variable \"broken\"")
                && v[0].msg.contains("compilation error"),
            "{}",
            v[0].msg
        );
    }

    #[test]
    fn source_pointer_is_the_first_cel_entry() {
        let doc = json!({"spec": {"targets": [{"code": [
            {"engine": "Rego", "source": {}},
            {"engine": "K8sNativeValidation", "source": {}},
            {"engine": "K8sNativeValidation", "source": {}}
        ]}]}});
        assert_eq!(
            cel_source_pointer(&doc).as_deref(),
            Some("/spec/targets/0/code/1/source")
        );
    }
}
