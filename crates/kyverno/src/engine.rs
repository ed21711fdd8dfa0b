//! Applying policies to a resource (`pkg/engine`): mutate, validate and generate rules with
//! Kyverno's rule statuses and messages.

use crate::conditions::{self, ConditionError};
use crate::context::Context;
use crate::contextload::{self, OfflineData};
use crate::matching::{self, MatchInput, RequestInfo, RuleMatch};
use crate::policy::{FailureAction, KindRule, Policy, PreparedPatterns};
use crate::validate::{MatchResult, Pattern};
use crate::variables;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Rule kinds in responses
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleType {
    /// validate
    Validation,
    /// mutate
    Mutation,
    /// generate
    Generation,
    /// verifyImages
    ImageVerify,
}

impl RuleType {
    /// Lowercase name
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "Validation",
            Self::Mutation => "Mutation",
            Self::Generation => "Generation",
            Self::ImageVerify => "ImageVerify",
        }
    }
}

/// Rule statuses as Kyverno reports them
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleStatus {
    /// The resource satisfied the rule
    Pass,
    /// The resource violated the rule
    Fail,
    /// A failure reported as a warning (Audit policies with audit-warn)
    Warn,
    /// The rule could not be evaluated
    Error,
    /// The rule did not apply (preconditions, conditional anchors)
    Skip,
}

impl RuleStatus {
    /// `pass`, `fail`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Skip => "skip",
        }
    }

    /// Parse `pass`, `fail`, …
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "pass" => Self::Pass,
            "fail" => Self::Fail,
            "warn" => Self::Warn,
            "error" => Self::Error,
            "skip" => Self::Skip,
            _ => return None,
        })
    }
}

/// One rule's outcome
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResponse {
    /// Rule name (autogen rules carry their `autogen-` names)
    pub name: String,
    /// Rule kind
    pub rule_type: RuleType,
    /// Status
    pub status: RuleStatus,
    /// Message
    pub message: String,
    /// Resources a generate rule produced
    pub generated: Vec<Value>,
    /// Existing resources a mutate rule with `targets` patched (mutate existing)
    pub patched_targets: Vec<Value>,
    /// Effective failure action of the rule
    pub failure_action: FailureAction,
}

impl RuleResponse {
    /// A response with no generated or patched resources and the Audit failure action
    pub(crate) fn new(
        name: &str,
        rule_type: RuleType,
        status: RuleStatus,
        message: impl Into<String>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            rule_type,
            status,
            message: message.into(),
            generated: Vec::new(),
            patched_targets: Vec::new(),
            failure_action: FailureAction::Audit,
        }
    }

    fn error(name: &str, rule_type: RuleType, msg: &str, err: impl std::fmt::Display) -> Self {
        Self::new(name, rule_type, RuleStatus::Error, format!("{msg}: {err}"))
    }

    /// The precondition gate of a rule: the response that ends it (an error, or a skip when
    /// the preconditions are not met), or `None` to go on
    fn unless_preconditions_met(
        name: &str,
        rule_type: RuleType,
        ctx: &mut Context,
        conds: Option<&Value>,
    ) -> Option<Self> {
        match precondition_outcome(ctx, conds) {
            Err(e) => Some(Self::error(
                name,
                rule_type,
                "failed to evaluate preconditions",
                e,
            )),
            Ok(Some(msg)) => Some(Self::new(name, rule_type, RuleStatus::Skip, msg)),
            Ok(None) => None,
        }
    }
}

/// The outcome of one policy on one resource
#[derive(Debug, Clone)]
pub struct EngineResponse {
    /// Policy name
    pub policy: String,
    /// Namespace of a namespaced Policy
    pub policy_namespace: String,
    /// Policy kind
    pub policy_kind: String,
    /// The resource as the policy saw it
    pub resource: Value,
    /// The resource after this policy's mutations
    pub patched: Value,
    /// Rule responses, in rule order
    pub rules: Vec<RuleResponse>,
}

impl EngineResponse {
    /// The response before any rule ran: the resource unpatched, no rule results
    pub fn empty(policy: &Policy, resource: &Value) -> Self {
        Self {
            policy: policy.name.clone(),
            policy_namespace: policy.namespace.clone(),
            policy_kind: policy.kind.clone(),
            resource: resource.clone(),
            patched: resource.clone(),
            rules: Vec::new(),
        }
    }
}

/// Everything about the admission request besides the resource. The namespace and the old
/// object are borrowed where the caller keeps them (the admission webhook's request and its
/// namespace cache): copying them for every request cost more than many rules.
#[derive(Default, Clone)]
pub struct Admission<'a> {
    /// `CREATE` (default), `UPDATE`, `DELETE`, `CONNECT`
    pub operation: String,
    /// User info, when a userinfo file was given
    pub user: Option<RequestInfo>,
    /// Labels of the resource's namespace
    pub namespace_labels: Cow<'a, Map<String, Value>>,
    /// The namespace object, when provided
    pub namespace_object: Option<Cow<'a, Value>>,
    /// Values added to the context after the built-in variables (global, then per resource)
    pub variables: Vec<(String, Value)>,
    /// Values per rule name (added when the rule's context loads)
    pub rule_values: HashMap<String, Vec<(String, Value)>>,
    /// `foreachValues` per rule name: key → value per element index
    pub foreach_values: HashMap<String, Vec<(String, Vec<Value>)>>,
    /// Offline data for context entries
    pub offline: OfflineData,
    /// Resources provided as cluster state (clone sources)
    pub cluster_resources: Vec<Value>,
    /// Resources Kyverno CEL lookups (`resource.Get` / `resource.List`) are answered from
    pub cel_resources: std::sync::Arc<Vec<Value>>,
    /// Image metadata `image.GetMetadata` is answered from, by image reference
    pub cel_images: std::sync::Arc<Map<String, Value>>,
    /// Existing resources `mutate.targets` select from (the Kyverno CLI's target resources)
    pub target_resources: std::sync::Arc<Vec<Value>>,
    /// Resources `validate.cel` `paramRef` selects its params from
    pub param_resources: std::sync::Arc<Vec<Value>>,
    /// The request's old object, when known (the admission webhook). With it,
    /// `request.oldObject` is that object, and pattern rules act as in Kyverno's webhook: on
    /// UPDATE a failure the old object has too is skipped, on DELETE they do not apply.
    /// Without it (the CLI), the old object is taken to be the resource itself.
    pub old_object: Option<Cow<'a, Value>>,
    /// The AdmissionRequest's own fields as the API server sent them (`uid`, `kind`,
    /// `resource`, `requestKind`, `name`, `dryRun`, `options`, …), known to the admission
    /// webhook: as in Kyverno's webhook, `request` starts from them (the objects, namespace,
    /// operation and user are set from the members above). Empty offline, and where no
    /// policy [reads them](reads_request_fields).
    pub request_fields: Map<String, Value>,
}

