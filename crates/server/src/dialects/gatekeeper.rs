//! Gatekeeper ConstraintTemplates and Constraints, served as Gatekeeper's validating webhook
//! serves them, on top of palisade-gatekeeper.
//!
//! - One served policy per constraint, named `<Kind>/<name>`; failure policy `Ignore`
//!   (Gatekeeper's webhook default).
//! - The actions at the webhook's enforcement point (`validation.gatekeeper.sh`, so
//!   `scopedEnforcementActions` apply): `deny` denies, `warn` warns, `dryrun` is recorded only.
//!   Messages are Gatekeeper's `[<constraint>] <msg>`.
//! - `spec.match` is decided by the crate against the object (and the old object); the
//!   Namespace for `namespaceSelector` comes from the namespace cache, and a namespaced object
//!   whose Namespace is unknown is rejected by such a constraint (Gatekeeper's "autoreject").
//! - `data.inventory` is empty (no cluster sync); an evaluation error is answered per the
//!   failure policy. Templates compile once at load: Rego through regorus, CEL
//!   (`K8sNativeValidation`) through palisade-cel, picked as gator picks them.
//! - Mutators (`mutations.gatekeeper.sh` Assign, AssignMetadata, ModifySet, AssignImage) are
//!   served on `/mutate` (CREATE and UPDATE), applied together in Gatekeeper's order until the
//!   object stops changing; the change is one JSON Patch. Conflicting mutators and external
//!   data fail the load (Gatekeeper would not apply them).
//!
//! The crate's `Session` reviews every constraint against an inventory's namespaces; the
//! webhook drives the same pieces (matcher, compiled template, evaluator) for the constraints
//! the index selected, with the namespace from its cache, and keeps evaluators between
//! requests. Rego sees a constraint only through its parameters: constraints of one template
//! with equal parameters share one evaluation per request (unless the template calls an impure
//! builtin such as `time.now_ns`).

use super::diff::diff;
use crate::policy::{
    Action, Decisions, Dialect, FailurePolicy, KindMatch, MatchSpec, PolicyLoadError, PolicyMeta,
    PolicySet, Request,
};
use crate::review::{AdmissionRequest, Operation};
use palisade_gatekeeper::mutation::MUTATION_GROUP;
use palisade_gatekeeper::{
    Backend, CONSTRAINT_GROUP, CompiledTemplate, Constraint, ConstraintTemplate, EngineChoice,
    EngineOptions, Evaluator, Inventory, MutationSystem, Mutator, Review, SentRequest, Source,
    TEMPLATE_GROUP, Target, enforcement_points,
};
use palisade_model::Resource;
use palisade_source::JsonPointer;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Gatekeeper as a dialect
#[derive(Debug, Default, Clone, Copy)]
pub struct Gatekeeper;

/// Compiled templates and constraints
pub struct GatekeeperSet {
    constraints: Vec<Constraint>,
    /// Policies: the constraints, then the mutators
    metas: Vec<PolicyMeta>,
    mutation: MutationSystem,
    /// Constraint kind → compiled template and idle evaluators (an evaluator is used by one
    /// request at a time; building one clones the compiled Rego engine)
    templates: foldhash::HashMap<String, Template>,
    inventory: Inventory,
}

struct Template {
    compiled: Arc<dyn CompiledTemplate>,
    idle: Mutex<Vec<Box<dyn Evaluator>>>,
}

/// Most idle evaluators kept per template
const MAX_IDLE: usize = 64;

impl std::fmt::Debug for GatekeeperSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatekeeperSet")
            .field("templates", &self.templates.len())
            .field("constraints", &self.constraints.len())
            .finish_non_exhaustive()
    }
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

