//! Evaluation in the API server's order.
//!
//! Mutating policies first (admission mutation precedes validation), each binding in order of
//! policy and binding name, each mutation seeing the previous one's result; `IfNeeded`
//! policies are reinvoked once when a later mutation changed the object. Then validating
//! policies, for each matching binding and param:
//!
//! 1. the policy's `matchConstraints`, then the binding's `matchResources` (rules, exclusions,
//!    namespace and object selectors; the object selector matches the object or the old
//!    object);
//! 2. params: none without `paramKind` or without `paramRef`; by name, or every object the
//!    selector selects (each evaluated, results combined); none found: `Allow` skips,
//!    `Deny` is a configuration error decided by the failure policy;
//! 3. `matchConditions`: any false skips; else an error is decided by the failure policy;
//! 4. every validation (no short-circuit): false is a failure with the message from
//!    `messageExpression` (if a non-empty single-line string), `message`, or
//!    `failed expression: …`; an error is a failure under `Fail`, nothing under `Ignore`;
//! 5. `auditAnnotations`;
//! 6. the binding's `validationActions` turn failures into denials, warnings and audit
//!    annotations; the first denial is the response.

use crate::matching::MatchResources;
use crate::patch::{PatchError, apply_configuration, apply_json_patch};
use crate::policy::{
    Binding, Expr, FailurePolicy, MutatingPolicy, NamedExpr, Names, ParamKind, PatchType,
    ValidatingPolicy,
};
use crate::request::{AdmissionRequest, RequestView};
use crate::{Inventory, PolicySet};
use palisade_cel::{Activation, Authorizer, EvalError, RequestResource, Variable};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which kind of policy a result is from
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// ValidatingAdmissionPolicy
    Validating,
    /// MutatingAdmissionPolicy
    Mutating,
}

/// What one binding decided for one request (and param)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Evaluated, nothing failed (or failures ignored)
    Allow,
    /// Failures with the `Deny` action, or a mutation error under `Fail`
    Deny,
    /// Failures with the `Warn` action (and no `Deny`)
    Warn,
    /// Failures with only the `Audit` action
    Audit,
    /// Matched, but not evaluated: a match condition was false, or no param (`Allow`)
    Skip,
    /// The mutating policy changed the object
    Mutated,
}

impl Verdict {
    /// As printed
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
            Self::Warn => "Warn",
            Self::Audit => "Audit",
            Self::Skip => "Skip",
            Self::Mutated => "Mutated",
        }
    }
}

/// The result of one binding (with one param) for one request
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingResult {
    /// Validating or mutating
    pub policy_type: PolicyType,
    /// Policy name
    pub policy: String,
    /// Binding name
    pub binding: String,
    /// The param object (`namespace/name` or `name`), when there is one
    pub param: Option<String>,
    /// The binding's `validationActions` (empty for mutating bindings)
    pub actions: Vec<&'static str>,
    /// The decision
    pub verdict: Verdict,
    /// The failure messages (validation failures, errors), in order
    pub messages: Vec<String>,
    /// For each message, the index of the validation it comes from (`None` for errors of
    /// match conditions, params, audit annotations)
    pub expression_indexes: Vec<Option<usize>>,
    /// The status reason of the first failure (`Invalid`, `Forbidden`, …)
    pub reason: Option<String>,
    /// Why the binding was skipped, for [`Verdict::Skip`]
    pub skip_reason: Option<String>,
    /// Audit annotations published (`<policy>/<key>` → value)
    pub audit_annotations: Vec<(String, String)>,
}

impl BindingResult {
    /// What the API server records for this binding in the
    /// `validation.policy.admission.k8s.io/validation_failure` audit annotation: one entry per
    /// failure message
    pub fn audit_failures(&self) -> impl Iterator<Item = Value> + '_ {
        self.messages.iter().enumerate().map(|(i, m)| {
            let index = self
                .expression_indexes
                .get(i)
                .copied()
                .flatten()
                .unwrap_or(0);
            json!({
                "message": m,
                "policy": self.policy,
                "binding": self.binding,
                "expressionIndex": index,
                "validationActions": self.actions,
            })
        })
    }
}