impl std::fmt::Debug for Admission<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("operation", &self.operation)
            .field("user", &self.user)
            .field("variables", &self.variables)
            .finish_non_exhaustive()
    }
}

impl Admission<'_> {
    fn op(&self) -> &str {
        if self.operation.is_empty() {
            "CREATE"
        } else {
            &self.operation
        }
    }
}

fn kind_of(r: &Value) -> &str {
    r.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn gv_of(r: &Value) -> (&str, &str) {
    let api = r
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match api.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api),
    }
}

/// Whether a policy (its whole document) can read one of [`Admission::request_fields`]: some
/// string names the word `request` other than as `request.object`, `request.oldObject`,
/// `request.operation`, `request.userInfo`, `request.roles` or `request.clusterRoles`, which
/// are set without them (JMESPath and CEL alike). A caller that knows no policy can read them
/// need not build them.
pub fn reads_request_fields(policy: &Value) -> bool {
    const SET_APART: [&str; 6] = [
        "object",
        "oldObject",
        "operation",
        "userInfo",
        "roles",
        "clusterRoles",
    ];
    palisade_model::any_string(policy, &|text| {
        request_mentions(text).any(|field| field.is_none_or(|f| !SET_APART.contains(&f)))
    })
}

/// The mentions of the word `request` in `text` (not `requests` or `myrequest`): for each,
/// the field named after it (`Some("roles")` for `request.roles`), or `None` where the whole
/// `request` is read
pub(crate) fn request_mentions(text: &str) -> impl Iterator<Item = Option<&str>> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.match_indices("request").filter_map(move |(at, word)| {
        let bytes = text.as_bytes();
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let rest = &text[at + word.len()..];
        if before.is_some_and(|b| is_word(*b)) || rest.bytes().next().is_some_and(is_word) {
            return None; // part of another word
        }
        let Some(field) = rest.strip_prefix('.') else {
            return Some(None);
        };
        let name_len = field.bytes().take_while(|b| is_word(*b)).count();
        Some(Some(&field[..name_len]))
    })
}

/// The JSON context a policy starts from (`NewPolicyContext` in the CLI)
pub fn base_context(resource: &Value, adm: &Admission<'_>) -> Context {
    let mut ctx = Context::new();
    for (field, value) in &adm.request_fields {
        ctx.set(&["request", field], value.clone());
    }
    let op = adm.op();
    if op == "DELETE" {
        ctx.set(&["request", "oldObject"], resource.clone());
    } else {
        ctx.set(&["request", "object"], resource.clone());
        if op == "UPDATE" {
            let old = adm.old_object.as_deref().unwrap_or(resource);
            ctx.set(&["request", "oldObject"], old.clone());
        }
    }
    // The request's namespace as sent; offline, the resource's
    if !adm.request_fields.contains_key("namespace") {
        let ns = resource
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        ctx.set(&["request", "namespace"], Value::String(ns.to_owned()));
    }
    if let Some(images) = crate::images::extract(resource) {
        ctx.set(&["images"], images);
    }
    if let Some(user) = &adm.user {
        if !user.roles.is_empty() {
            ctx.set(
                &["request", "roles"],
                Value::Array(user.roles.iter().cloned().map(Value::String).collect()),
            );
        }
        if !user.cluster_roles.is_empty() {
            ctx.set(
                &["request", "clusterRoles"],
                Value::Array(
                    user.cluster_roles
                        .iter()
                        .cloned()
                        .map(Value::String)
                        .collect(),
                ),
            );
        }
        ctx.set(&["request", "userInfo"], user.user_info.clone());
        let username = user
            .user_info
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (mut sa_name, mut sa_ns) = (String::new(), String::new());
        if let Some(rest) = username.strip_prefix("system:serviceaccount:") {
            let parts: Vec<&str> = rest.split(':').collect();
            if parts.len() >= 2 {
                sa_ns = parts[0].to_owned();
                sa_name = parts[1].to_owned();
            }
        }
        ctx.set(&["serviceAccountName"], Value::String(sa_name));
        ctx.set(&["serviceAccountNamespace"], Value::String(sa_ns));
    }
    ctx.set(&["request", "operation"], Value::String(op.to_owned()));
    for (k, v) in &adm.variables {
        ctx.add_variable(k, v.clone());
    }
    ctx
}

/// The [`base_context`] of a request, built when a rule first needs it and then shared by
/// every rule (copy-on-write): a webhook request whose matching rules only match patterns
/// without variables, and pass, never builds one
pub struct BaseContext<'a> {
    resource: &'a Value,
    adm: &'a Admission<'a>,
    /// The resource's kind, API group and version, read once for every policy
    kind: &'a str,
    group: &'a str,
    version: &'a str,
    ctx: std::cell::OnceCell<Context>,
}

impl<'a> BaseContext<'a> {
    /// The base context of `resource` and `adm` (built on first use)
    pub fn new(resource: &'a Value, adm: &'a Admission<'a>) -> Self {
        let (group, version) = gv_of(resource);
        Self {
            resource,
            adm,
            kind: kind_of(resource),
            group,
            version,
            ctx: std::cell::OnceCell::new(),
        }
    }

    /// The context, built now when it was not yet
    pub fn get(&self) -> &Context {
        self.ctx
            .get_or_init(|| base_context(self.resource, self.adm))
    }
}

/// Where a validation reads and writes its context: a [`Context`], or a rule's [`RuleContext`]
trait ContextSlot {
    fn context(&mut self) -> &mut Context;
}

impl ContextSlot for Context {
    fn context(&mut self) -> &mut Context {
        self
    }
}

/// The context of one rule: the base context as checkpointed for the rule, taken when the
/// rule first reads or writes the context (a rule starts from the base context, whatever the
/// rules before it loaded: each is run between a checkpoint and a restore)
struct RuleContext<'b> {
    base: &'b BaseContext<'b>,
    ctx: Option<Context>,
}

impl ContextSlot for RuleContext<'_> {
    fn context(&mut self) -> &mut Context {
        let base = self.base;
        self.ctx.get_or_insert_with(|| {
            let mut ctx = base.get().clone();
            ctx.checkpoint();
            ctx
        })
    }
}

