//! Kyverno policies, served as Kyverno's admission webhooks serve them, on top of
//! palisade-kyverno.
//!
//! - `kyverno.io` ClusterPolicy / Policy (a namespaced Policy only sees its namespace) and the
//!   CEL-based `policies.kyverno.io` ValidatingPolicy / MutatingPolicy (and their Namespaced
//!   forms). Named by `metadata.name` (`<namespace>/<name>` for namespaced kinds); a policy with
//!   both mutate and validate rules is served on both endpoints under its one name.
//! - `/validate`: a failing rule of an `Enforce` rule/policy denies, with Kyverno's "was blocked
//!   due to the following policies" message; of an `Audit` one it is recorded (and warned
//!   with `spec.emitWarning: true`, as Kyverno does). `warn` results (policies not scored)
//!   warn. A ValidatingPolicy follows its `validationActions` (default `Deny`). A rule error
//!   of an enforcing policy is answered per `spec.failurePolicy` (default `Fail`).
//! - On UPDATE the old object decides as in Kyverno: a pattern failure the old object already
//!   had is skipped; on DELETE pattern rules do not apply.
//! - `/mutate`: mutate rules and MutatingPolicies run in load order, each on the object as
//!   patched so far; the change is answered as one JSON Patch.
//! - Context: `configMap` entries read ConfigMaps from the policies directory; the namespace
//!   (labels for `namespaceSelector`) comes from the namespace cache. Roles and cluster roles
//!   of the user are not known (no RBAC lookups), nor are `apiCall` entries.
//! - Not served, and rejected on load so nothing is silently not enforced: generate rules,
//!   verifyImages rules, GeneratingPolicy and other `policies.kyverno.io` kinds (they need a
//!   cluster or a registry), and per-namespace action overrides
//!   (`validationFailureActionOverrides`, `failureActionOverrides`: not in the crate yet).

use super::diff::diff;
use crate::policy::{
    Action, Decisions, Dialect, FailurePolicy, KindMatch, MatchSpec, PolicyLoadError, PolicyMeta,
    PolicySet, Request,
};
use crate::review::Operation;
use palisade_kyverno::contextload::OfflineData;
use palisade_kyverno::engine::{self, Admission, EngineResponse, RuleResponse, RuleStatus};
use palisade_kyverno::matching::{RequestInfo, parse_kind_selector};
use palisade_kyverno::rbac::{self, RoleIndex};
use palisade_kyverno::{FailureAction, Policy, validate_policy};
use palisade_model::Resource;
use palisade_source::JsonPointer;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// Kyverno as a dialect
#[derive(Debug, Default, Clone, Copy)]
pub struct Kyverno;

/// `policies.kyverno.io` kinds the webhook serves
const CEL_KINDS: &[&str] = &[
    "ValidatingPolicy",
    "NamespacedValidatingPolicy",
    "MutatingPolicy",
    "NamespacedMutatingPolicy",
];

/// Compiled (validated) Kyverno policies
#[derive(Debug)]
pub struct KyvernoSet {
    policies: Vec<Served>,
    /// Per meta: index into `policies`
    owners: Vec<usize>,
    metas: Vec<PolicyMeta>,
    /// ConfigMaps of the policies directory, for `configMap` context entries
    offline: OfflineData,
    /// RoleBindings and ClusterRoleBindings of the policies directory: the roles of who asks
    bindings: RoleIndex,
}

