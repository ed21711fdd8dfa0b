//! Pod Security Admission, as upstream's admission plugin does it (`admission/admission.go`).
//!
//! Always loaded. The cluster defaults and exemptions come from an upstream
//! `PodSecurityConfiguration` document in the policies directory (at most one); without one,
//! every mode defaults to `privileged:latest` and nothing is exempt, so only namespace labels
//! (`pod-security.kubernetes.io/{enforce,audit,warn}[-version]`) decide.
//!
//! - Pods: enforce, audit and warn; warnings are dropped when the pod is denied. Requests on
//!   the subresources `exec`, `attach`, `binding`, `eviction`, `log`, `portforward`, `proxy` and
//!   `status` are ignored; an UPDATE is evaluated only when significant (container count or an
//!   image changed, an ephemeral container was added or changed its image).
//! - Pod templates of controllers (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
//!   CronJob, ReplicationController, PodTemplate): audit and warn only, never enforce.
//! - Namespaces: invalid Pod Security labels are rejected on CREATE, and on UPDATE only when
//!   the error is new. (Upstream also dry-runs the namespace's existing pods when the enforce
//!   level tightens; that needs a cluster and is not done here.)
//! - Exemptions (usernames, namespaces, runtimeClasses; exact matches) allow with the audit
//!   annotation `exempt`.
//!
//! Audit annotations use upstream's keys without the `pod-security.kubernetes.io/` prefix
//! (`enforce-policy`, `audit-violations`, `exempt`, `error`): the API server prefixes webhook
//! annotation keys with the webhook's name, and a key may not contain another `/`.

use crate::policy::{
    Decisions, Dialect, FailurePolicy, KindMatch, MatchSpec, PolicyLoadError, PolicyMeta,
    PolicySet, Request,
};
use crate::review::Operation;
use palisade_model::{PodTemplate, Resource};
use palisade_pss::{
    Defaults, Exemptions, Level, LevelVersion, NamespacePolicy, PreparedPod, Version, deny_message,
    namespace_policy, warn_message,
};
use palisade_source::JsonPointer;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Upstream's configuration group
pub const CONFIG_GROUP: &str = "pod-security.admission.config.k8s.io";
/// Upstream's configuration kind
pub const CONFIG_KIND: &str = "PodSecurityConfiguration";
/// Name of the one policy of this dialect
pub const POLICY_NAME: &str = "pod-security";