fn rule_name(rule: &Value) -> &str {
    rule.get("name").and_then(Value::as_str).unwrap_or_default()
}

fn rule_matches(policy: &Policy, rule: &RuleMatch, resource: &Value, adm: &Admission<'_>) -> bool {
    rule.admits(&match_input(policy, resource, adm))
}

/// What the rules of `policy` are matched against
fn match_input<'a>(
    policy: &'a Policy,
    resource: &'a Value,
    adm: &'a Admission<'a>,
) -> MatchInput<'a> {
    match_input_of_kind(policy, resource, adm, kind_of(resource), gv_of(resource))
}

/// [`match_input`] with the resource's kind and (group, version) read already
fn match_input_of_kind<'a>(
    policy: &'a Policy,
    resource: &'a Value,
    adm: &'a Admission<'a>,
    kind: &'a str,
    (group, version): (&'a str, &'a str),
) -> MatchInput<'a> {
    MatchInput {
        resource,
        group,
        version,
        kind,
        subresource: "",
        operation: adm.op(),
        namespace_labels: &adm.namespace_labels,
        request: adm.user.as_ref(),
        policy_namespace: &policy.namespace,
    }
}

/// The CLI's context loader: rule values, then the rule's context entries
fn load_rule_context(
    ctx: &mut Context,
    rule: &Value,
    entries: Option<&Value>,
    adm: &Admission<'_>,
) -> Result<(), String> {
    load_named_rule_context(ctx, rule_name(rule), entries, adm)
}

/// [`load_rule_context`] of the rule named `name`
fn load_named_rule_context(
    ctx: &mut Context,
    name: &str,
    entries: Option<&Value>,
    adm: &Admission<'_>,
) -> Result<(), String> {
    let entries = entries
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    contextload::load_entries(ctx, entries, &adm.offline)?;
    if let Some(values) = adm.rule_values.get(name) {
        for (k, v) in values {
            ctx.add_variable(k, v.clone());
        }
    }
    Ok(())
}

fn add_foreach_values(ctx: &mut Context, rule: &Value, index: usize, adm: &Admission<'_>) {
    if let Some(values) = adm.foreach_values.get(rule_name(rule)) {
        for (k, list) in values {
            if let Some(v) = list.get(index) {
                ctx.add_variable(k, v.clone());
            }
        }
    }
}

fn precondition_outcome(
    ctx: &mut Context,
    conds: Option<&Value>,
) -> Result<Option<String>, ConditionError> {
    let (ok, msg) = conditions::check_preconditions(ctx, conds)?;
    if ok {
        Ok(None)
    } else if msg.is_empty() {
        Ok(Some("preconditions not met".to_owned()))
    } else {
        Ok(Some(format!("preconditions not met; {msg}")))
    }
}

/// A kyverno.io policy's rules for the resource's kind (autogen included) and the context
/// they start from; `None` for the other policy kinds, which these stages leave alone
fn kyverno_rules(
    policy: &Policy,
    resource: &Value,
    adm: &Admission<'_>,
) -> Option<(std::sync::Arc<Vec<KindRule>>, Context)> {
    policy.is_kyverno().then(|| {
        (
            policy.rules_for_kind(kind_of(resource)),
            base_context(resource, adm),
        )
    })
}

/// Run every mutate rule of a policy; the patched resource feeds the next rule
pub fn mutate(policy: &Policy, resource: &Value, adm: &Admission<'_>) -> EngineResponse {
    let mut resp = EngineResponse::empty(policy, resource);
    let Some((rules, mut ctx)) = kyverno_rules(policy, resource, adm) else {
        return resp;
    };
    let mut applied = 0;
    for KindRule { rule, matcher, .. } in rules.iter() {
        let Some(m) = rule.get("mutate").filter(|m| m.is_object()) else {
            continue;
        };
        if !rule_matches(policy, matcher, &resp.patched, adm) {
            continue;
        }
        if let Some(targets) = m.get("targets").and_then(Value::as_array) {
            // mutate existing: the trigger is left alone, the selected targets are patched
            ctx.checkpoint();
            let rr = mutate_existing(rule, m, targets, &mut ctx, adm);
            ctx.restore();
            resp.rules.push(rr);
            continue;
        }
        ctx.checkpoint();
        let r = mutate_rule(rule, m, &mut ctx, &resp.patched, adm);
        ctx.restore();
        let name = rule_name(rule);
        let rr = match r {
            MutateOutcome::Patched(p) => {
                resp.patched = p;
                ctx.set(&["request", "object"], resp.patched.clone());
                if let Some(images) = crate::images::extract(&resp.patched) {
                    ctx.set(&["images"], images);
                }
                applied += 1;
                RuleResponse::new(
                    name,
                    RuleType::Mutation,
                    RuleStatus::Pass,
                    format!(
                        "mutated {} {}",
                        kind_of(&resp.patched),
                        resource_label(&resp.patched)
                    ),
                )
            }
            MutateOutcome::Skip(msg) => {
                RuleResponse::new(name, RuleType::Mutation, RuleStatus::Skip, msg)
            }
            MutateOutcome::Error(msg) => {
                RuleResponse::new(name, RuleType::Mutation, RuleStatus::Error, msg)
            }
        };
        resp.rules.push(rr);
        if policy.apply_one() && applied > 0 {
            break;
        }
    }
    resp
}