impl Dialect for Kyverno {
    fn name(&self) -> &'static str {
        "kyverno"
    }

    fn claims(&self, api_version: &str, kind: &str) -> bool {
        (api_version.starts_with("kyverno.io/") && matches!(kind, "ClusterPolicy" | "Policy"))
            || api_version.starts_with("policies.kyverno.io/")
    }

    fn compile(&self, documents: &[Resource]) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        self.compile_with_data(documents, &[])
    }

    fn compile_with_data(
        &self,
        documents: &[Resource],
        data: &[Resource],
    ) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let root = JsonPointer::root();
        let mut errors = Vec::new();
        let mut policies = Vec::new();
        let mut owners = Vec::new();
        let mut metas = Vec::new();
        for doc in documents {
            let Some(policy) = Policy::from_value(doc.value.clone()) else {
                errors.push(PolicyLoadError::at(doc, &root, "not a Kyverno policy"));
                continue;
            };
            let problems = unsupported(&policy);
            let invalid = validate_policy(&policy)
                .into_iter()
                .filter(palisade_source::Diagnostic::is_error)
                .map(|d| d.message);
            let mut bad = false;
            for message in problems.into_iter().chain(invalid) {
                bad = true;
                errors.push(PolicyLoadError::at(
                    doc,
                    &root,
                    format!("{} `{}`: {message}", policy.kind, policy.name),
                ));
            }
            if policy.name.is_empty() {
                bad = true;
                errors.push(PolicyLoadError::at(
                    doc,
                    &root.key("metadata"),
                    format!("{} has no `metadata.name`", policy.kind),
                ));
            }
            if bad {
                continue;
            }
            let name: Arc<str> = match doc.namespace.as_deref() {
                Some(ns) if policy.kind.starts_with("Namespaced") || policy.kind == "Policy" => {
                    format!("{ns}/{}", policy.name).into()
                }
                _ => policy.name.as_str().into(),
            };
            let failure_policy = match policy
                .value
                .pointer("/spec/failurePolicy")
                .and_then(Value::as_str)
            {
                Some("Ignore") => FailurePolicy::Ignore,
                _ => FailurePolicy::Fail,
            };
            for mutating in [true, false] {
                let Some(matches) = match_spec(&policy, mutating) else {
                    continue;
                };
                owners.push(policies.len());
                metas.push(PolicyMeta {
                    name: Arc::clone(&name),
                    matches,
                    failure_policy,
                    mutating,
                });
            }
            policies.push(Served::new(policy));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let offline = OfflineData {
            cluster_resources: Arc::new(
                data.iter()
                    .filter(|r| r.api_version == "v1" && r.kind == "ConfigMap")
                    .map(|r| r.value.clone())
                    .collect(),
            ),
            global_context: Arc::default(),
        };
        // (the index reads the RoleBindings and ClusterRoleBindings among them)
        let bindings = RoleIndex::new(data.iter().map(|r| &r.value));
        if bindings.is_empty() {
            for served in policies.iter().filter(|p| p.reads.roles) {
                // in a pod the cluster watch supplies them; offline nobody has a role
                tracing::warn!(
                    policy = %served.policy.name,
                    "the policy reads the roles of who asks; the policies directory holds no \
                     RoleBindings or ClusterRoleBindings, so unless they are watched from the \
                     cluster nobody has a role"
                );
            }
        }
        Ok(Arc::new(KyvernoSet {
            policies,
            owners,
            metas,
            offline,
            bindings,
        }))
    }
}

/// A RoleBinding or ClusterRoleBinding, which Kyverno reads for the roles of who asks
fn is_binding(api_version: &str, kind: &str) -> bool {
    api_version.starts_with("rbac.authorization.k8s.io/")
        && matches!(kind, "RoleBinding" | "ClusterRoleBinding")
}

/// A policy with what its decisions need read once on load rather than per request
#[derive(Debug)]
struct Served {
    policy: Policy,
    /// `spec.emitWarning`: Audit failures are warned too
    emit_warning: bool,
    /// `validationActions` of a CEL policy (unused for kyverno.io ones)
    cel_actions: Vec<&'static str>,
    /// What of the request beyond the objects it can read, built per request only for those
    reads: Reads,
}

impl Served {
    fn new(policy: Policy) -> Self {
        let emit_warning = policy
            .value
            .pointer("/spec/emitWarning")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let cel_actions = cel_actions(&policy);
        let reads = Reads {
            // a CEL policy, or a kyverno.io rule with `validate.cel`
            namespace_object: !policy.is_kyverno()
                || policy.rules().iter().any(|r| {
                    r.get("validate")
                        .and_then(|v| v.get("cel"))
                        .is_some_and(|c| !c.is_null())
                }),
            request_fields: engine::reads_request_fields(&policy.value),
            roles: rbac::reads_roles(&policy),
        };
        Self {
            policy,
            emit_warning,
            cel_actions,
            reads,
        }
    }
}