/// Pod subresources upstream never evaluates
const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// Controllers whose pod templates get audit and warn (group, kind)
const CONTROLLERS: &[(&str, &str)] = &[
    ("", "PodTemplate"),
    ("", "ReplicationController"),
    ("apps", "ReplicaSet"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
];

/// Pod Security Admission as a dialect
#[derive(Debug, Default, Clone, Copy)]
pub struct PodSecurity;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigDoc {
    #[serde(rename = "apiVersion")]
    _api_version: Option<String>,
    #[serde(rename = "kind")]
    _kind: Option<String>,
    #[serde(default)]
    defaults: BTreeMap<String, String>,
    #[serde(default)]
    exemptions: ExemptionsDoc,
    #[serde(default)]
    metadata: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExemptionsDoc {
    #[serde(default)]
    usernames: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    runtime_classes: Vec<String>,
}

/// The compiled configuration
#[derive(Debug)]
pub struct PodSecuritySet {
    metas: Vec<PolicyMeta>,
    defaults: Defaults,
    exemptions: Exemptions,
}

impl PodSecuritySet {
    /// A set with these defaults and exemptions
    pub fn new(defaults: Defaults, exemptions: Exemptions) -> Self {
        let mut kinds = vec![KindMatch::new("", "Pod"), KindMatch::new("", "Namespace")];
        kinds.extend(CONTROLLERS.iter().map(|(g, k)| KindMatch::new(g, k)));
        Self {
            metas: vec![PolicyMeta {
                name: Arc::from(POLICY_NAME),
                matches: MatchSpec {
                    operations: vec![Operation::Create, Operation::Update],
                    kinds,
                    namespaces: Vec::new(),
                    excluded_namespaces: Vec::new(),
                    subresources: true,
                },
                failure_policy: FailurePolicy::Fail,
                mutating: false,
            }],
            defaults,
            exemptions,
        }
    }
}

impl Dialect for PodSecurity {
    fn name(&self) -> &'static str {
        "pod-security"
    }

    fn claims(&self, api_version: &str, kind: &str) -> bool {
        kind == CONFIG_KIND
            && api_version
                .split_once('/')
                .is_some_and(|(g, _)| g == CONFIG_GROUP)
    }

    fn compile(&self, documents: &[Resource]) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let mut errors = Vec::new();
        for extra in documents.iter().skip(1) {
            errors.push(PolicyLoadError::at(
                extra,
                &JsonPointer::root(),
                format!(
                    "only one {CONFIG_KIND} may be loaded; another one is in `{}`",
                    documents.first().map_or("", |d| d.file.name.as_str())
                ),
            ));
        }
        let Some(doc) = documents.first() else {
            return Ok(Arc::new(PodSecuritySet::new(
                Defaults::default(),
                Exemptions::default(),
            )));
        };
        let config: ConfigDoc = match serde_json::from_value(doc.value.clone()) {
            Ok(c) => c,
            Err(e) => {
                errors.push(PolicyLoadError::at(
                    doc,
                    &JsonPointer::root(),
                    format!("invalid {CONFIG_KIND}: {e}"),
                ));
                return Err(errors);
            }
        };
        let _ = &config.metadata;
        let mut defaults = Defaults::default();
        for (key, value) in &config.defaults {
            let at = JsonPointer::root().key("defaults").key(key);
            let (mode, is_version) = match key.as_str() {
                "enforce" => (&mut defaults.enforce, false),
                "enforce-version" => (&mut defaults.enforce, true),
                "audit" => (&mut defaults.audit, false),
                "audit-version" => (&mut defaults.audit, true),
                "warn" => (&mut defaults.warn, false),
                "warn-version" => (&mut defaults.warn, true),
                _ => {
                    errors.push(PolicyLoadError::at(
                        doc,
                        &at,
                        format!("unknown field `defaults.{key}` (expected enforce, enforce-version, audit, audit-version, warn or warn-version)"),
                    ));
                    continue;
                }
            };
            if is_version {
                match value.parse::<Version>() {
                    Ok(v) => mode.version = v,
                    Err(e) => errors.push(PolicyLoadError::at(doc, &at, e.to_string())),
                }
            } else {
                match value.parse::<Level>() {
                    Ok(l) => mode.level = l,
                    Err(e) => errors.push(PolicyLoadError::at(doc, &at, e.to_string())),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let ex = config.exemptions;
        Ok(Arc::new(PodSecuritySet::new(
            defaults,
            Exemptions {
                usernames: ex.usernames,
                namespaces: ex.namespaces,
                runtime_classes: ex.runtime_classes,
            },
        )))
    }
}

impl PolicySet for PodSecuritySet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }

    /// Native checks, linear in the size of the object
    fn bounded_cost(&self) -> bool {
        true
    }

    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        if !selected.contains(&0) {
            return;
        }
        let Some(object) = request.object else {
            return;
        };
        let a = request.admission;
        match (a.kind.group.as_str(), a.kind.kind.as_str()) {
            ("", "Pod") => self.pod(request, object, out),
            ("", "Namespace") => self.namespace(request, object, out),
            (g, k) if CONTROLLERS.contains(&(g, k)) => self.controller(request, object, out),
            _ => {}
        }
    }
}

/// Which modes to evaluate
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Enforce, audit and warn (pods)
    All,
    /// Audit and warn only (controllers)
    AuditWarn,
}

impl PodSecuritySet {
    /// Namespace labels → policy; records lookup and label errors as audit annotations
    fn namespace_policy(
        &self,
        request: &Request<'_>,
        out: &mut Decisions,
    ) -> (NamespacePolicy, bool) {
        let ns = request.admission.namespace.as_str();
        if !request.namespace_known && !ns.is_empty() {
            out.annotate(
                "error",
                format!("failed to lookup namespace {ns:?}: not in the namespace cache; cluster defaults apply"),
            );
        }
        let labels = request.namespace.into_iter().flat_map(Resource::labels);
        let (policy, errors) = namespace_policy(labels, &self.defaults);
        if !errors.is_empty() {
            out.annotate(
                "error",
                format!("Failed to parse policy: {}", aggregate(&errors)),
            );
        }
        (policy, errors.is_empty())
    }