fn resource_label(r: &Value) -> String {
    let name = r
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match r.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

/// A `mutate` rule with `targets`: each target spec (variables substituted) selects provided
/// resources; each is patched with `target` bound to it (`request.object` stays the trigger),
/// after the target's own `context` and `preconditions`
fn mutate_existing(
    rule: &Value,
    m: &Value,
    specs: &[Value],
    ctx: &mut Context,
    adm: &Admission<'_>,
) -> RuleResponse {
    let name = rule_name(rule);
    let respond = |status, msg: String| RuleResponse::new(name, RuleType::Mutation, status, msg);
    if let Err(e) = load_rule_context(ctx, rule, rule.get("context"), adm) {
        return respond(RuleStatus::Error, format!("failed to load context: {e}"));
    }
    if let Some(r) = RuleResponse::unless_preconditions_met(
        name,
        RuleType::Mutation,
        ctx,
        rule.get("preconditions"),
    ) {
        return r;
    }
    let mut patch_block = m.clone();
    if let Some(o) = patch_block.as_object_mut() {
        o.remove("targets");
    }
    let mut found = 0usize;
    let mut patched = Vec::new();
    for spec in specs {
        let mut selector = spec.clone();
        if let Some(o) = selector.as_object_mut() {
            o.remove("context");
            o.remove("preconditions");
        }
        let selector = match variables::substitute_all(ctx, &selector) {
            Ok(s) => s,
            Err(e) => {
                return respond(
                    RuleStatus::Error,
                    format!("failed to substitute variables in target: {e}"),
                );
            }
        };
        for target in adm.target_resources.iter() {
            match target_selected(&selector, target) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => return respond(RuleStatus::Error, format!("invalid target: {e}")),
            }
            found += 1;
            ctx.checkpoint();
            let outcome = patch_target(rule, spec, &patch_block, target, ctx, adm);
            ctx.restore();
            match outcome {
                Ok(Some(p)) => patched.push(p),
                Ok(None) => {}
                Err(e) => return respond(RuleStatus::Error, e),
            }
        }
    }
    if found == 0 {
        return respond(RuleStatus::Skip, "no target resources found".to_owned());
    }
    if patched.is_empty() {
        return respond(RuleStatus::Skip, "no patches applied".to_owned());
    }
    let names: Vec<String> = patched
        .iter()
        .map(|t| format!("{} {}", kind_of(t), resource_label(t)))
        .collect();
    let mut rr = respond(
        RuleStatus::Pass,
        format!("mutated existing resource(s): {}", names.join(", ")),
    );
    rr.patched_targets = patched;
    rr
}

