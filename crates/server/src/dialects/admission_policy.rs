//! ValidatingAdmissionPolicy and MutatingAdmissionPolicy with their bindings, served as the API
//! server serves them, on top of palisade-vap.
//!
//! - One served policy per binding, named `vap/<policy>/<binding>` or `map/<policy>/<binding>`;
//!   its failure policy is the policy's `failurePolicy` (default `Fail`).
//! - `/validate`: a binding's `validationActions` decide: `Deny` denies with the API server's
//!   message (`ValidatingAdmissionPolicy '<p>' with binding '<b>' denied request: …`) and
//!   status code, `Warn` warns, `Audit` records and adds the `validation-failure` audit
//!   annotation. `auditAnnotations` become `vap-<policy>-<key>`.
//! - `/mutate`: the MutatingAdmissionPolicies run in the API server's order (reinvocation
//!   included) on the object as patched so far; the change is answered as a JSON Patch.
//! - `paramRef` params are documents of the policies directory of the policy's `paramKind`;
//!   `namespaceObject` and `namespaceSelector` use the namespace cache.

use super::diff::diff;
use crate::policy::{
    Action, Decisions, Dialect, FailurePolicy, KindMatch, MatchSpec, PolicyLoadError, PolicyMeta,
    PolicySet, Request,
};
use crate::review::Operation;
use palisade_model::Resource;
use palisade_vap::matching::MatchResources;
use palisade_vap::policy::FailurePolicy as VapFailurePolicy;
use palisade_vap::{BindingResult, PolicyKind, Verdict};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// ValidatingAdmissionPolicy / MutatingAdmissionPolicy as a dialect
#[derive(Debug, Default, Clone, Copy)]
pub struct AdmissionPolicies;

/// Compiled admission policies and their bindings
pub struct AdmissionPolicySet {
    set: palisade_vap::PolicySet,
    metas: Vec<PolicyMeta>,
    /// (mutating, policy, binding) → index into `metas`
    /// `[validating, mutating]`: policy name → binding name → policy index
    by_binding: [foldhash::HashMap<String, foldhash::HashMap<String, usize>>; 2],
    /// `paramKind`s of the loaded policies, as (apiVersion, kind)
    param_kinds: BTreeSet<(String, String)>,
}

impl std::fmt::Debug for AdmissionPolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdmissionPolicySet")
            .field("set", &self.set)
            .field("policies", &self.metas.len())
            .finish_non_exhaustive()
    }
}

impl Dialect for AdmissionPolicies {
    fn name(&self) -> &'static str {
        "vap"
    }

    fn claims(&self, api_version: &str, kind: &str) -> bool {
        PolicyKind::of(api_version, kind).is_some()
    }

    fn compile(&self, documents: &[Resource]) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        self.compile_with_data(documents, &[])
    }

    fn compile_with_data(
        &self,
        documents: &[Resource],
        data: &[Resource],
    ) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let inventory = data.iter().map(|r| r.value.clone());
        let (set, diagnostics) =
            palisade_vap::PolicySet::load(documents, inventory, palisade_vap::Options::default())
                .map_err(|e| vec![PolicyLoadError::file("vap", e.to_string())])?;
        let mut errors = Vec::new();
        for d in diagnostics {
            if d.is_error() {
                errors.push(PolicyLoadError::from(d));
            } else {
                // e.g. a binding to no loaded policy: ignored, as the API server ignores it
                let line = d.position.unwrap_or_default().line;
                tracing::warn!(file = %d.file, line, "{}", d.message);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut metas = Vec::new();
        let mut by_binding: [foldhash::HashMap<String, foldhash::HashMap<String, usize>>; 2] =
            Default::default();
        let mut param_kinds = BTreeSet::new();
        let mut add = |mutating: bool,
                       policy: &str,
                       binding: &str,
                       constraints: &MatchResources,
                       failure: VapFailurePolicy| {
            let prefix = if mutating { "map" } else { "vap" };
            by_binding[usize::from(mutating)]
                .entry(policy.to_owned())
                .or_default()
                .insert(binding.to_owned(), metas.len());
            metas.push(PolicyMeta {
                name: Arc::from(format!("{prefix}/{policy}/{binding}")),
                matches: match_spec(constraints),
                failure_policy: match failure {
                    VapFailurePolicy::Fail => FailurePolicy::Fail,
                    VapFailurePolicy::Ignore => FailurePolicy::Ignore,
                },
                mutating,
            });
        };
        for (p, b) in set.validating_bindings() {
            add(false, &p.name, &b.name, &p.constraints, p.failure_policy);
            if let Some(k) = &p.param_kind {
                param_kinds.insert((k.api_version.clone(), k.kind.clone()));
            }
        }
        for (p, b) in set.mutating_bindings() {
            add(true, &p.name, &b.name, &p.constraints, p.failure_policy);
            if let Some(k) = &p.param_kind {
                param_kinds.insert((k.api_version.clone(), k.kind.clone()));
            }
        }
        Ok(Arc::new(AdmissionPolicySet {
            set,
            metas,
            by_binding,
            param_kinds,
        }))
    }
}