/// Why a policy cannot be served (empty when it can)
fn unsupported(policy: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    if policy.api_version.starts_with("policies.kyverno.io/") {
        if !CEL_KINDS.contains(&policy.kind.as_str()) {
            out.push(format!(
                "{} is not served by the webhook (it needs a cluster); served: {}",
                policy.kind,
                CEL_KINDS.join(", ")
            ));
        }
        return out;
    }
    for rule in policy.rules() {
        let name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
        for (key, why) in [
            ("generate", "generate rules need a cluster client"),
            ("verifyImages", "verifyImages rules are not supported yet"),
        ] {
            if rule.get(key).is_some_and(|v| !v.is_null()) {
                out.push(format!("rule `{name}`: {why}"));
            }
        }
        if rule
            .pointer("/validate/failureActionOverrides")
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            out.push(format!(
                "rule `{name}`: `failureActionOverrides` is not supported yet"
            ));
        }
    }
    if policy
        .value
        .pointer("/spec/validationFailureActionOverrides")
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    {
        out.push("`validationFailureActionOverrides` is not supported yet".into());
    }
    out
}

fn push_kind(kinds: &mut Vec<KindMatch>, k: KindMatch) {
    if !kinds.contains(&k) {
        kinds.push(k);
    }
}

/// The index's view of a policy's rules of one endpoint (`None`: the policy has none).
/// Conservative: kinds by name in any group, pod controllers too when Pods are named
/// (autogen), every operation, and namespaced policies only in their namespace.
fn match_spec(policy: &Policy, mutating: bool) -> Option<MatchSpec> {
    let namespaces = if policy.namespace.is_empty() && !policy.kind.starts_with("Namespaced") {
        Vec::new()
    } else {
        let ns = policy
            .value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        vec![ns.to_owned()]
    };
    if !policy.is_kyverno() {
        if policy.kind.ends_with("MutatingPolicy") != mutating {
            return None;
        }
        let constraints = policy
            .value
            .pointer("/spec/matchConstraints")
            .map(palisade_vap::MatchResources::parse)
            .transpose()
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut spec = super::admission_policy::match_spec(&constraints);
        // autogen turns Pod rules into rules for the controllers of `apps` and `batch`
        if spec.kinds.iter().any(|k| k.group.as_deref() == Some("")) {
            for g in ["apps", "batch"] {
                push_kind(
                    &mut spec.kinds,
                    KindMatch {
                        group: Some(g.to_owned()),
                        kind: None,
                    },
                );
            }
        }
        spec.namespaces = namespaces;
        return Some(spec);
    }
    let key = if mutating { "mutate" } else { "validate" };
    let rules: Vec<&Value> = policy
        .rules()
        .iter()
        .filter(|r| r.get(key).is_some_and(|v| !v.is_null()))
        .collect();
    if rules.is_empty() {
        return None;
    }
    let mut kinds = Vec::new();
    let mut any_kind = false;
    let mut subresources = false;
    for rule in rules {
        let mut listed = Vec::new();
        if let Some(m) = rule.get("match") {
            let mut blocks = vec![m.get("resources")];
            for k in ["any", "all"] {
                for b in m.get(k).and_then(Value::as_array).into_iter().flatten() {
                    blocks.push(b.get("resources"));
                }
            }
            for b in blocks.into_iter().flatten() {
                listed.extend(
                    b.get("kinds")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str),
                );
            }
        }
        if listed.is_empty() {
            any_kind = true;
        }
        for k in listed {
            let (_, _, kind, sub) = parse_kind_selector(k);
            subresources |= !sub.is_empty();
            if kind.contains(['*', '?']) {
                any_kind = true;
                continue;
            }
            if kind == "Pod" {
                for c in palisade_kyverno::autogen::POD_CONTROLLERS {
                    push_kind(&mut kinds, KindMatch::any_group(c));
                }
            }
            push_kind(&mut kinds, KindMatch::any_group(&kind));
        }
    }
    Some(MatchSpec {
        operations: Vec::new(),
        kinds: if any_kind { Vec::new() } else { kinds },
        namespaces,
        excluded_namespaces: Vec::new(),
        subresources,
    })
}