/// Whether a (substituted) target spec selects `target`: apiVersion, kind, name (wildcards),
/// namespace, uid and label selector, each when given
fn target_selected(spec: &Value, target: &Value) -> Result<bool, String> {
    let field = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default();
    let meta = |k: &str| {
        target
            .pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let api = target
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let same = |want: &str, have: &str| want.is_empty() || want == have;
    if !same(field("apiVersion"), api)
        || !same(field("kind"), kind_of(target))
        || !same(field("namespace"), meta("namespace"))
        || !same(field("uid"), meta("uid"))
    {
        return Ok(false);
    }
    let name = field("name");
    if !name.is_empty() && !crate::wildcard::matches(name, meta("name")) {
        return Ok(false);
    }
    match spec.get("selector").filter(|s| !s.is_null()) {
        None => Ok(true),
        Some(sel) => matching::object_selected(sel, target),
    }
}

/// Patch one target: `Ok(None)` when its preconditions are not met or nothing changed
fn patch_target(
    rule: &Value,
    spec: &Value,
    patch_block: &Value,
    target: &Value,
    ctx: &mut Context,
    adm: &Admission<'_>,
) -> Result<Option<Value>, String> {
    ctx.set(&["target"], target.clone());
    load_rule_context(ctx, rule, spec.get("context"), adm)
        .map_err(|e| format!("failed to load target context: {e}"))?;
    match precondition_outcome(ctx, spec.get("preconditions")) {
        Err(e) => return Err(format!("failed to evaluate target preconditions: {e}")),
        Ok(Some(_)) => return Ok(None),
        Ok(None) => {}
    }
    let out = if let Some(Value::Array(fe)) = patch_block.get("foreach") {
        mutate_foreach(rule, fe, ctx, target, adm, 0)?
    } else {
        let sub = variables::substitute_all(ctx, patch_block)
            .map_err(|e| format!("variable substitution failed: {e}"))?;
        Some(apply_patches(&sub, target)?)
    };
    Ok(out.filter(|p| !crate::value::deep_equal(p, target)))
}

enum MutateOutcome {
    Patched(Value),
    Skip(String),
    Error(String),
}

fn mutate_rule(
    rule: &Value,
    m: &Value,
    ctx: &mut Context,
    resource: &Value,
    adm: &Admission<'_>,
) -> MutateOutcome {
    if let Err(e) = load_rule_context(ctx, rule, rule.get("context"), adm) {
        return MutateOutcome::Error(format!("failed to load context: {e}"));
    }
    match precondition_outcome(ctx, rule.get("preconditions")) {
        Err(e) => return MutateOutcome::Error(format!("failed to evaluate preconditions: {e}")),
        Ok(Some(msg)) => return MutateOutcome::Skip(msg),
        Ok(None) => {}
    }
    let patched = if let Some(Value::Array(fe)) = m.get("foreach") {
        match mutate_foreach(rule, fe, ctx, resource, adm, 0) {
            Ok(Some(p)) => p,
            Ok(None) => return MutateOutcome::Skip("no patches applied".to_owned()),
            Err(e) => return MutateOutcome::Error(e),
        }
    } else {
        // Kyverno substitutes variables in the whole rule before patching
        let sub = match variables::substitute_all(ctx, rule) {
            Ok(s) => s,
            Err(e) => return MutateOutcome::Error(format!("variable substitution failed: {e}")),
        };
        match apply_patches(sub.get("mutate").unwrap_or(&Value::Null), resource) {
            Ok(p) => p,
            Err(e) => return MutateOutcome::Error(e),
        }
    };
    if crate::value::deep_equal(&patched, resource) {
        MutateOutcome::Skip("no patches applied".to_owned())
    } else {
        MutateOutcome::Patched(patched)
    }
}

/// Apply `patchStrategicMerge` / `patchesJson6902` of a (substituted) mutate block
fn apply_patches(m: &Value, resource: &Value) -> Result<Value, String> {
    if let Some(psm) = m.get("patchStrategicMerge").filter(|p| !p.is_null()) {
        return crate::strategic::apply(resource, psm)
            .map_err(|e| format!("failed to patch resource: {e}"));
    }
    if let Some(js) = m.get("patchesJson6902") {
        let ops = match js {
            Value::String(s) => crate::yaml::parse_one(s)
                .map_err(|e| format!("failed to parse patchesJson6902: {e}"))?,
            other => other.clone(),
        };
        let ops = match ops {
            Value::Array(a) => a,
            _ => return Err("patchesJson6902 must be a list of operations".to_owned()),
        };
        return crate::jsonpatch::apply(resource, &ops)
            .map_err(|e| format!("failed to patch resource: {e}"));
    }
    Err("empty mutate rule".to_owned())
}

/// `mutateForEach`: returns the patched resource, or `None` when nothing applied
fn mutate_foreach(
    rule: &Value,
    foreach: &[Value],
    ctx: &mut Context,
    resource: &Value,
    adm: &Admission<'_>,
    nesting: usize,
) -> Result<Option<Value>, String> {
    let mut current = resource.clone();
    let mut applied = 0;
    for fe in foreach {
        let fe = match variables::substitute_all(ctx, &strip_nested(fe)) {
            Ok(mut s) => {
                // nested foreach and per-element fields are substituted per element
                if let (Some(o), Some(orig)) = (s.as_object_mut(), fe.as_object()) {
                    for k in [
                        "foreach",
                        "patchStrategicMerge",
                        "patchesJson6902",
                        "context",
                        "preconditions",
                    ] {
                        if let Some(v) = orig.get(k) {
                            o.insert(k.to_owned(), v.clone());
                        }
                    }
                }
                s
            }
            Err(e) => return Err(format!("variable substitution failed: {e}")),
        };
        let list_expr = fe.get("list").and_then(Value::as_str).unwrap_or_default();
        let elements = match ctx.query(list_expr) {
            Ok(Value::Array(a)) => a,
            Ok(other) => vec![other],
            Err(e) => return Err(format!("failed to evaluate list {list_expr}: {e}")),
        };
        let mut reverse = fe.get("patchStrategicMerge").is_some();
        if let Some(o) = fe.get("order").and_then(Value::as_str) {
            reverse = o == "Descending";
        }
        let mut order: Vec<usize> = (0..elements.len()).collect();
        if reverse {
            order.reverse();
        }
        ctx.checkpoint();
        for index in order {
            let element = &elements[index];
            if element.is_null() {
                continue;
            }
            ctx.reset();
            add_element(ctx, element, index, nesting);
            add_foreach_values(ctx, rule, index, adm);
            let entries: Vec<Value> = fe
                .get("context")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Err(e) = contextload::load_entries(ctx, &entries, &adm.offline) {
                ctx.restore();
                return Err(format!(
                    "failed to load to mutate.foreach[{index}].context: {e}"
                ));
            }
            match precondition_outcome(ctx, fe.get("preconditions")) {
                Err(e) => {
                    ctx.restore();
                    return Err(format!(
                        "failed to evaluate mutate.foreach[{index}].preconditions: {e}"
                    ));
                }
                Ok(Some(_)) => continue,
                Ok(None) => {}
            }
            if let Some(Value::Array(nested)) = fe.get("foreach") {
                match mutate_foreach(rule, nested, ctx, &current, adm, nesting + 1) {
                    Ok(Some(p)) => current = p,
                    Ok(None) => {}
                    Err(e) => {
                        ctx.restore();
                        return Err(e);
                    }
                }
            } else {
                let mut patch_block = Map::new();
                for k in ["patchStrategicMerge", "patchesJson6902"] {
                    if let Some(v) = fe.get(k) {
                        patch_block.insert(k.to_owned(), v.clone());
                    }
                }
                let sub = match variables::substitute_all(ctx, &Value::Object(patch_block)) {
                    Ok(s) => s,
                    Err(e) => {
                        ctx.restore();
                        return Err(format!("variable substitution failed: {e}"));
                    }
                };
                match apply_patches(&sub, &current) {
                    Ok(p) => current = p,
                    Err(e) => {
                        ctx.restore();
                        return Err(e);
                    }
                }
            }
        }
        ctx.restore();
        applied += 1;
    }
    if applied == 0 {
        return Ok(None);
    }
    Ok(Some(current))
}

fn strip_nested(fe: &Value) -> Value {
    let mut f = fe.clone();
    if let Some(o) = f.as_object_mut() {
        for k in [
            "foreach",
            "patchStrategicMerge",
            "patchesJson6902",
            "context",
            "preconditions",
        ] {
            o.shift_remove(k);
        }
    }
    f
}

/// `AddElement`: `element`, `element<N>`, `elementIndex`, `elementIndex<N>`
fn add_element(ctx: &mut Context, element: &Value, index: usize, nesting: usize) {
    let idx = Value::from(index);
    ctx.add_variable("element", element.clone());
    ctx.add_variable(&format!("element{nesting}"), element.clone());
    ctx.add_variable("elementIndex", idx.clone());
    ctx.add_variable(&format!("elementIndex{nesting}"), idx);
}

/// Run every validate rule of a policy
pub fn validate(policy: &Policy, resource: &Value, adm: &Admission<'_>) -> EngineResponse {
    let mut resp = EngineResponse::empty(policy, resource);
    if policy.is_kyverno() {
        resp.rules = validate_rules(policy, resource, adm, &BaseContext::new(resource, adm));
    }
    resp
}

/// The rule responses of a kyverno.io policy's validate rules (none for other kinds), each
/// rule starting from `base`: the [`BaseContext`] of `resource` and `adm`. Callers that run
/// many policies on one resource (the admission webhook) make one and share it, and get no
/// copies of the resource back; [`validate`] is this with an [`EngineResponse`] around it.
pub fn validate_rules(
    policy: &Policy,
    resource: &Value,
    adm: &Admission<'_>,
    base: &BaseContext<'_>,
) -> Vec<RuleResponse> {
    let mut out = Vec::new();
    if !policy.is_kyverno() {
        return out;
    }
    let rules = policy.rules_for_kind(base.kind);
    let input = match_input_of_kind(policy, resource, adm, base.kind, (base.group, base.version));
    let mut applied = 0;
    for kr in rules.iter() {
        let Some(v) = &kr.validate else {
            continue;
        };
        if !kr.matcher.admits(&input) {
            continue;
        }
        let mut ctx = RuleContext { base, ctx: None };
        let r = validate_rule(kr, v, &mut ctx, resource, adm);
        if let Some(mut r) = r {
            r.failure_action = kr.failure_action;
            if matches!(r.status, RuleStatus::Pass | RuleStatus::Fail) {
                applied += 1;
            }
            out.push(r);
            if applied > 0 && kr.apply_one {
                break;
            }
        }
    }
    out
}

fn validate_rule(
    kr: &KindRule,
    v: &Value,
    ctx: &mut RuleContext<'_>,
    resource: &Value,
    adm: &Admission<'_>,
) -> Option<RuleResponse> {
    let rule = &kr.rule;
    let name = kr.name.as_str();
    // only keys the rule has are looked up (`KindRule::keys`)
    let keys = &kr.keys;
    let of_rule = |has: bool, key: &str| if has { rule.get(key) } else { None };
    let vk = &keys.validate_keys;
    let parts = &kr.validate_parts;
    let of_validate = |has: bool, key: &str| if has { v.get(key) } else { None };
    let context = of_rule(keys.context, "context");
    let conditions = of_rule(keys.preconditions, "preconditions");
    // without entries or values, loading does nothing; without conditions, they are met
    if (context.is_some() || !adm.rule_values.is_empty())
        && let Err(e) = load_named_rule_context(ctx.context(), name, context, adm)
    {
        return Some(RuleResponse::error(
            name,
            RuleType::Validation,
            "failed to load context",
            e,
        ));
    }
    if conditions.is_some_and(|c| !c.is_null())
        && let Some(r) = RuleResponse::unless_preconditions_met(
            name,
            RuleType::Validation,
            ctx.context(),
            conditions,
        )
    {
        return Some(r);
    }
    if let Some(ps) = of_validate(vk.pod_security, "podSecurity").filter(|p| !p.is_null()) {
        return Some(crate::pss::validate(name, ps, resource));
    }
    if of_validate(vk.cel, "cel").is_some_and(|c| !c.is_null()) {
        return Some(crate::cel::validate_rule(rule, resource, adm));
    }
    if vk.manifests || vk.assert {
        return None;
    }
    let validator = Validator {
        rule,
        name,
        message: parts.message.as_ref().and_then(Value::as_str),
        context,
        conditions,
        pattern: parts.pattern.as_ref(),
        pattern_substitutes: kr.pattern_substitutes,
        any_pattern: parts.any_pattern.as_ref(),
        any_pattern_substitutes: kr.any_pattern_substitutes,
        prepared: Some(&kr.prepared),
        deny: parts.deny.as_ref(),
        foreach: parts
            .foreach
            .as_ref()
            .and_then(Value::as_array)
            .map(Vec::as_slice),
        nesting: 0,
    };
    let mut st = State {
        element: None,
        resource,
        adm,
    };
    validator.validate(ctx, &mut st)
}

struct State<'a> {
    element: Option<Value>,
    resource: &'a Value,
    adm: &'a Admission<'a>,
}