/// The index's view of a policy's `matchConstraints`: its operations and API groups (rules
/// name resources, not kinds, so every kind of a named group is a candidate; a wildcard group
/// or resource makes every kind one). Bindings only narrow it further.
pub(crate) fn match_spec(constraints: &MatchResources) -> MatchSpec {
    let rules = &constraints.resource_rules;
    if rules.is_empty() {
        // matches nothing (the API server requires rules); keep it out of every bucket
        return MatchSpec {
            kinds: vec![KindMatch::new("", "")],
            ..MatchSpec::default()
        };
    }
    let mut operations = BTreeSet::new();
    let mut all_operations = false;
    let mut groups = BTreeSet::new();
    let mut any_kind = false;
    let mut subresources = false;
    for rule in rules {
        for op in &rule.operations {
            match op.as_str() {
                "CREATE" => operations.insert(Operation::Create),
                "UPDATE" => operations.insert(Operation::Update),
                "DELETE" => operations.insert(Operation::Delete),
                "CONNECT" => operations.insert(Operation::Connect),
                _ => {
                    all_operations = true;
                    true
                }
            };
        }
        subresources |= rule.resources.iter().any(|r| r.contains('/'));
        match rule.index_keys() {
            Some(keys) => groups.extend(keys.into_iter().map(|(g, _)| g)),
            None => any_kind = true,
        }
    }
    MatchSpec {
        operations: if all_operations {
            Vec::new()
        } else {
            operations.into_iter().collect()
        },
        kinds: if any_kind {
            Vec::new()
        } else {
            groups
                .into_iter()
                .map(|g| KindMatch {
                    group: Some(g),
                    kind: None,
                })
                .collect()
        },
        namespaces: Vec::new(),
        excluded_namespaces: Vec::new(),
        subresources,
    }
}

/// The request as palisade-vap takes it: borrowed from the webhook's (`resource` holds the
/// resource derived from the kind when the request names none)
fn vap_request<'a>(
    request: &Request<'a>,
    resource: &'a mut String,
) -> palisade_vap::RequestView<'a> {
    let a = request.admission;
    let (derived, namespaced) =
        palisade_vap::resource_for_kind(&a.kind.group, &a.kind.kind, !a.namespace.is_empty());
    let resource: &str = if a.resource.resource.is_empty() {
        *resource = derived;
        resource
    } else {
        &a.resource.resource
    };
    let name = if a.name.is_empty() {
        request
            .object
            .or(request.old_object)
            .map_or("", |o| o.name.as_str())
    } else {
        &a.name
    };
    let requested_kind = a
        .request_kind
        .as_ref()
        .map(|k| [k.group.as_str(), k.version.as_str(), k.kind.as_str()]);
    let requested_resource = a
        .request_resource
        .as_ref()
        .map(|r| [r.group.as_str(), r.version.as_str(), r.resource.as_str()]);
    palisade_vap::RequestView {
        request_uid: &a.uid,
        operation: a.operation.as_str(),
        object: request.object.map(|o| &o.value),
        old_object: request.old_object.map(|o| &o.value),
        group: &a.kind.group,
        version: &a.kind.version,
        kind: &a.kind.kind,
        resource,
        subresource: &a.sub_resource,
        request_kind: requested_kind,
        request_resource: requested_resource,
        request_subresource: a.request_sub_resource.as_deref(),
        name,
        namespace: &a.namespace,
        namespaced,
        username: &a.user_info.username,
        uid: &a.user_info.uid,
        groups: &a.user_info.groups,
        user_extra: &a.user_info.extra,
        dry_run: a.dry_run.unwrap_or(false),
        options: a.options.as_ref(),
        namespace_object: request.namespace.map(|n| &n.value),
    }
}

/// The HTTP code of a status reason, as the API server maps it
fn code_of(reason: Option<&str>) -> u16 {
    match reason {
        Some("Unauthorized") => 401,
        Some("Forbidden") => 403,
        Some("RequestEntityTooLarge") => 413,
        _ => 422,
    }
}