impl Dialect for Gatekeeper {
    fn name(&self) -> &'static str {
        "gatekeeper"
    }

    fn claims(&self, api_version: &str, kind: &str) -> bool {
        let group = group_of(api_version);
        (group == TEMPLATE_GROUP && kind == "ConstraintTemplate")
            || group == CONSTRAINT_GROUP
            || group == MUTATION_GROUP
    }

    fn compile(&self, documents: &[Resource]) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let root = JsonPointer::root();
        let options = EngineOptions::with_cel_engine(EngineChoice::Auto)
            .map_err(|e| vec![PolicyLoadError::file("gatekeeper", e.to_string())])?;
        let mut set = palisade_gatekeeper::PolicySet::new();
        let mut errors = Vec::new();
        let mut template_files: HashMap<String, &Resource> = HashMap::new();
        let (mutator_docs, documents): (Vec<&Resource>, Vec<&Resource>) = documents
            .iter()
            .partition(|d| group_of(&d.api_version) == MUTATION_GROUP);
        let (templates, constraints): (Vec<&Resource>, Vec<&Resource>) = documents
            .into_iter()
            .partition(|d| ConstraintTemplate::is_template(&d.value));
        for doc in templates {
            let template = match ConstraintTemplate::parse(&doc.value) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(PolicyLoadError::at(doc, &root, e.to_string()));
                    continue;
                }
            };
            let kind = template.kind.clone();
            if let Some(first) = template_files.insert(kind.clone(), doc) {
                errors.push(PolicyLoadError::at(
                    doc,
                    &root,
                    format!(
                        "a ConstraintTemplate for kind `{kind}` is also in `{}`",
                        first.file.name
                    ),
                ));
                continue;
            }
            if let Err(e) = set.add_template(template, &options) {
                errors.push(PolicyLoadError::at(doc, &root, e.to_string()));
                continue;
            }
            // Gatekeeper would fail these where evaluated; a webhook load rejects them up front
            for e in set.cel_compile_errors(&kind) {
                errors.push(PolicyLoadError::at(
                    doc,
                    &root,
                    format!("K8sNativeValidation {}: {}", e.pointer, e.error),
                ));
            }
        }
        let mut compiled = HashMap::new();
        for (template, backend) in set.templates() {
            match backend {
                Backend::Ready(c) => {
                    compiled.insert(template.kind.clone(), Arc::clone(c));
                }
                Backend::Unavailable(reason) => {
                    if let Some(doc) = template_files.get(&template.kind) {
                        errors.push(PolicyLoadError::at(
                            doc,
                            &root,
                            format!(
                                "ConstraintTemplate `{}` cannot be served: {reason}",
                                template.name
                            ),
                        ));
                    }
                }
            }
        }
        let mut names: HashMap<(String, String), &Resource> = HashMap::new();
        for doc in constraints {
            let key = (doc.kind.clone(), doc.name.clone());
            if let Some(first) = names.get(&key) {
                errors.push(PolicyLoadError::at(
                    doc,
                    &root.key("metadata").key("name"),
                    format!(
                        "{} `{}` is defined twice (first in {})",
                        doc.kind, doc.name, first.file.name
                    ),
                ));
                continue;
            }
            names.insert(key, doc);
            if let Err(e) = set.add_constraint(&doc.value) {
                errors.push(PolicyLoadError::at(doc, &root, e.to_string()));
            }
        }
        let mut mutators = Vec::new();
        let mut mutator_specs = Vec::new();
        for doc in mutator_docs {
            match Mutator::parse(&doc.value) {
                Ok(m) => {
                    mutator_specs.push((m.id(), match_spec(&doc.value)));
                    mutators.push(m);
                }
                Err(e) => errors.push(PolicyLoadError::at(doc, &root, e.to_string())),
            }
        }
        let mutation = MutationSystem::new(mutators);
        for c in mutation.conflicts() {
            errors.push(PolicyLoadError::file("gatekeeper", c.to_string()));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let constraints = set.constraints().to_vec();
        let mut metas: Vec<PolicyMeta> = constraints
            .iter()
            .map(|c| PolicyMeta {
                name: Arc::from(format!("{}/{}", c.kind, c.name)),
                matches: match_spec(&c.object),
                failure_policy: FailurePolicy::Ignore,
                mutating: false,
            })
            .collect();
        // a later mutator of the same kind and name replaced an earlier one: serve it once
        let mut served = std::collections::HashSet::new();
        for (id, mut matches) in mutator_specs.into_iter().rev() {
            if !served.insert(id.clone()) {
                continue;
            }
            matches.operations = vec![Operation::Create, Operation::Update];
            matches.subresources = false;
            metas.push(PolicyMeta {
                name: Arc::from(id),
                matches,
                // Gatekeeper's mutating webhook default
                failure_policy: FailurePolicy::Ignore,
                mutating: true,
            });
        }
        let templates = compiled
            .into_iter()
            .map(|(kind, compiled)| {
                (
                    kind,
                    Template {
                        compiled,
                        idle: Mutex::new(Vec::new()),
                    },
                )
            })
            .collect();
        Ok(Arc::new(GatekeeperSet {
            constraints,
            metas,
            mutation,
            templates,
            inventory: Inventory::new(),
        }))
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The index's view of `spec.match`: kinds and exact excluded namespaces. `namespaces` is
/// left to the crate: it does not apply to cluster-scoped objects and takes wildcards.
fn match_spec(constraint: &Value) -> MatchSpec {
    let m = constraint.pointer("/spec/match");
    let mut kinds = Vec::new();
    let mut any_kind = true;
    if let Some(list) = m.and_then(|m| m.get("kinds")).and_then(Value::as_array) {
        any_kind = list.is_empty();
        for entry in list {
            let groups = strings(entry.get("apiGroups"));
            let names = strings(entry.get("kinds"));
            let groups: Vec<Option<&str>> = if groups.is_empty() || groups.contains(&"*") {
                vec![None]
            } else {
                groups.into_iter().map(Some).collect()
            };
            let names: Vec<Option<&str>> = if names.is_empty() || names.contains(&"*") {
                vec![None]
            } else {
                names.into_iter().map(Some).collect()
            };
            for g in &groups {
                for k in &names {
                    let km = KindMatch {
                        group: g.map(str::to_owned),
                        kind: k.map(str::to_owned),
                    };
                    if km.group.is_none() && km.kind.is_none() {
                        any_kind = true;
                    }
                    if !kinds.contains(&km) {
                        kinds.push(km);
                    }
                }
            }
        }
    }
    MatchSpec {
        operations: Vec::new(),
        kinds: if any_kind { Vec::new() } else { kinds },
        namespaces: Vec::new(),
        excluded_namespaces: strings(m.and_then(|m| m.get("excludedNamespaces")))
            .into_iter()
            .filter(|n| !n.contains('*'))
            .map(str::to_owned)
            .collect(),
        subresources: true,
    }
}

/// `input.review` as Gatekeeper's webhook builds it from the request
fn review_of<'a>(request: &Request<'a>) -> Result<Review<'a>, String> {
    Review::from_sent_request(
        request.admission,
        request.object.map(|o| &o.value),
        request.old_object.map(|o| &o.value),
    )
    .map_err(|e| e.to_string())
}