/// The outcome of one admission request
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    /// Whether the request is admitted
    pub allowed: bool,
    /// The response message: the first denial
    pub message: Option<String>,
    /// The status reason of the first denial
    pub reason: Option<String>,
    /// The HTTP code of the first denial (422 Invalid, 403 Forbidden, 401, 413)
    pub code: u16,
    /// Warnings (Warn action)
    pub warnings: Vec<String>,
    /// Audit annotations (auditAnnotations and the Audit action)
    pub audit_annotations: BTreeMap<String, String>,
    /// Every matching binding's result, mutating ones first
    pub results: Vec<BindingResult>,
    /// The object after mutation (when there is an object)
    pub object: Option<Value>,
    /// Whether any mutation changed the object
    pub mutated: bool,
}

fn code_of(reason: &str) -> u16 {
    match reason {
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "RequestEntityTooLarge" => 413,
        _ => 422,
    }
}

/// One failure of a validating evaluation
struct Failure {
    message: String,
    reason: String,
    index: Option<usize>,
}

/// Everything an evaluation binds, owned (borrowed by the activation)
struct Inputs<'r> {
    req: RequestView<'r>,
    /// The CEL `request`, built for the first policy that can read it
    request_json: OnceCell<Value>,
    namespace_object: Option<&'r Value>,
    namespace_labels: Cow<'r, Value>,
    authorizer: Authorizer,
}

impl PolicySet {
    fn inputs<'r>(&'r self, req: RequestView<'r>) -> Inputs<'r> {
        let namespace_object = if req.namespaced {
            req.namespace_object
                .or_else(|| self.inventory.namespace(req.namespace))
        } else {
            None
        };
        // a webhook's namespace cache has the name label already: the labels are then used as
        // they are
        let labels = palisade_model::namespace_labels(
            namespace_object.and_then(|n| palisade_model::field_path(n, "metadata/labels")),
            req.namespace,
        );
        Inputs {
            req,
            request_json: OnceCell::new(),
            namespace_object,
            namespace_labels: labels,
            authorizer: Authorizer::new(
                Arc::clone(&self.authorizer),
                req.username.to_owned(),
                RequestResource {
                    group: req.group.to_owned(),
                    resource: req.resource.to_owned(),
                    subresource: req.subresource.to_owned(),
                    namespace: req.namespace.to_owned(),
                    name: req.name.to_owned(),
                },
            ),
        }
    }

    fn matches(
        inputs: &Inputs<'_>,
        constraints: &MatchResources,
        binding: &Binding,
        object: Option<&Value>,
    ) -> bool {
        let mut attrs = inputs.req.attributes();
        if object.is_some() {
            attrs.object = object;
        }
        let labels = Some(inputs.namespace_labels.as_ref());
        constraints.matches(&attrs, labels, true)
            && binding
                .match_resources
                .as_ref()
                .is_none_or(|m| m.matches(&attrs, labels, false))
    }