impl PolicySet for KyvernoSet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }

    fn reads_data(&self, api_version: &str, kind: &str) -> bool {
        !self.policies.is_empty()
            && ((api_version == "v1" && kind == "ConfigMap") || is_binding(api_version, kind))
    }

    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        let deleting = request.operation() == Operation::Delete;
        let resource = if deleting {
            request.old_object
        } else {
            request.object
        };
        let Some(resource) = resource else {
            return;
        };
        let mutating = selected
            .iter()
            .any(|i| self.metas.get(*i).is_some_and(|m| m.mutating));
        let reads = self
            .selected(selected, mutating)
            .fold(Reads::default(), |reads, (_, served)| {
                reads.union(served.reads)
            });
        let adm = self.admission(request, resource, reads);
        if mutating {
            if !deleting {
                self.mutate(&resource.value, &adm, selected, out);
            }
        } else {
            self.validate(resource, &adm, selected, out);
        }
    }
}

/// What of a request policies can read beyond the objects and the user's name and groups
#[derive(Debug, Default, Clone, Copy)]
struct Reads {
    /// `Admission::namespace_object`
    namespace_object: bool,
    /// `Admission::request_fields` (the request's uid, options, …)
    request_fields: bool,
    /// The roles of who asks (`roles`/`clusterRoles`), resolved from the bindings
    roles: bool,
}

impl Reads {
    fn union(self, other: Self) -> Self {
        Self {
            namespace_object: self.namespace_object || other.namespace_object,
            request_fields: self.request_fields || other.request_fields,
            roles: self.roles || other.roles,
        }
    }
}