    fn exempt_request(
        &self,
        request: &Request<'_>,
        runtime_class: &str,
        out: &mut Decisions,
    ) -> bool {
        let a = request.admission;
        match self
            .exemptions
            .exempt(&a.user_info.username, &a.namespace, runtime_class)
        {
            Some(why) => {
                out.annotate("exempt", why);
                out.exempt(0, why, format!("exempt from Pod Security by {why}"));
                true
            }
            None => false,
        }
    }

    fn pod(&self, request: &Request<'_>, object: &Resource, out: &mut Decisions) {
        let a = request.admission;
        if IGNORED_POD_SUBRESOURCES.contains(&a.sub_resource.as_str()) {
            return;
        }
        if self.exempt_request(request, "", out) {
            return;
        }
        let (policy, labels_ok) = self.namespace_policy(request, out);
        if labels_ok && policy.fully_privileged() {
            out.annotate("enforce-policy", LevelVersion::PRIVILEGED.to_string());
            return;
        }
        if a.operation == Operation::Update
            && let Some(old) = request.old_object
            && !significant_pod_update(&object.value, &old.value)
        {
            return;
        }
        self.evaluate_template(request, object, policy, Scope::All, out);
    }

    fn controller(&self, request: &Request<'_>, object: &Resource, out: &mut Decisions) {
        let a = request.admission;
        if !a.sub_resource.is_empty() {
            return;
        }
        if self.exempt_request(request, "", out) {
            return;
        }
        let (policy, _) = self.namespace_policy(request, out);
        if policy.audit.level == Level::Privileged && policy.warn.level == Level::Privileged {
            return;
        }
        self.evaluate_template(request, object, policy, Scope::AuditWarn, out);
    }

    fn evaluate_template(
        &self,
        request: &Request<'_>,
        object: &Resource,
        policy: NamespacePolicy,
        scope: Scope,
        out: &mut Decisions,
    ) {
        let Some(template) = PodTemplate::of(&object.kind, &object.value) else {
            return;
        };
        let runtime_class = template
            .get("runtimeClassName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if self.exempt_request(request, runtime_class, out) {
            return;
        }
        let pod = PreparedPod::new(&template);
        let mut cache: Vec<(LevelVersion, Vec<palisade_pss::Violation>)> = Vec::new();
        let mut eval = |lv: LevelVersion| -> Vec<palisade_pss::Violation> {
            if let Some((_, v)) = cache.iter().find(|(k, _)| *k == lv) {
                return v.clone();
            }
            let v = if lv.level == Level::Privileged {
                Vec::new()
            } else {
                pod.evaluate(lv.level, lv.version)
            };
            cache.push((lv, v.clone()));
            v
        };
        let mut denied = false;
        if scope == Scope::All {
            out.annotate("enforce-policy", policy.enforce.to_string());
            let v = eval(policy.enforce);
            if !v.is_empty() {
                denied = true;
                out.deny(
                    0,
                    policy.enforce.to_string(),
                    deny_message(policy.enforce.level, policy.enforce.version, &v),
                );
            }
        }
        let v = eval(policy.audit);
        if !v.is_empty() {
            let message = warn_message(policy.audit.level, policy.audit.version, &v);
            out.annotate("audit-violations", message.clone());
            out.audit(0, policy.audit.to_string(), message);
        }
        if !denied {
            let v = eval(policy.warn);
            if !v.is_empty() {
                out.warn(
                    0,
                    policy.warn.to_string(),
                    warn_message(policy.warn.level, policy.warn.version, &v),
                );
            }
        }
    }

    fn namespace(&self, request: &Request<'_>, object: &Resource, out: &mut Decisions) {
        let a = request.admission;
        if !a.sub_resource.is_empty() {
            return;
        }
        let (_, errors) = namespace_policy(object.labels(), &self.defaults);
        if errors.is_empty() {
            return;
        }
        let new_errors: Vec<String> = match (a.operation, request.old_object) {
            (Operation::Update, Some(old)) => {
                let (_, old_errors) = namespace_policy(old.labels(), &self.defaults);
                errors
                    .into_iter()
                    .filter(|e| !old_errors.contains(e))
                    .collect()
            }
            _ => errors,
        };
        if new_errors.is_empty() {
            return;
        }
        out.deny_with_code(
            0,
            "namespace-labels",
            422,
            format!(
                "Namespace {:?} is invalid: {}",
                object.name,
                aggregate(&new_errors)
            ),
        );
    }
}