impl SentRequest for AdmissionRequest {
    fn fields(&self) -> serde_json::Map<String, Value> {
        self.sent_fields()
    }

    fn operation(&self) -> &str {
        self.operation.as_str()
    }

    fn namespace(&self) -> &str {
        &self.namespace
    }
}

impl PolicySet for GatekeeperSet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }

    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        if selected
            .iter()
            .any(|i| self.metas.get(*i).is_some_and(|m| m.mutating))
        {
            self.mutate(request, selected, out);
            return;
        }
        let review = match review_of(request) {
            Ok(r) => r,
            Err(e) => {
                // nothing to review (e.g. CONNECT without an object): no constraint applies
                tracing::debug!("gatekeeper: {e}");
                return;
            }
        };
        let namespace = request.namespace.map(|n| &n.value);
        let targets: Vec<Target<'_>> = [review.object(), review.old_object()]
            .into_iter()
            .flatten()
            .map(|o| Target::new(o, namespace))
            .collect();
        let mut shared = Vec::new();
        for &i in selected {
            let Some(constraint) = self.constraints.get(i) else {
                continue;
            };
            let actions = constraint
                .enforcement_action
                .actions_at(enforcement_points::VALIDATION);
            if actions.is_empty() {
                continue;
            }
            let messages = match constraint
                .matcher
                .matches_targets(&targets, Source::Original)
            {
                Ok(false) => continue,
                Ok(true) => match self.run(constraint, &review, &mut shared) {
                    Ok(m) => m,
                    Err(e) => {
                        out.error(i, e);
                        continue;
                    }
                },
                // Gatekeeper's autoreject: an error result under the constraint's actions
                Err(e) => vec![format!("unable to match constraints: {}", e.0)],
            };
            for msg in messages {
                let text = format!("[{}] {msg}", constraint.name);
                for action in &actions {
                    match action.as_str() {
                        "deny" => out.deny(i, "violation", text.clone()),
                        "warn" => out.warn(i, "violation", text.clone()),
                        _ => out.audit(i, format!("violation ({action})"), text.as_str()),
                    }
                }
            }
        }
    }
}