impl KyvernoSet {
    /// Everything about the request besides the resource; the namespace object and the
    /// request's own fields only when some policy `reads` them
    fn admission<'r>(
        &self,
        request: &Request<'r>,
        resource: &'r Resource,
        reads: Reads,
    ) -> Admission<'r> {
        let a = request.admission;
        // A Namespace is selected by its own labels; other objects by their namespace's
        let namespace = if a.kind.group.is_empty() && a.kind.kind == "Namespace" {
            Some(resource)
        } else {
            request.namespace
        };
        let ns_name = namespace.map_or(a.namespace.as_str(), |n| n.name.as_str());
        // with the name label the API server (and the namespace cache, for those it reads from
        // a file) sets: the labels are usually borrowed as they are
        let labels = namespace
            .and_then(|n| palisade_model::field_path(&n.value, "metadata/labels"))
            .filter(|labels| labels.is_object());
        let labels = match palisade_model::namespace_labels(labels, ns_name) {
            Cow::Borrowed(Value::Object(m)) => Cow::Borrowed(m),
            Cow::Owned(Value::Object(m)) => Cow::Owned(m),
            // labels that are a map stay one
            _ => Cow::default(),
        };
        // `userInfo` is set apart in Kyverno's context (with the roles)
        let (request_fields, user_info) = if reads.request_fields {
            let mut fields = a.sent_fields();
            let user_info = fields
                .shift_remove("userInfo")
                .unwrap_or_else(|| a.user_info.to_value());
            (fields, user_info)
        } else {
            (serde_json::Map::new(), a.user_info.to_value())
        };
        let (roles, cluster_roles) = if reads.roles {
            let indexes = [&self.bindings, request.cluster_bindings];
            rbac::roles_of(&indexes, &a.user_info.username, &a.user_info.groups)
        } else {
            (Vec::new(), Vec::new())
        };
        Admission {
            operation: a.operation.as_str().to_owned(),
            user: Some(RequestInfo {
                roles,
                cluster_roles,
                user_info,
            }),
            request_fields,
            namespace_labels: labels,
            namespace_object: namespace
                .filter(|_| reads.namespace_object)
                .map(|n| Cow::Borrowed(&n.value)),
            offline: self.offline.clone(),
            old_object: request.old_object.map(|o| Cow::Borrowed(&o.value)),
            ..Admission::default()
        }
    }

    fn selected<'s>(
        &'s self,
        selected: &'s [usize],
        mutating: bool,
    ) -> impl Iterator<Item = (usize, &'s Served)> + 's {
        selected.iter().filter_map(move |&i| {
            let meta = self.metas.get(i)?;
            if meta.mutating != mutating {
                return None;
            }
            Some((i, self.policies.get(*self.owners.get(i)?)?))
        })
    }

    fn validate(
        &self,
        resource: &Resource,
        adm: &Admission<'_>,
        selected: &[usize],
        out: &mut Decisions,
    ) {
        let mut blocked: Vec<(String, Vec<(String, String)>)> = Vec::new();
        // The context every kyverno.io rule starts from depends on the request only: built
        // once, on the first rule that reads it, and shared (copy-on-write) by the others.
        let base = engine::BaseContext::new(&resource.value, adm);
        for (i, served) in self.selected(selected, false) {
            let policy = &served.policy;
            let rules: Vec<RuleResponse> = if policy.is_kyverno() {
                engine::validate_rules(policy, &resource.value, adm, &base)
            } else {
                palisade_kyverno::cel::evaluate_rules(policy, &resource.value, adm)
            };
            let emit_warning = served.emit_warning;
            let cel_actions = &served.cel_actions;
            let mut failures = Vec::new();
            for rr in rules {
                if matches!(rr.status, RuleStatus::Pass | RuleStatus::Skip) {
                    // nothing to record: no names or messages to copy
                    continue;
                }
                let rule = if rr.name.is_empty() {
                    policy.kind.clone()
                } else {
                    rr.name
                };
                let enforce = if policy.is_kyverno() {
                    rr.failure_action == FailureAction::Enforce
                } else {
                    cel_actions.contains(&"Deny")
                };
                let warning = || format!("policy {}.{}: {}", policy.name, rule, rr.message);
                match rr.status {
                    RuleStatus::Fail if enforce => {
                        out.record(i, rule.clone(), Action::Deny, rr.message.as_str());
                        failures.push((rule, rr.message));
                    }
                    RuleStatus::Fail
                        if emit_warning
                            || (!policy.is_kyverno() && cel_actions.contains(&"Warn")) =>
                    {
                        let warning = warning();
                        out.warn(i, rule, warning);
                    }
                    RuleStatus::Warn if enforce || emit_warning => {
                        let warning = warning();
                        out.warn(i, rule, warning);
                    }
                    RuleStatus::Fail | RuleStatus::Warn => {
                        out.audit(i, rule, format!("{}: {}", rr.status.as_str(), rr.message));
                    }
                    RuleStatus::Error if enforce => {
                        out.error(i, format!("rule {rule}: {}", rr.message));
                    }
                    RuleStatus::Error => out.audit(i, rule, format!("error: {}", rr.message)),
                    RuleStatus::Pass | RuleStatus::Skip => {}
                }
            }
            if !failures.is_empty() {
                blocked.push((policy.name.clone(), failures));
            }
        }
        if !blocked.is_empty() {
            let mut text = format!(
                "resource {} was blocked due to the following policies",
                resource_id(resource)
            );
            for (policy, rules) in blocked {
                text.push_str(&format!("\n\n{policy}:"));
                for (rule, message) in rules {
                    text.push_str(&format!("\n  {rule}: {message}"));
                }
            }
            out.respond_deny(403, text);
        }
    }

    fn mutate(
        &self,
        original: &Value,
        adm: &Admission<'_>,
        selected: &[usize],
        out: &mut Decisions,
    ) {
        let mut current = original.clone();
        let mut changed: Vec<(usize, String)> = Vec::new();
        for (i, served) in self.selected(selected, true) {
            let policy = &served.policy;
            let responses: Vec<EngineResponse> = if policy.is_kyverno() {
                vec![engine::mutate(policy, &current, adm)]
            } else {
                palisade_kyverno::cel::evaluate_policy(policy, &current, adm)
            };
            for r in responses {
                let mut failed = false;
                for rr in &r.rules {
                    let rule = if rr.name.is_empty() {
                        policy.kind.clone()
                    } else {
                        rr.name.clone()
                    };
                    match rr.status {
                        RuleStatus::Fail | RuleStatus::Error => {
                            failed = true;
                            out.error(i, format!("mutate rule {rule}: {}", rr.message));
                        }
                        RuleStatus::Pass if r.patched != current => {
                            changed.push((i, rule));
                        }
                        _ => {}
                    }
                }
                if !failed {
                    current = r.patched;
                }
            }
        }
        let mut patch = diff(original, &current);
        for (i, rule) in changed {
            if patch.is_empty() {
                out.record(i, rule, Action::Mutate, "changed the object");
            } else {
                // the patch is the whole stage's change: carried by the first mutation
                out.patch(i, rule, std::mem::take(&mut patch));
            }
        }
    }
}