impl PolicySet for AdmissionPolicySet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }

    fn reads_data(&self, api_version: &str, kind: &str) -> bool {
        self.param_kinds
            .contains(&(api_version.to_owned(), kind.to_owned()))
    }

    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        let mutating = selected
            .iter()
            .any(|i| self.metas.get(*i).is_some_and(|m| m.mutating));
        let mut derived = String::new();
        let req = vap_request(request, &mut derived);
        if mutating {
            self.mutate(req, selected, out);
        } else {
            self.validate(req, selected, out);
        }
    }
}

impl AdmissionPolicySet {
    fn index_of(&self, mutating: bool, r: &BindingResult, selected: &[usize]) -> Option<usize> {
        self.by_binding[usize::from(mutating)]
            .get(&r.policy)
            .and_then(|bindings| bindings.get(&r.binding))
            .copied()
            .filter(|i| selected.binary_search(i).is_ok())
    }

    fn validate(
        &self,
        req: palisade_vap::RequestView<'_>,
        selected: &[usize],
        out: &mut Decisions,
    ) {
        let mut audit_failures = Vec::new();
        for r in self.set.validate_view(req) {
            let Some(i) = self.index_of(false, &r, selected) else {
                continue;
            };
            for (key, value) in &r.audit_annotations {
                out.annotate(format!("vap-{}", key.replace('/', "-")), value.clone());
            }
            if !matches!(r.verdict, Verdict::Deny | Verdict::Warn | Verdict::Audit) {
                continue;
            }
            let prefix = format!(
                "ValidatingAdmissionPolicy '{}' with binding '{}'",
                r.policy, r.binding
            );
            let first = r.messages.first().cloned().unwrap_or_default();
            if r.actions.contains(&"Deny") {
                out.deny_with_code(
                    i,
                    "validations",
                    code_of(r.reason.as_deref()),
                    format!("{prefix} denied request: {first}"),
                );
            }
            if r.actions.contains(&"Warn") {
                for m in &r.messages {
                    let text = format!("Validation failed for {prefix}: {m}");
                    if r.actions.contains(&"Deny") {
                        out.respond_warn(text);
                    } else {
                        out.warn(i, "validations", text);
                    }
                }
            }
            if r.actions.contains(&"Audit") {
                if r.actions.len() == 1 {
                    out.audit(i, "validations", format!("{prefix} failed: {first}"));
                }
                audit_failures.extend(r.audit_failures());
            }
        }
        if !audit_failures.is_empty() {
            out.annotate(
                "vap-validation-failure",
                Value::Array(audit_failures).to_string(),
            );
        }
    }

    fn mutate(&self, req: palisade_vap::RequestView<'_>, selected: &[usize], out: &mut Decisions) {
        let Some(original) = req.object else {
            return;
        };
        let (object, results, mutated) = self.set.mutate_view(req);
        let mut patch = if mutated {
            object
                .as_ref()
                .map(|o| diff(original, o))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for r in &results {
            let Some(i) = self.index_of(true, r, selected) else {
                continue;
            };
            match r.verdict {
                Verdict::Mutated if !patch.is_empty() => {
                    // the patch is the whole stage's change: carried by the first mutation
                    out.patch(i, "mutations", std::mem::take(&mut patch));
                }
                Verdict::Mutated => {
                    out.record(i, "mutations", Action::Mutate, "changed the object");
                }
                Verdict::Deny => {
                    let first = r.messages.first().cloned().unwrap_or_default();
                    out.deny_with_code(
                        i,
                        "mutations",
                        code_of(r.reason.as_deref()),
                        format!(
                            "MutatingAdmissionPolicy '{}' with binding '{}' denied request: {first}",
                            r.policy, r.binding
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn match_spec_keeps_operations_and_groups() {
        let mr = MatchResources::parse(&json!({"resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]},
            {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["UPDATE"], "resources": ["deployments/scale"]},
        ]}))
        .unwrap();
        let spec = match_spec(&mr);
        assert_eq!(spec.operations, [Operation::Create, Operation::Update]);
        let groups: Vec<_> = spec.kinds.iter().map(|k| k.group.clone()).collect();
        // apps deployments are equivalent to extensions ones (matchPolicy Equivalent)
        assert_eq!(
            groups,
            [
                Some(String::new()),
                Some("apps".into()),
                Some("extensions".into())
            ]
        );
        assert!(spec.kinds.iter().all(|k| k.kind.is_none()));
        assert!(spec.subresources);

        let wild = MatchResources::parse(&json!({"resourceRules": [
            {"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]},
        ]}))
        .unwrap();
        let spec = match_spec(&wild);
        assert!(spec.operations.is_empty() && spec.kinds.is_empty());
    }
}