/// Go's `utilerrors.NewAggregate(...).Error()`: one error as is, several in brackets
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Upstream's `isSignificantPodUpdate` (reads both pods in place: it runs on every Pod UPDATE)
fn significant_pod_update(new: &Value, old: &Value) -> bool {
    fn list<'p>(pod: &'p Value, field: &str) -> &'p [Value] {
        palisade_model::field(pod, "spec")
            .and_then(|spec| palisade_model::field(spec, field))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
    fn text<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v str> {
        v.and_then(|v| palisade_model::field(v, key))
            .and_then(Value::as_str)
    }
    let annotations = |pod| palisade_model::field_path(pod, "metadata/annotations");
    let (new_ann, old_ann) = (annotations(new), annotations(old));
    let container_changed = |c: &Value, o: &Value| {
        if text(Some(c), "image") != text(Some(o), "image") {
            return true;
        }
        let name = text(Some(c), "name").unwrap_or("");
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
        text(new_ann, &key) != text(old_ann, &key)
    };
    for field in ["containers", "initContainers"] {
        let (n, o) = (list(new, field), list(old, field));
        if n.len() != o.len() || n.iter().zip(o).any(|(c, oc)| container_changed(c, oc)) {
            return true;
        }
    }
    let old_ephemeral = list(old, "ephemeralContainers");
    list(new, "ephemeralContainers").iter().any(|c| {
        let name = text(Some(c), "name");
        match old_ephemeral.iter().find(|o| text(Some(o), "name") == name) {
            None => true,
            Some(o) => container_changed(c, o),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Action;
    use crate::review::AdmissionRequest;
    use serde_json::json;

    fn ns(labels: serde_json::Value) -> Resource {
        Resource::from_value(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": labels}}),
            "ns",
        )
        .unwrap()
    }

    fn pod(sc: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team"},
            "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": sc}]}})
    }

    fn run(
        set: &PodSecuritySet,
        kind: (&str, &str),
        op: &str,
        object: serde_json::Value,
        old: Option<serde_json::Value>,
        namespace: Option<&Resource>,
        user: &str,
    ) -> Decisions {
        let admission: AdmissionRequest = serde_json::from_value(json!({
            "uid": "u", "operation": op, "namespace": "team",
            "kind": {"group": kind.0, "version": "v1", "kind": kind.1},
            "userInfo": {"username": user},
        }))
        .unwrap();
        let object = Resource::from_value(object, "req").unwrap();
        let old = old.map(|o| Resource::from_value(o, "req").unwrap());
        let req = Request {
            admission: &admission,
            object: Some(&object),
            old_object: old.as_ref(),
            namespace,
            namespace_known: namespace.is_some(),
            cluster_bindings: &palisade_kyverno::rbac::RoleIndex::default(),
        };
        let mut out = Decisions::default();
        set.evaluate(&req, &[0], &mut out);
        out
    }

    fn actions(d: &Decisions) -> Vec<(Action, String)> {
        d.outcomes()
            .iter()
            .map(|o| (o.action, o.rule.to_string()))
            .collect()
    }

    fn annotation<'a>(d: &'a Decisions, key: &str) -> Option<&'a str> {
        d.audit_annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn enforces_on_pods_and_only_warns_on_controllers() {
        let set = PodSecuritySet::new(Defaults::default(), Exemptions::default());
        let labels = ns(json!({"pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted"}));
        let bad = pod(json!({"privileged": true}));
        let d = run(
            &set,
            ("", "Pod"),
            "CREATE",
            bad.clone(),
            None,
            Some(&labels),
            "alice",
        );
        assert_eq!(
            actions(&d),
            [
                (Action::Deny, "baseline:latest".into()),
                (Action::Audit, "restricted:latest".into())
            ]
        );
        assert!(d.outcomes()[0].message.starts_with(
            r#"violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)"#
        ));
        assert_eq!(annotation(&d, "enforce-policy"), Some("baseline:latest"));
        assert!(annotation(&d, "audit-violations").is_some_and(|a| a.starts_with("would violate")));

        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": bad.clone()}});
        let d = run(
            &set,
            ("apps", "Deployment"),
            "CREATE",
            deploy,
            None,
            Some(&labels),
            "alice",
        );
        assert_eq!(
            actions(&d),
            [
                (Action::Audit, "restricted:latest".into()),
                (Action::Warn, "restricted:latest".into())
            ]
        );

        // baseline-clean pod: allowed, but restricted warns
        let d = run(
            &set,
            ("", "Pod"),
            "CREATE",
            pod(json!({})),
            None,
            Some(&labels),
            "alice",
        );
        assert_eq!(
            actions(&d),
            [
                (Action::Audit, "restricted:latest".into()),
                (Action::Warn, "restricted:latest".into())
            ]
        );
    }

    #[test]
    fn exemptions_subresources_and_insignificant_updates() {
        let set = PodSecuritySet::new(
            Defaults {
                enforce: LevelVersion::new(Level::Baseline, Version::Latest),
                ..Defaults::default()
            },
            Exemptions {
                usernames: vec!["system:serviceaccount:ci:deployer".into()],
                ..Exemptions::default()
            },
        );
        let bad = pod(json!({"privileged": true}));
        let d = run(
            &set,
            ("", "Pod"),
            "CREATE",
            bad.clone(),
            None,
            None,
            "system:serviceaccount:ci:deployer",
        );
        assert_eq!(actions(&d), [(Action::Exempt, "user".into())]);
        assert_eq!(annotation(&d, "exempt"), Some("user"));

        // unknown namespace: defaults apply (baseline enforce) and the lookup error is noted
        let d = run(
            &set,
            ("", "Pod"),
            "CREATE",
            bad.clone(),
            None,
            None,
            "alice",
        );
        assert_eq!(actions(&d)[0].0, Action::Deny);
        assert!(annotation(&d, "error").is_some_and(|e| e.contains("team")));

        let update = |changed: serde_json::Value| {
            run(
                &set,
                ("", "Pod"),
                "UPDATE",
                changed,
                Some(bad.clone()),
                None,
                "alice",
            )
        };
        // labels only: not significant
        let mut relabelled = bad.clone();
        relabelled["metadata"]["labels"] = json!({"x": "y"});
        assert!(update(relabelled).outcomes().is_empty());
        // a container's image or seccomp annotation changed, an ephemeral container added:
        // significant
        let mut new_image = bad.clone();
        new_image["spec"]["containers"][0]["image"] = json!("nginx:2");
        let name = bad["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut annotated = bad.clone();
        annotated["metadata"]["annotations"] = json!({
            format!("container.seccomp.security.alpha.kubernetes.io/{name}"): "unconfined"
        });
        let mut debugged = bad.clone();
        debugged["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox"}]);
        for changed in [new_image, annotated, debugged] {
            assert_eq!(actions(&update(changed))[0].0, Action::Deny);
        }
    }

    #[test]
    fn namespace_labels_are_validated() {
        let set = PodSecuritySet::new(Defaults::default(), Exemptions::default());
        let bad = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team",
            "labels": {"pod-security.kubernetes.io/enforce": "strict"}}});
        let d = run(
            &set,
            ("", "Namespace"),
            "CREATE",
            bad.clone(),
            None,
            None,
            "alice",
        );
        assert_eq!(d.denials()[0].0, 422);
        assert!(
            d.outcomes()[0]
                .message
                .contains(r#"Invalid value: "strict""#)
        );
        // the same bad label already there: updates are not blocked
        let d = run(
            &set,
            ("", "Namespace"),
            "UPDATE",
            bad.clone(),
            Some(bad),
            None,
            "alice",
        );
        assert!(d.outcomes().is_empty());
    }

    #[test]
    fn reads_upstream_configuration() {
        let doc = Resource::from_value(
            json!({"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration",
                "defaults": {"enforce": "baseline", "enforce-version": "v1.30", "warn": "restricted"},
                "exemptions": {"namespaces": ["kube-system"], "runtimeClasses": ["kata"]}}),
            "psa.yaml",
        )
        .unwrap();
        assert!(PodSecurity.claims(&doc.api_version, &doc.kind));
        assert!(PodSecurity.compile(&[doc]).is_ok());
        let bad = Resource::from_value(
            json!({"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration",
                "defaults": {"enforce": "strict", "colour": "red"}}),
            "psa.yaml",
        )
        .unwrap();
        assert_eq!(PodSecurity.compile(&[bad]).unwrap_err().len(), 2);
    }
}