/// `validationActions` of a CEL policy (default `[Deny]`)
fn cel_actions(policy: &Policy) -> Vec<&'static str> {
    let Some(list) = policy
        .value
        .pointer("/spec/validationActions")
        .and_then(Value::as_array)
    else {
        return vec!["Deny"];
    };
    let mut out = Vec::new();
    for a in list.iter().filter_map(Value::as_str) {
        for known in ["Deny", "Warn", "Audit"] {
            if a == known {
                out.push(known);
            }
        }
    }
    out
}

/// `Kind/namespace/name` as Kyverno prints it
fn resource_id(r: &Resource) -> String {
    match r.namespace.as_deref().filter(|n| !n.is_empty()) {
        Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
        None => format!("{}/{}", r.kind, r.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(v: Value) -> Policy {
        Policy::from_value(v).unwrap()
    }

    #[test]
    fn match_spec_covers_autogen_and_namespaced_policies() {
        let p = policy(json!({
            "apiVersion": "kyverno.io/v1", "kind": "Policy",
            "metadata": {"name": "p", "namespace": "team"},
            "spec": {"rules": [
                {"name": "a", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"pattern": {}}},
                {"name": "b", "match": {"resources": {"kinds": ["apps/v1/Deployment/scale"]}}, "mutate": {"patchStrategicMerge": {}}},
            ]}
        }));
        let v = match_spec(&p, false).unwrap();
        assert!(v.kinds.contains(&KindMatch::any_group("Pod")));
        assert!(v.kinds.contains(&KindMatch::any_group("CronJob")));
        assert_eq!(v.namespaces, ["team"]);
        assert!(!v.subresources);
        let m = match_spec(&p, true).unwrap();
        assert_eq!(m.kinds, [KindMatch::any_group("Deployment")]);
        assert!(m.subresources);

        let wild = policy(json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "w"},
            "spec": {"rules": [{"name": "a", "match": {"any": [{"resources": {"kinds": ["*"]}}]}, "validate": {"deny": {}}}]}
        }));
        assert!(match_spec(&wild, false).unwrap().kinds.is_empty());
        assert!(match_spec(&wild, true).is_none());
    }

    #[test]
    fn unsupported_rules_are_named() {
        let p = policy(json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "g"},
            "spec": {"rules": [{"name": "gen", "match": {}, "generate": {"kind": "ConfigMap"}}]}
        }));
        assert_eq!(
            unsupported(&p),
            ["rule `gen`: generate rules need a cluster client"]
        );
        let g = policy(
            json!({"apiVersion": "policies.kyverno.io/v1alpha1", "kind": "GeneratingPolicy", "metadata": {"name": "g"}}),
        );
        assert_eq!(unsupported(&g).len(), 1);
    }
}