    /// The activation of one policy's expressions, binding only the variables they name
    fn activation<'a>(
        &'a self,
        inputs: &'a Inputs<'a>,
        object: Option<&'a Value>,
        params: Option<Option<&'a Value>>,
        variables: &'a [Variable],
        names: Names,
    ) -> Activation<'a> {
        let mut act = Activation::new(&self.env, self.limits, 10_000_000);
        if names.object {
            act.bind_json("object", object);
        }
        if names.old_object {
            act.bind_json("oldObject", inputs.req.old_object);
        }
        if names.request {
            let request = inputs.request_json.get_or_init(|| inputs.req.cel_request());
            act.bind_json("request", Some(request));
        }
        if names.namespace_object {
            act.bind_json("namespaceObject", inputs.namespace_object);
        }
        if names.params
            && let Some(p) = params
        {
            act.bind_json("params", p);
        }
        if names.authorizer {
            act.bind_authorizer(inputs.authorizer.clone());
        }
        act.set_variables(variables);
        act
    }

    /// Run a request through the mutating, then the validating policies
    pub fn admit(&self, req: &AdmissionRequest) -> Admission {
        let (object, mut results, mutated) = self.mutate(req);
        let mut vreq = req.view();
        if mutated {
            vreq.object = object.as_ref();
        }
        results.extend(self.validate_view(vreq));
        let mut admission = Admission {
            allowed: true,
            message: None,
            reason: None,
            code: 200,
            warnings: Vec::new(),
            audit_annotations: BTreeMap::new(),
            results: Vec::new(),
            object,
            mutated,
        };
        let mut audit_failures = Vec::new();
        for r in &results {
            for (k, v) in &r.audit_annotations {
                admission.audit_annotations.insert(k.clone(), v.clone());
            }
            let kind = match r.policy_type {
                PolicyType::Validating => "ValidatingAdmissionPolicy",
                PolicyType::Mutating => "MutatingAdmissionPolicy",
            };
            match r.verdict {
                Verdict::Deny if admission.allowed => {
                    admission.allowed = false;
                    let msg = r.messages.first().cloned().unwrap_or_default();
                    admission.message = Some(format!(
                        "{kind} '{}' with binding '{}' denied request: {msg}",
                        r.policy, r.binding
                    ));
                    let reason = r.reason.clone().unwrap_or_else(|| "Invalid".into());
                    admission.code = code_of(&reason);
                    admission.reason = Some(reason);
                }
                Verdict::Warn => {
                    for m in &r.messages {
                        admission.warnings.push(format!(
                            "Validation failed for {kind} '{}' with binding '{}': {m}",
                            r.policy, r.binding
                        ));
                    }
                }
                _ => {}
            }
        }
        for r in &results {
            if r.policy_type == PolicyType::Validating
                && matches!(r.verdict, Verdict::Audit | Verdict::Warn | Verdict::Deny)
                && r.actions.contains(&"Audit")
            {
                audit_failures.extend(r.audit_failures());
            }
        }
        if !audit_failures.is_empty() {
            admission.audit_annotations.insert(
                "validation.policy.admission.k8s.io/validation_failure".into(),
                Value::Array(audit_failures).to_string(),
            );
        }
        admission.results = results;
        admission
    }

    /// Only the validating policies
    pub fn validate(&self, req: &AdmissionRequest) -> Vec<BindingResult> {
        self.validate_view(req.view())
    }

    /// [`Self::validate`] of a borrowed request
    pub fn validate_view(&self, req: RequestView<'_>) -> Vec<BindingResult> {
        let candidates = self.v_index.candidates(req.group, req.resource);
        if candidates.is_empty() {
            return Vec::new();
        }
        let inputs = self.inputs(req);
        let mut out = Vec::new();
        for i in candidates {
            let Some((pi, binding)) = self.v_bindings.get(i as usize) else {
                continue;
            };
            let Some(policy) = self.validating.get(*pi) else {
                continue;
            };
            if !Self::matches(&inputs, &policy.constraints, binding, None) {
                continue;
            }
            let base = BindingResult {
                policy_type: PolicyType::Validating,
                policy: policy.name.clone(),
                binding: binding.name.clone(),
                param: None,
                actions: binding.actions.names(),
                verdict: Verdict::Allow,
                messages: Vec::new(),
                expression_indexes: Vec::new(),
                reason: None,
                skip_reason: None,
                audit_annotations: Vec::new(),
            };
            if let Some(e) = &policy.config_error {
                out.push(config_failure(base, policy.failure_policy, e, binding));
                continue;
            }
            match collect_params(&self.inventory, policy.param_kind.as_ref(), binding, req) {
                Ok(params) if params.is_empty() => out.push(skip(base, "no params found")),
                Ok(mut params) => {
                    let evaluate = |(param, pname), mut result: BindingResult| {
                        result.param = pname;
                        self.evaluate_validating(
                            policy,
                            binding,
                            &inputs,
                            policy.param_kind.as_ref().map(|_| param),
                            result,
                        )
                    };
                    // each parameter but the last gets a copy of the result so far, the last
                    // (usually the only one) the result itself
                    let last = params.pop();
                    for param in params {
                        out.push(evaluate(param, base.clone()));
                    }
                    if let Some(param) = last {
                        out.push(evaluate(param, base));
                    }
                }
                Err(e) => out.push(config_failure(base, policy.failure_policy, &e, binding)),
            }
        }
        out
    }

    fn evaluate_validating(
        &self,
        policy: &ValidatingPolicy,
        binding: &Binding,
        inputs: &Inputs<'_>,
        params: Option<Option<&Value>>,
        mut result: BindingResult,
    ) -> BindingResult {
        let mut act = self.activation(
            inputs,
            inputs.req.object,
            params,
            &policy.variables,
            policy.names,
        );
        match match_conditions(&mut act, &policy.match_conditions) {
            Ok(true) => {}
            Ok(false) => return skip(result, "a match condition is false"),
            Err(e) => match policy.failure_policy {
                FailurePolicy::Ignore => return skip(result, "a match condition failed (ignored)"),
                FailurePolicy::Fail => {
                    return finish(
                        result,
                        binding,
                        vec![Failure {
                            message: e,
                            reason: "Invalid".into(),
                            index: None,
                        }],
                    );
                }
            },
        }
        let mut failures = Vec::new();
        for (i, v) in policy.validations.iter().enumerate() {
            let outcome = match &v.expr.program {
                Ok(p) => act.eval_bool(p).map_err(|e| error_text(&v.expr, &e)),
                Err(e) => Err(e.clone()),
            };
            match outcome {
                Ok(true) => {}
                Ok(false) => failures.push(Failure {
                    message: failure_message(&mut act, v),
                    reason: v.reason.clone().unwrap_or_else(|| "Invalid".into()),
                    index: Some(i),
                }),
                Err(msg) => {
                    if policy.failure_policy == FailurePolicy::Fail {
                        failures.push(Failure {
                            message: msg,
                            reason: "Invalid".into(),
                            index: Some(i),
                        });
                    }
                }
            }
        }
        for a in &policy.audit_annotations {
            let outcome = match &a.value.program {
                Ok(p) => act.eval_with(p, |v| {
                    use palisade_cel::val_to_json;
                    match val_to_json(v) {
                        Ok(Value::Null) => Ok(None),
                        Ok(Value::String(s)) => Ok(Some(s)),
                        _ => Err(EvalError {
                            message: format!(
                                "valueExpression '{}' resulted in unsupported return type: {}. Required type: string or null.",
                                a.value.source,
                                v.get_type().name()
                            ),
                            kind: palisade_cel::EvalErrorKind::Type,
                        }),
                    }
                }),
                Err(e) => Err(EvalError {
                    message: e.clone(),
                    kind: palisade_cel::EvalErrorKind::Runtime,
                }),
            };
            match outcome {
                Ok(Some(s)) if !s.trim().is_empty() => result
                    .audit_annotations
                    .push((format!("{}/{}", policy.name, a.key), s.trim().to_owned())),
                Ok(_) => {}
                Err(e) => {
                    if policy.failure_policy == FailurePolicy::Fail {
                        let message = if e.kind == palisade_cel::EvalErrorKind::Type {
                            e.message
                        } else {
                            format!(
                                "valueExpression '{}' resulted in error: {}",
                                a.value.source, e.message
                            )
                        };
                        failures.push(Failure {
                            message,
                            reason: "Invalid".into(),
                            index: None,
                        });
                    }
                }
            }
        }
        finish(result, binding, failures)
    }

    /// Only the mutating policies: the object after them, the results, whether it changed
    pub fn mutate(&self, req: &AdmissionRequest) -> (Option<Value>, Vec<BindingResult>, bool) {
        self.mutate_view(req.view())
    }

    /// [`Self::mutate`] of a borrowed request
    pub fn mutate_view(&self, req: RequestView<'_>) -> (Option<Value>, Vec<BindingResult>, bool) {
        let Some(original) = req.object.cloned() else {
            return (None, Vec::new(), false);
        };
        let candidates = self.m_index.candidates(req.group, req.resource);
        if req.operation == "DELETE" || candidates.is_empty() {
            return (Some(original), Vec::new(), false);
        }
        let inputs = self.inputs(req);
        let mut object = original.clone();
        let mut results = Vec::new();
        // (binding index, object right after it ran) for IfNeeded invocations
        let mut reinvocable: Vec<(u32, Value)> = Vec::new();
        for i in candidates {
            let mut rs = self.invoke_mutating(i, &inputs, &mut object);
            let invoked = rs.iter().any(|r| r.verdict != Verdict::Skip);
            results.append(&mut rs);
            let reinvoke = self
                .m_bindings
                .get(i as usize)
                .and_then(|(p, _)| self.mutating.get(*p))
                .is_some_and(|p| p.reinvoke);
            if invoked && reinvoke {
                reinvocable.push((i, object.clone()));
            }
        }
        // reinvocation: once, for IfNeeded policies whose output a later mutation changed
        let changed_after: Vec<u32> = reinvocable
            .iter()
            .filter(|(_, after)| *after != object)
            .map(|(i, _)| *i)
            .collect();
        for i in changed_after {
            let mut rs = self.invoke_mutating(i, &inputs, &mut object);
            for r in &mut rs {
                r.skip_reason.get_or_insert_with(|| "reinvoked".into());
            }
            results.append(&mut rs);
        }
        let mutated = object != original;
        (Some(object), results, mutated)
    }

    fn invoke_mutating(
        &self,
        i: u32,
        inputs: &Inputs<'_>,
        object: &mut Value,
    ) -> Vec<BindingResult> {
        let Some((pi, binding)) = self.m_bindings.get(i as usize) else {
            return Vec::new();
        };
        let Some(policy) = self.mutating.get(*pi) else {
            return Vec::new();
        };
        if !Self::matches(inputs, &policy.constraints, binding, Some(object)) {
            return Vec::new();
        }
        let base = BindingResult {
            policy_type: PolicyType::Mutating,
            policy: policy.name.clone(),
            binding: binding.name.clone(),
            param: None,
            actions: Vec::new(),
            verdict: Verdict::Allow,
            messages: Vec::new(),
            expression_indexes: Vec::new(),
            reason: None,
            skip_reason: None,
            audit_annotations: Vec::new(),
        };
        if let Some(e) = &policy.config_error {
            return vec![mutation_failure(base, policy.failure_policy, e.clone())];
        }
        let params = match collect_params(
            &self.inventory,
            policy.param_kind.as_ref(),
            binding,
            inputs.req,
        ) {
            Ok(p) if p.is_empty() => return vec![skip(base, "no params found")],
            Ok(p) => p,
            Err(e) => return vec![mutation_failure(base, policy.failure_policy, e)],
        };
        let mut out = Vec::new();
        for (param, pname) in params {
            let mut r = base.clone();
            r.param = pname;
            out.push(self.evaluate_mutating(policy, inputs, param, object, r));
        }
        out
    }

    fn evaluate_mutating(
        &self,
        policy: &MutatingPolicy,
        inputs: &Inputs<'_>,
        param: Option<&Value>,
        object: &mut Value,
        mut result: BindingResult,
    ) -> BindingResult {
        let params = policy.param_kind.as_ref().map(|_| param);
        {
            let snapshot = object.clone();
            let mut act = self.activation(
                inputs,
                Some(&snapshot),
                params,
                &policy.variables,
                policy.names,
            );
            match match_conditions(&mut act, &policy.match_conditions) {
                Ok(true) => {}
                Ok(false) => return skip(result, "a match condition is false"),
                Err(e) => {
                    return match policy.failure_policy {
                        FailurePolicy::Ignore => skip(result, "a match condition failed (ignored)"),
                        FailurePolicy::Fail => mutation_failure(result, FailurePolicy::Fail, e),
                    };
                }
            }
        }
        let mut changed = false;
        for m in &policy.mutations {
            let patch = {
                let snapshot = object.clone();
                let mut act = self.activation(
                    inputs,
                    Some(&snapshot),
                    params,
                    &policy.variables,
                    policy.names,
                );
                match &m.expr.program {
                    Ok(p) => act.eval_json(p).map_err(|e| error_text(&m.expr, &e)),
                    Err(e) => Err(e.clone()),
                }
            };
            let applied = patch.and_then(|patch| {
                let before = object.clone();
                let r = match m.patch_type {
                    PatchType::JsonPatch => apply_json_patch(object, &patch),
                    PatchType::ApplyConfiguration => {
                        if patch.is_object() {
                            apply_configuration(object, &patch)
                        } else {
                            Err(PatchError::Invalid(
                                "an apply configuration must be an object".into(),
                            ))
                        }
                    }
                };
                match r {
                    Ok(()) => {
                        changed |= *object != before;
                        Ok(())
                    }
                    Err(PatchError::TestFailed(path)) => {
                        result
                            .messages
                            .push(format!("JSON patch skipped: test failed at `{path}`"));
                        Ok(())
                    }
                    Err(PatchError::Invalid(e)) => Err(e),
                }
            });
            if let Err(e) = applied {
                match policy.failure_policy {
                    FailurePolicy::Fail => {
                        return mutation_failure(result, FailurePolicy::Fail, e);
                    }
                    FailurePolicy::Ignore => result.messages.push(format!("ignored: {e}")),
                }
            }
        }
        if changed {
            result.verdict = Verdict::Mutated;
        }
        result
    }
}