/// The message of a validation that passed. `concat` rather than `format!`: it is built for
/// every passing rule of every request, and the formatting machinery cost several times the
/// copying.
fn passed_message(name: &str) -> String {
    ["validation rule '", name, "' passed."].concat()
}

struct Validator<'r> {
    rule: &'r Value,
    /// The rule's name
    name: &'r str,
    message: Option<&'r str>,
    context: Option<&'r Value>,
    conditions: Option<&'r Value>,
    pattern: Option<&'r Value>,
    /// [`variables::has_substitutions`] of `pattern` (decided once for a rule's own)
    pattern_substitutes: bool,
    any_pattern: Option<&'r Value>,
    /// [`variables::has_substitutions`] of `any_pattern`
    any_pattern_substitutes: bool,
    /// The rule's own patterns prepared (none for `foreach` elements)
    prepared: Option<&'r PreparedPatterns>,
    deny: Option<&'r Value>,
    foreach: Option<&'r [Value]>,
    nesting: usize,
}

impl<'r> Validator<'r> {
    fn name(&self) -> &'r str {
        self.name
    }

    /// The context is taken from `ctx` only when the rule reads or writes it
    fn validate(&self, ctx: &mut dyn ContextSlot, st: &mut State<'_>) -> Option<RuleResponse> {
        let name = self.name();
        let entries = self
            .context
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        // no entries: nothing to load; no conditions: they are met
        if !entries.is_empty()
            && let Err(e) = contextload::load_entries(ctx.context(), entries, &st.adm.offline)
        {
            return Some(RuleResponse::error(
                name,
                RuleType::Validation,
                "failed to load context",
                e,
            ));
        }
        if self.conditions.is_some_and(|c| !c.is_null())
            && let Some(r) = RuleResponse::unless_preconditions_met(
                name,
                RuleType::Validation,
                ctx.context(),
                self.conditions,
            )
        {
            return Some(r);
        }
        if let Some(deny) = self.deny.filter(|d| !d.is_null()) {
            return Some(self.validate_deny(ctx.context(), deny));
        }
        if self.pattern.is_some_and(|p| !p.is_null())
            || self.any_pattern.is_some_and(|p| !p.is_null())
        {
            let substituted =
                |ctx: &mut dyn ContextSlot, doc: Option<&'r Value>, substitutes: bool| {
                    // a document without variables is its own substitution: no context needed
                    doc.map(|d| {
                        if substitutes {
                            variables::substitute_all_cow(ctx.context(), d, true)
                        } else {
                            Ok(Cow::Borrowed(d))
                        }
                    })
                    .transpose()
                    .map_err(|e| {
                        RuleResponse::error(
                            name,
                            RuleType::Validation,
                            "variable substitution failed",
                            e,
                        )
                    })
                };
            let pattern = match substituted(
                ctx,
                self.pattern.filter(|p| !p.is_null()),
                self.pattern_substitutes,
            ) {
                Ok(p) => p,
                Err(r) => return Some(r),
            };
            let any_pattern = if pattern.is_none() {
                self.any_pattern
            } else {
                None
            };
            let any = match substituted(ctx, any_pattern, self.any_pattern_substitutes) {
                Ok(a) => a,
                Err(r) => return Some(r),
            };
            if st.adm.op() == "DELETE" && st.adm.old_object.is_some() && st.element.is_none() {
                // the webhook has no new object to match patterns against
                return None;
            }
            // a pattern that was not substituted is the rule's own, prepared with the policy
            let prepared = self.prepared;
            let pattern = pattern.map(|written| {
                match (&written, prepared.and_then(|p| p.pattern.as_ref())) {
                    (Cow::Borrowed(_), Some(p)) => Cow::Borrowed(p),
                    _ => Cow::Owned(Pattern::new(&written)),
                }
            });
            let any = any.and_then(|written| {
                match (&written, prepared.and_then(|p| p.any_pattern.as_deref())) {
                    (Cow::Borrowed(_), Some(p)) => Some(Cow::Borrowed(p)),
                    _ => written
                        .as_array()
                        .map(|items| Cow::Owned(items.iter().map(Pattern::new).collect())),
                }
            });
            let target = st.element.as_ref().unwrap_or(st.resource);
            let resp = self.validate_patterns(ctx, target, pattern.as_deref(), any.as_deref());
            if st.adm.op() == "UPDATE"
                && st.element.is_none()
                && let Some(old) = &st.adm.old_object
            {
                if resp.status != RuleStatus::Fail {
                    return Some(resp);
                }
                let prior = self.validate_patterns(ctx, old, pattern.as_deref(), any.as_deref());
                if prior.status == resp.status && prior.message == resp.message {
                    return Some(RuleResponse::new(
                        name,
                        RuleType::Validation,
                        RuleStatus::Skip,
                        "skipping modified resource as validation results have not changed",
                    ));
                }
                return Some(resp);
            }
            if st.adm.op() == "UPDATE" && st.element.is_none() {
                // the old object equals the new one in the CLI: same result
                if resp.status == RuleStatus::Pass {
                    return Some(resp);
                }
                return Some(RuleResponse::new(
                    name,
                    RuleType::Validation,
                    RuleStatus::Skip,
                    "skipping modified resource as validation results have not changed",
                ));
            }
            return Some(resp);
        }
        if let Some(fe) = self.foreach {
            return self.validate_foreach(ctx.context(), st, fe);
        }
        None
    }

    fn validate_deny(&self, ctx: &mut Context, deny: &Value) -> RuleResponse {
        let name = self.name();
        match conditions::check_deny(ctx, deny.get("conditions")) {
            Err(e) => RuleResponse::error(
                name,
                RuleType::Validation,
                "failed to check deny conditions",
                e,
            ),
            Ok((true, msg)) => RuleResponse::new(
                name,
                RuleType::Validation,
                RuleStatus::Fail,
                self.deny_message(ctx, &msg),
            ),
            Ok((false, _)) => RuleResponse::new(
                name,
                RuleType::Validation,
                RuleStatus::Pass,
                passed_message(name),
            ),
        }
    }

    fn deny_message(&self, ctx: &mut Context, msg: &str) -> String {
        let base = self.message.unwrap_or_default();
        if base.is_empty() && msg.is_empty() {
            return format!("validation error: rule {} failed", self.name());
        }
        let joined: Vec<&str> = [base, msg].into_iter().filter(|s| !s.is_empty()).collect();
        let s = joined.join("; ");
        match variables::substitute_string(ctx, &s) {
            Ok(Value::String(t)) => t,
            Ok(_) => {
                "the produced message didn't resolve to a string, check your policy definition."
                    .to_owned()
            }
            Err(_) => msg.to_owned(),
        }
    }

    fn error_message(&self, ctx: &mut Context, err: &str, path: &str) -> String {
        let name = self.name();
        let Some(m) = self.message.filter(|m| !m.is_empty()) else {
            return if path.is_empty() {
                format!("validation error: rule {name} execution error: {err}")
            } else {
                format!("validation error: rule {name} failed at path {path}")
            };
        };
        match variables::substitute_string(ctx, m) {
            Ok(v) => {
                let mut msg = match v {
                    Value::String(s) => s,
                    other => crate::value::go_sprint(&other),
                };
                if !msg.ends_with('.') {
                    msg.push('.');
                }
                if path.is_empty() {
                    format!("validation error: {msg} rule {name} execution error: {err}")
                } else {
                    format!("validation error: {msg} rule {name} failed at path {path}")
                }
            }
            Err(_) => format!(
                "validation error: variables substitution error in rule {name} execution error: {err}"
            ),
        }
    }

    fn validate_patterns(
        &self,
        ctx: &mut dyn ContextSlot,
        resource: &Value,
        pattern: Option<&Pattern>,
        any: Option<&[Pattern]>,
    ) -> RuleResponse {
        let name = self.name();
        if let Some(p) = pattern {
            return match p.check(resource) {
                MatchResult::Pass => RuleResponse::new(
                    name,
                    RuleType::Validation,
                    RuleStatus::Pass,
                    passed_message(name),
                ),
                MatchResult::Skip(m) => {
                    RuleResponse::new(name, RuleType::Validation, RuleStatus::Skip, m)
                }
                MatchResult::Fail { path, message } => {
                    let text = self.error_message(ctx.context(), &message, &path);
                    let status = if path.is_empty() {
                        RuleStatus::Error
                    } else {
                        RuleStatus::Fail
                    };
                    RuleResponse::new(name, RuleType::Validation, status, text)
                }
            };
        }
        let Some(patterns) = any else {
            return RuleResponse::new(
                name,
                RuleType::Validation,
                RuleStatus::Error,
                "failed to deserialize anyPattern, expected type array",
            );
        };
        let mut failed = Vec::new();
        let mut skipped = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match p.check(resource) {
                MatchResult::Pass => {
                    return RuleResponse::new(
                        name,
                        RuleType::Validation,
                        RuleStatus::Pass,
                        format!("validation rule '{name}' anyPattern[{i}] passed."),
                    );
                }
                MatchResult::Skip(m) => skipped.push(format!("rule {name}[{i}] skipped: {m}")),
                MatchResult::Fail { path, message } => {
                    if path.is_empty() {
                        failed.push(format!("rule {name}[{i}] failed: {message}"));
                    } else {
                        failed.push(format!("rule {name}[{i}] failed at path {path}"));
                    }
                }
            }
        }
        if !skipped.is_empty() && failed.is_empty() {
            return RuleResponse::new(
                name,
                RuleType::Validation,
                RuleStatus::Skip,
                skipped.join(" "),
            );
        }
        if !failed.is_empty() {
            let errs = failed.join(" ");
            let msg = match self.message.filter(|m| !m.is_empty()) {
                None => format!("validation error: {errs}"),
                Some(m) if m.ends_with('.') => format!("validation error: {m} {errs}"),
                Some(m) => format!("validation error: {m}. {errs}"),
            };
            return RuleResponse::new(name, RuleType::Validation, RuleStatus::Fail, msg);
        }
        RuleResponse::new(
            name,
            RuleType::Validation,
            RuleStatus::Pass,
            self.message.unwrap_or_default(),
        )
    }

    fn validate_foreach(
        &self,
        ctx: &mut Context,
        st: &mut State<'_>,
        foreach: &[Value],
    ) -> Option<RuleResponse> {
        let name = self.name();
        let mut applied = 0;
        for fe in foreach {
            let list = fe.get("list").and_then(Value::as_str).unwrap_or_default();
            let elements = match ctx.query(list) {
                Ok(Value::Array(a)) => a,
                Ok(other) => vec![other],
                Err(_) => continue,
            };
            let (resp, count) = self.validate_elements(ctx, st, fe, &elements);
            if resp.status != RuleStatus::Pass {
                return Some(resp);
            }
            applied += count;
        }
        if applied == 0 {
            return Some(RuleResponse::new(
                name,
                RuleType::Validation,
                RuleStatus::Skip,
                "rule skipped",
            ));
        }
        Some(RuleResponse::new(
            name,
            RuleType::Validation,
            RuleStatus::Pass,
            "rule passed",
        ))
    }

    fn validate_elements(
        &self,
        ctx: &mut Context,
        st: &mut State<'_>,
        fe: &Value,
        elements: &[Value],
    ) -> (RuleResponse, usize) {
        let name = self.name();
        ctx.checkpoint();
        let saved_element = st.element.clone();
        let mut applied = 0;
        let scope = fe.get("elementScope").and_then(Value::as_bool);
        let nested: Option<&[Value]> = fe
            .get("foreach")
            .and_then(Value::as_array)
            .map(Vec::as_slice);
        let pattern = fe.get("pattern");
        let any_pattern = fe.get("anyPattern");
        let child = Validator {
            rule: self.rule,
            name: self.name,
            message: self.message,
            context: fe.get("context"),
            conditions: fe.get("preconditions"),
            pattern,
            pattern_substitutes: pattern.is_some_and(variables::has_substitutions),
            any_pattern,
            any_pattern_substitutes: any_pattern.is_some_and(variables::has_substitutions),
            prepared: None,
            deny: fe.get("deny"),
            foreach: nested,
            nesting: self.nesting + 1,
        };
        let mut result = RuleResponse::new(name, RuleType::Validation, RuleStatus::Pass, "");
        for (index, element) in elements.iter().enumerate() {
            if element.is_null() {
                continue;
            }
            ctx.reset();
            st.element = saved_element.clone();
            add_element(ctx, element, index, self.nesting);
            add_foreach_values(ctx, self.rule, index, st.adm);
            let is_map = element.is_object();
            match scope {
                Some(true) if !is_map => {
                    result = RuleResponse::error(
                        name,
                        RuleType::Validation,
                        "failed to process foreach",
                        format!(
                            "cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type={}",
                            crate::value::type_name(element)
                        ),
                    );
                    break;
                }
                Some(false) => {}
                _ => {
                    if is_map {
                        st.element = Some(element.clone());
                    }
                }
            }
            let Some(r) = child.validate(ctx, st) else {
                continue;
            };
            match r.status {
                RuleStatus::Skip => continue,
                RuleStatus::Pass => applied += 1,
                RuleStatus::Error if index + 1 < elements.len() => continue,
                _ => {
                    result = RuleResponse::new(
                        name,
                        RuleType::Validation,
                        r.status,
                        format!("validation failure: {}", r.message),
                    );
                    break;
                }
            }
        }
        st.element = saved_element;
        ctx.restore();
        (result, applied)
    }
}