impl GatekeeperSet {
    /// Every mutator together (they iterate to a fixed point); the change is recorded against
    /// the first selected mutator, the others that match as having mutated too
    fn mutate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        let Some(object) = request.object else {
            return;
        };
        let namespace = request.namespace.map(|n| &n.value);
        let first = selected.first().copied().unwrap_or_default();
        match self.mutation.mutate(&object.value, namespace) {
            Ok(None) => {}
            Ok(Some(mutated)) => {
                let mut patch = diff(&object.value, &mutated);
                for &i in selected {
                    let Some(meta) = self.metas.get(i) else {
                        continue;
                    };
                    let applies = i == first
                        || self.mutation.mutators().iter().any(|m| {
                            *m.id() == *meta.name && m.matches(&mutated, namespace).unwrap_or(false)
                        });
                    if !applies {
                        continue;
                    }
                    if patch.is_empty() {
                        out.record(i, "mutation", Action::Mutate, "changed the object");
                    } else {
                        out.patch(i, "mutation", std::mem::take(&mut patch));
                    }
                }
            }
            Err(e) => out.error(first, e.to_string()),
        }
    }

    /// The violation messages of one matching constraint, sorted; `Err` when it could not be
    /// evaluated. `shared` holds this review's results of constraints whose template sees
    /// only their parameters: a constraint of the same kind with equal parameters reuses one.
    fn run<'c>(
        &self,
        constraint: &'c Constraint,
        review: &Review<'_>,
        shared: &mut Vec<(&'c Constraint, Result<Vec<String>, String>)>,
    ) -> Result<Vec<String>, String> {
        let template = self
            .templates
            .get(&constraint.kind)
            .ok_or_else(|| format!("no template for constraint kind `{}`", constraint.kind))?;
        let shares = template.compiled.parameters_only();
        if shares
            && let Some((_, done)) = shared
                .iter()
                .find(|(c, _)| c.kind == constraint.kind && c.parameters == constraint.parameters)
        {
            return done.clone();
        }
        let pooled = template
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut evaluator = match pooled {
            Some(e) => e,
            None => template
                .compiled
                .evaluator(&self.inventory)
                .map_err(|e| e.to_string())?,
        };
        let result = evaluator.evaluate(review, constraint);
        {
            let mut idle = template.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE {
                idle.push(evaluator);
            }
        }
        let messages = result.map(|violations| {
            let mut messages: Vec<String> = violations.into_iter().map(|v| v.msg).collect();
            messages.sort();
            messages
        });
        if shares {
            shared.push((constraint, messages.clone()));
        }
        messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: Value) -> Resource {
        Resource::from_value(value, "gatekeeper.yaml").unwrap()
    }

    fn template(kind: &str, rego: &str) -> Resource {
        doc(json!({
            "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
            "metadata": {"name": kind.to_lowercase()},
            "spec": {"crd": {"spec": {"names": {"kind": kind}}},
                "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego}]},
        }))
    }

    fn constraint(kind: &str, name: &str, action: &str, parameters: Value) -> Resource {
        doc(json!({
            "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
            "metadata": {"name": name},
            "spec": {"enforcementAction": action, "parameters": parameters},
        }))
    }

    #[test]
    fn constraints_with_equal_parameters_each_decide() {
        let labels = "package k8srequiredlabels\nviolation[{\"msg\": msg}] {\n  l := input.parameters.labels[_]\n  not input.review.object.metadata.labels[l]\n  msg := sprintf(\"missing %v\", [l])\n}\n";
        let clock = "package k8sclock\nviolation[{\"msg\": \"t\"}] { time.now_ns() > 0 }\n";
        let set = Gatekeeper
            .compile(&[
                template("K8sRequiredLabels", labels),
                template("K8sClock", clock),
                constraint("K8sRequiredLabels", "a", "deny", json!({"labels": ["app"]})),
                constraint("K8sRequiredLabels", "b", "warn", json!({"labels": ["app"]})),
                constraint(
                    "K8sRequiredLabels",
                    "c",
                    "warn",
                    json!({"labels": ["owner"]}),
                ),
                constraint("K8sClock", "d", "warn", json!(null)),
            ])
            .unwrap();
        let out = super::super::evaluate_all(
            set.as_ref(),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team"}}),
        );
        assert_eq!(out.denials(), [(403, "[a] missing app".to_owned())]);
        assert_eq!(
            out.warnings(),
            ["[b] missing app", "[c] missing owner", "[d] t"]
        );
    }

    #[test]
    fn the_review_completed_in_place_is_the_review_rebuilt() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let requests = [
            json!({"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "team", "operation": "CREATE", "userInfo": {"username": "u"},
                "object": pod, "dryRun": false, "options": {"kind": "CreateOptions"}}),
            json!({"uid": "2", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "subResource": "status", "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
                "name": "p", "operation": "UPDATE", "object": pod, "oldObject": pod}),
            json!({"uid": "3", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "name": "p", "namespace": "team", "operation": "DELETE", "oldObject": pod}),
        ];
        for request in requests {
            let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "request": request});
            let parsed = crate::review::parse(body.to_string().as_bytes()).unwrap();
            let mut fields = parsed.sent_fields();
            for (key, object) in [
                ("object", &parsed.object),
                ("oldObject", &parsed.old_object),
            ] {
                if let Some(o) = object {
                    fields.insert(key.into(), o.clone());
                }
            }
            let rebuilt = Review::from_admission_request(fields).unwrap();
            let in_place = Review::from_sent_request(
                &parsed,
                parsed.object.as_ref(),
                parsed.old_object.as_ref(),
            )
            .unwrap();
            // in the same order too
            assert_eq!(
                in_place.to_value().to_string(),
                rebuilt.to_value().to_string()
            );
            assert_eq!(in_place.namespace, rebuilt.namespace);
            assert_eq!(in_place.object(), rebuilt.object());
        }
    }

    #[test]
    fn match_spec_from_constraint() {
        let spec = match_spec(&json!({"spec": {"match": {
            "kinds": [{"apiGroups": ["", "apps"], "kinds": ["Pod", "Deployment"]}],
            "excludedNamespaces": ["kube-system", "kube-*"],
            "namespaces": ["team"],
        }}}));
        assert_eq!(spec.kinds.len(), 4);
        assert!(spec.kinds.contains(&KindMatch::new("apps", "Deployment")));
        assert_eq!(spec.excluded_namespaces, ["kube-system"]);
        assert!(
            spec.namespaces.is_empty(),
            "cluster-scoped objects still match"
        );
        let any = match_spec(
            &json!({"spec": {"match": {"kinds": [{"apiGroups": ["*"], "kinds": ["*"]}]}}}),
        );
        assert!(any.kinds.is_empty());
        assert!(match_spec(&json!({"spec": {}})).kinds.is_empty());
        let by_group =
            match_spec(&json!({"spec": {"match": {"kinds": [{"apiGroups": ["apps"]}]}}}));
        assert_eq!(
            by_group.kinds,
            [KindMatch {
                group: Some("apps".into()),
                kind: None
            }]
        );
    }
}