fn error_text(expr: &Expr, e: &EvalError) -> String {
    format!(
        "expression '{}' resulted in error: {}",
        expr.source, e.message
    )
}

/// `Ok(false)` if a condition is false; else `Err` with the first error; else `Ok(true)`
fn match_conditions(act: &mut Activation<'_>, conditions: &[NamedExpr]) -> Result<bool, String> {
    let mut first_error = None;
    for c in conditions {
        let r = match &c.expr.program {
            Ok(p) => act.eval_bool(p).map_err(|e| e.message),
            Err(e) => Err(e.clone()),
        };
        match r {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(e) => {
                first_error.get_or_insert_with(|| {
                    format!("failed to evaluate match condition '{}': {e}", c.name)
                });
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(true),
    }
}

fn failure_message(act: &mut Activation<'_>, v: &crate::policy::Validation) -> String {
    if let Some(me) = &v.message_expression
        && let Ok(p) = &me.program
        && let Ok(Some(s)) = act.eval_string(p)
    {
        let t = s.trim();
        if !t.is_empty() && !t.contains('\n') && t.len() <= 5 * 1024 {
            return t.to_owned();
        }
    }
    if let Some(m) = &v.message
        && !m.trim().is_empty()
    {
        return m.trim().to_owned();
    }
    format!("failed expression: {}", v.expr.source.trim())
}

fn skip(mut r: BindingResult, why: &str) -> BindingResult {
    r.verdict = Verdict::Skip;
    r.skip_reason = Some(why.to_owned());
    r
}

fn finish(mut r: BindingResult, binding: &Binding, failures: Vec<Failure>) -> BindingResult {
    if failures.is_empty() {
        r.verdict = Verdict::Allow;
        return r;
    }
    r.reason = failures.first().map(|f| f.reason.clone());
    r.expression_indexes = failures.iter().map(|f| f.index).collect();
    r.messages = failures.into_iter().map(|f| f.message).collect();
    r.verdict = if binding.actions.deny {
        Verdict::Deny
    } else if binding.actions.warn {
        Verdict::Warn
    } else {
        Verdict::Audit
    };
    r
}

fn config_failure(
    r: BindingResult,
    failure_policy: FailurePolicy,
    message: &str,
    binding: &Binding,
) -> BindingResult {
    match failure_policy {
        FailurePolicy::Ignore => skip(r, &format!("ignored: {message}")),
        FailurePolicy::Fail => finish(
            r,
            binding,
            vec![Failure {
                message: message.to_owned(),
                reason: "Invalid".into(),
                index: None,
            }],
        ),
    }
}

fn mutation_failure(
    mut r: BindingResult,
    failure_policy: FailurePolicy,
    message: String,
) -> BindingResult {
    match failure_policy {
        FailurePolicy::Ignore => skip(r, &format!("ignored: {message}")),
        FailurePolicy::Fail => {
            r.verdict = Verdict::Deny;
            r.reason = Some("Invalid".into());
            r.messages.push(message);
            r
        }
    }
}

/// A param object and its `namespace/name`
type Param<'i> = (Option<&'i Value>, Option<String>);

/// The params of one evaluation: `(param, "ns/name")` pairs; `(None, None)` once when the
/// policy has no paramKind or the binding no paramRef. Empty when none were found and the
/// binding allows that; `Err` when the binding denies it.
fn collect_params<'i>(
    inventory: &'i Inventory,
    kind: Option<&ParamKind>,
    binding: &Binding,
    req: RequestView<'_>,
) -> Result<Vec<Param<'i>>, String> {
    let (Some(kind), Some(pref)) = (kind, binding.param_ref.as_ref()) else {
        return Ok(vec![(None, None)]);
    };
    let group = kind.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let all: Vec<&Value> = inventory.of_kind(&kind.api_version, &kind.kind).collect();
    let ns_of = |v: &Value| {
        v.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let namespaced = crate::matching::kind_is_namespaced(group, &kind.kind)
        .unwrap_or_else(|| all.iter().any(|v| !ns_of(v).is_empty()));
    let namespace = match (&pref.namespace, namespaced) {
        (Some(ns), _) => ns.clone(),
        (None, true) if req.namespace.is_empty() => {
            return Err(format!(
                "cannot use a namespaced paramRef ({}) to match the cluster-scoped request; set paramRef.namespace",
                kind.kind
            ));
        }
        (None, true) => req.namespace.to_owned(),
        (None, false) => String::new(),
    };
    let mut found: Vec<(&Value, String)> = all
        .into_iter()
        .filter(|v| ns_of(v) == namespace)
        .filter(|v| {
            let name = v.pointer("/metadata/name").and_then(Value::as_str);
            match (&pref.name, &pref.selector) {
                (Some(n), _) => name == Some(n.as_str()),
                (None, Some(sel)) => sel.matches(v.pointer("/metadata/labels")),
                (None, None) => false,
            }
        })
        .map(|v| {
            let name = v
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let label = if namespace.is_empty() {
                name.to_owned()
            } else {
                format!("{namespace}/{name}")
            };
            (v, label)
        })
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    if found.is_empty() {
        return if pref.not_found_deny {
            Err("no params found for policy binding with `Deny` parameterNotFoundAction".into())
        } else {
            Ok(Vec::new())
        };
    }
    Ok(found.into_iter().map(|(v, n)| (Some(v), Some(n))).collect())
}