/// Run every generate rule of a policy (offline: report what would be generated)
pub fn generate(policy: &Policy, resource: &Value, adm: &Admission<'_>) -> EngineResponse {
    let mut resp = EngineResponse::empty(policy, resource);
    if !policy.is_kyverno() {
        return resp;
    }
    let mut ctx = base_context(resource, adm);
    for rule in policy.rules() {
        let Some(g) = rule.get("generate").filter(|g| g.is_object()) else {
            continue;
        };
        if !rule_matches(policy, &RuleMatch::parse(rule), resource, adm) {
            continue;
        }
        ctx.checkpoint();
        let r = crate::generate::generate_rule(rule, g, &mut ctx, adm, |ctx, r| {
            load_rule_context(ctx, r, r.get("context"), adm)
        });
        ctx.restore();
        resp.rules.push(r);
    }
    resp
}

/// All stages for one resource, in the Kyverno CLI's order: kyverno.io mutate policies (each
/// sees the previous one's output), kyverno.io validate on the mutated resource,
/// MutatingPolicies, ValidatingPolicies, then generate. One response per policy and stage
/// that has rules of that kind (a CEL policy that does not match and has selectors yields
/// none).
pub fn apply_policies(
    policies: &[&Policy],
    resource: &Value,
    adm: &Admission<'_>,
) -> Vec<EngineResponse> {
    apply_policies_with(policies, resource, &|_| adm.clone())
}

/// [`apply_policies`] where each policy gets its own admission (values differ per policy)
pub fn apply_policies_with<'a>(
    policies: &[&Policy],
    resource: &Value,
    adm_for: &dyn Fn(&Policy) -> Admission<'a>,
) -> Vec<EngineResponse> {
    let mut out = Vec::new();
    let mut current = resource.clone();
    let has = |p: &Policy, k: &str| p.rules().iter().any(|r| r.get(k).is_some());
    for p in policies
        .iter()
        .filter(|p| p.is_kyverno() && has(p, "mutate"))
    {
        let r = mutate(p, &current, &adm_for(p));
        current = r.patched.clone();
        out.push(r);
    }
    for p in policies
        .iter()
        .filter(|p| p.is_kyverno() && has(p, "validate"))
    {
        out.push(validate(p, &current, &adm_for(p)));
    }
    for p in policies
        .iter()
        .filter(|p| crate::cel::handles(p) && p.kind.ends_with("MutatingPolicy"))
    {
        for r in crate::cel::evaluate_policy(p, &current, &adm_for(p)) {
            current = r.patched.clone();
            out.push(r);
        }
    }
    for p in policies
        .iter()
        .filter(|p| crate::cel::handles(p) && p.kind.ends_with("ValidatingPolicy"))
    {
        out.extend(crate::cel::evaluate_policy(p, &current, &adm_for(p)));
    }
    for p in policies
        .iter()
        .filter(|p| crate::cel::handles(p) && p.kind.ends_with("GeneratingPolicy"))
    {
        out.extend(crate::cel::evaluate_policy(p, &current, &adm_for(p)));
    }
    for p in policies
        .iter()
        .filter(|p| p.is_kyverno() && has(p, "generate"))
    {
        out.push(generate(p, &current, &adm_for(p)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_fields_are_read_by_name_or_whole() {
        let reads = |text: &str| reads_request_fields(&json!({"spec": {"rules": [{"x": text}]}}));
        for text in [
            "{{ request.uid }}",
            "{{request.kind.kind}}",
            "request.requestKind.version == 'v1'",
            "{{ request }}",
            "has(request.options)",
            "{{ to_string(request) }}",
            "{{ request.namespace }}",
        ] {
            assert!(reads(text), "{text}");
        }
        for text in [
            "{{ request.object.metadata.name }}",
            "{{request.oldObject.spec}}",
            "request.operation == 'CREATE'",
            "{{ request.userInfo.username }}",
            "resources.requests.memory",
            "myrequest.uid",
            "no mention at all",
        ] {
            assert!(!reads(text), "{text}");
        }
    }
}
