//! What a policy or binding matches: label selectors, resource rules, the kind → resource
//! mapping, and the request attributes they are matched against.

use serde_json::Value;

/// A parsed `LabelSelector`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    match_labels: Vec<(String, String)>,
    expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: SelectorOp,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SelectorOp {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Parse `{matchLabels, matchExpressions}`; an unknown operator is an error
    pub fn parse(v: &Value) -> Result<Self, String> {
        let mut sel = Self::default();
        if let Some(m) = v.get("matchLabels").and_then(Value::as_object) {
            for (k, val) in m {
                let val = val
                    .as_str()
                    .ok_or_else(|| format!("matchLabels[{k}] must be a string"))?;
                sel.match_labels.push((k.clone(), val.to_owned()));
            }
        }
        for e in v
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = e
                .get("key")
                .and_then(Value::as_str)
                .ok_or("matchExpressions[].key is required")?
                .to_owned();
            let op = match e.get("operator").and_then(Value::as_str) {
                Some("In") => SelectorOp::In,
                Some("NotIn") => SelectorOp::NotIn,
                Some("Exists") => SelectorOp::Exists,
                Some("DoesNotExist") => SelectorOp::DoesNotExist,
                other => {
                    return Err(format!(
                        "matchExpressions[].operator `{}` is not In, NotIn, Exists or DoesNotExist",
                        other.unwrap_or("")
                    ));
                }
            };
            let values = e
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            sel.expressions.push(Requirement { key, op, values });
        }
        Ok(sel)
    }

    /// Does the selector select an object with these labels (`metadata.labels`, or null)?
    pub fn matches(&self, labels: Option<&Value>) -> bool {
        let get = |k: &str| {
            labels
                .and_then(|l| palisade_model::field(l, k))
                .and_then(Value::as_str)
        };
        self.match_labels
            .iter()
            .all(|(k, v)| get(k) == Some(v.as_str()))
            && self.expressions.iter().all(|r| {
                let v = get(&r.key);
                match r.op {
                    SelectorOp::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    SelectorOp::NotIn => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                    SelectorOp::Exists => v.is_some(),
                    SelectorOp::DoesNotExist => v.is_none(),
                }
            })
    }

    /// True for `{}` (selects everything)
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }
}

/// `labels` of an object, if any
pub fn labels_of(obj: Option<&Value>) -> Option<&Value> {
    palisade_model::field_path(obj?, "metadata/labels")
}

/// One `NamedRuleWithOperations`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `operations` (`*` for all)
    pub operations: Vec<String>,
    /// `apiGroups`
    pub api_groups: Vec<String>,
    /// `apiVersions`
    pub api_versions: Vec<String>,
    /// `resources`: `pods`, `pods/status`, `*`, `*/*`, `*/scale`
    pub resources: Vec<String>,
    /// `scope`: `*`, `Cluster` or `Namespaced`
    pub scope: String,
    /// `resourceNames`
    pub resource_names: Vec<String>,
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

impl Rule {
    /// Parse one rule
    pub fn parse(v: &Value) -> Self {
        Self {
            operations: strings(v, "operations"),
            api_groups: strings(v, "apiGroups"),
            api_versions: strings(v, "apiVersions"),
            resources: strings(v, "resources"),
            scope: v
                .get("scope")
                .and_then(Value::as_str)
                .unwrap_or("*")
                .to_owned(),
            resource_names: strings(v, "resourceNames"),
        }
    }

    /// Does the rule match the request? `equivalent` allows another version of the same
    /// resource (matchPolicy `Equivalent`, the default).
    pub fn matches(&self, a: &Attributes<'_>, equivalent: bool) -> bool {
        let any = |list: &[String], v: &str| list.iter().any(|x| x == "*" || x == v);
        if !any(&self.operations, a.operation) {
            return false;
        }
        let scope_ok = match self.scope.as_str() {
            "Cluster" => !a.namespaced,
            "Namespaced" => a.namespaced,
            _ => true,
        };
        if !scope_ok {
            return false;
        }
        if !self.resource_names.is_empty() && !self.resource_names.iter().any(|n| n == a.name) {
            return false;
        }
        let resource_ok = |resource: &str| {
            self.resources.iter().any(|r| {
                let (res, sub) = r.split_once('/').unwrap_or((r.as_str(), ""));
                let res_ok = res == "*" || res == resource;
                let sub_ok = match (sub, a.subresource) {
                    ("", "") => true,
                    ("", _) => false,
                    ("*", _) => true,
                    (s, actual) => s == actual,
                };
                res_ok && sub_ok
            })
        };
        if any(&self.api_groups, a.group)
            && any(&self.api_versions, a.version)
            && resource_ok(a.resource)
        {
            return true;
        }
        if !equivalent {
            return false;
        }
        // Equivalent: the same resource in another version, or in an equivalent group
        let mut candidates: Vec<(&str, &str)> = vec![(a.group, a.resource)];
        candidates.extend(equivalents(a.group, a.resource));
        !self.api_versions.is_empty()
            && candidates
                .iter()
                .any(|(g, r)| any(&self.api_groups, g) && resource_ok(r))
    }

    /// The (group, resource) pairs this rule can match; `None` when it has wildcards
    pub fn index_keys(&self) -> Option<Vec<(String, String)>> {
        if self.api_groups.iter().any(|g| g == "*") {
            return None;
        }
        let mut out = Vec::new();
        for r in &self.resources {
            let res = r.split_once('/').map_or(r.as_str(), |(a, _)| a);
            if res == "*" {
                return None;
            }
            for g in &self.api_groups {
                out.push((g.clone(), res.to_owned()));
                for (eg, er) in equivalents(g, res) {
                    out.push((eg.to_owned(), er.to_owned()));
                }
            }
        }
        Some(out)
    }
}

/// Resources served in more than one group (matchPolicy `Equivalent` matches them all); the
/// same group in another version is always equivalent
fn equivalents(group: &str, resource: &str) -> Vec<(&'static str, &'static str)> {
    match (group, resource) {
        ("extensions" | "apps", "deployments" | "daemonsets" | "replicasets") => {
            let r = match resource {
                "deployments" => "deployments",
                "daemonsets" => "daemonsets",
                _ => "replicasets",
            };
            vec![("apps", r), ("extensions", r)]
        }
        ("extensions" | "networking.k8s.io", "networkpolicies") => vec![
            ("networking.k8s.io", "networkpolicies"),
            ("extensions", "networkpolicies"),
        ],
        ("extensions" | "networking.k8s.io", "ingresses") => vec![
            ("networking.k8s.io", "ingresses"),
            ("extensions", "ingresses"),
        ],
        ("events.k8s.io" | "", "events") => vec![("", "events"), ("events.k8s.io", "events")],
        _ => Vec::new(),
    }
}

/// A `MatchResources` block
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchResources {
    /// `namespaceSelector` (absent = everything)
    pub namespace_selector: Option<LabelSelector>,
    /// `objectSelector` (absent = everything)
    pub object_selector: Option<LabelSelector>,
    /// `resourceRules`
    pub resource_rules: Vec<Rule>,
    /// `excludeResourceRules`
    pub exclude_resource_rules: Vec<Rule>,
    /// `matchPolicy` is `Exact`
    pub exact: bool,
}

impl MatchResources {
    /// Parse a `MatchResources`
    pub fn parse(v: &Value) -> Result<Self, String> {
        let sel = |k: &str| -> Result<Option<LabelSelector>, String> {
            v.get(k)
                .filter(|s| !s.is_null())
                .map(LabelSelector::parse)
                .transpose()
                .map_err(|e| format!("{k}: {e}"))
        };
        let rules = |k: &str| -> Vec<Rule> {
            v.get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(Rule::parse)
                .collect()
        };
        let exact = match v.get("matchPolicy").and_then(Value::as_str) {
            None | Some("Equivalent") => false,
            Some("Exact") => true,
            Some(other) => {
                return Err(format!("matchPolicy `{other}` is not Exact or Equivalent"));
            }
        };
        Ok(Self {
            namespace_selector: sel("namespaceSelector")?,
            object_selector: sel("objectSelector")?,
            resource_rules: rules("resourceRules"),
            exclude_resource_rules: rules("excludeResourceRules"),
            exact,
        })
    }

    /// Does the request match? `namespace_labels` are the labels of the request's namespace
    /// (looked up by the caller). `require_rules`: a policy's constraints must name rules; a
    /// binding's may leave them out (then only the selectors narrow).
    pub fn matches(
        &self,
        a: &Attributes<'_>,
        namespace_labels: Option<&Value>,
        require_rules: bool,
    ) -> bool {
        let eq = !self.exact;
        if (require_rules || !self.resource_rules.is_empty())
            && !self.resource_rules.iter().any(|r| r.matches(a, eq))
        {
            return false;
        }
        if self.exclude_resource_rules.iter().any(|r| r.matches(a, eq)) {
            return false;
        }
        // the object selector matches the object or the old object; an absent one never
        if let Some(sel) = &self.object_selector
            && !sel.is_empty()
            && !a.object.is_some_and(|o| sel.matches(labels_of(Some(o))))
            && !a
                .old_object
                .is_some_and(|o| sel.matches(labels_of(Some(o))))
        {
            return false;
        }
        if let Some(sel) = &self.namespace_selector
            && !sel.is_empty()
        {
            // the Namespace itself is matched by its own labels; other cluster-scoped
            // objects always match
            let labels = if a.group.is_empty() && a.resource == "namespaces" {
                labels_of(a.object.or(a.old_object))
            } else if !a.namespaced {
                return true;
            } else {
                namespace_labels
            };
            if !sel.matches(labels) {
                return false;
            }
        }
        true
    }
}

/// The request attributes matching looks at
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`
    pub operation: &'a str,
    /// API group
    pub group: &'a str,
    /// API version
    pub version: &'a str,
    /// Resource (plural)
    pub resource: &'a str,
    /// Subresource (empty for the main resource)
    pub subresource: &'a str,
    /// Object name
    pub name: &'a str,
    /// Whether the resource is namespaced
    pub namespaced: bool,
    /// The object (absent on DELETE)
    pub object: Option<&'a Value>,
    /// The old object (UPDATE, DELETE)
    pub old_object: Option<&'a Value>,
}

/// Kind → (resource, namespaced) for the built-in kinds
const KINDS: &[(&str, &str, &str, bool)] = &[
    ("", "Pod", "pods", true),
    ("", "Service", "services", true),
    ("", "ConfigMap", "configmaps", true),
    ("", "Secret", "secrets", true),
    ("", "ServiceAccount", "serviceaccounts", true),
    ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("", "PersistentVolume", "persistentvolumes", false),
    ("", "Namespace", "namespaces", false),
    ("", "Node", "nodes", false),
    ("", "Endpoints", "endpoints", true),
    ("", "Event", "events", true),
    ("", "LimitRange", "limitranges", true),
    ("", "ResourceQuota", "resourcequotas", true),
    ("", "ReplicationController", "replicationcontrollers", true),
    ("", "PodTemplate", "podtemplates", true),
    ("", "Binding", "bindings", true),
    ("", "ComponentStatus", "componentstatuses", false),
    ("apps", "Deployment", "deployments", true),
    ("apps", "StatefulSet", "statefulsets", true),
    ("apps", "DaemonSet", "daemonsets", true),
    ("apps", "ReplicaSet", "replicasets", true),
    ("apps", "ControllerRevision", "controllerrevisions", true),
    ("extensions", "Deployment", "deployments", true),
    ("extensions", "DaemonSet", "daemonsets", true),
    ("extensions", "ReplicaSet", "replicasets", true),
    ("extensions", "Ingress", "ingresses", true),
    ("extensions", "NetworkPolicy", "networkpolicies", true),
    ("batch", "Job", "jobs", true),
    ("batch", "CronJob", "cronjobs", true),
    (
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    (
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    ("policy", "PodSecurityPolicy", "podsecuritypolicies", false),
    ("networking.k8s.io", "Ingress", "ingresses", true),
    ("networking.k8s.io", "IngressClass", "ingressclasses", false),
    (
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    ("rbac.authorization.k8s.io", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("storage.k8s.io", "StorageClass", "storageclasses", false),
    ("storage.k8s.io", "CSIDriver", "csidrivers", false),
    ("storage.k8s.io", "CSINode", "csinodes", false),
    (
        "storage.k8s.io",
        "VolumeAttachment",
        "volumeattachments",
        false,
    ),
    (
        "storage.k8s.io",
        "CSIStorageCapacity",
        "csistoragecapacities",
        true,
    ),
    (
        "scheduling.k8s.io",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    ("node.k8s.io", "RuntimeClass", "runtimeclasses", false),
    ("coordination.k8s.io", "Lease", "leases", true),
    ("discovery.k8s.io", "EndpointSlice", "endpointslices", true),
    ("events.k8s.io", "Event", "events", true),
    (
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
    ),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    ("apiregistration.k8s.io", "APIService", "apiservices", false),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicy",
        "mutatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
        "mutatingadmissionpolicybindings",
        false,
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "FlowSchema",
        "flowschemas",
        false,
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        false,
    ),
    ("resource.k8s.io", "ResourceClaim", "resourceclaims", true),
    ("resource.k8s.io", "DeviceClass", "deviceclasses", false),
];

/// The resource (plural) of a kind, and whether it is namespaced. Built-in kinds come from a
/// table; any other kind is lower-cased and pluralised, and is namespaced when the object
/// names a namespace (`has_namespace`).
pub fn resource_for_kind(group: &str, kind: &str, has_namespace: bool) -> (String, bool) {
    if let Some((_, _, r, ns)) = KINDS.iter().find(|(g, k, _, _)| *g == group && *k == kind) {
        return ((*r).to_owned(), *ns);
    }
    let lower = kind.to_ascii_lowercase();
    let plural = if lower.ends_with('s') || lower.ends_with("x") || lower.ends_with("ch") {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    };
    (plural, has_namespace)
}

/// Whether a kind is a built-in namespaced kind (`Some`), cluster-scoped (`Some(false)`), or
/// unknown (`None`)
pub fn kind_is_namespaced(group: &str, kind: &str) -> Option<bool> {
    KINDS
        .iter()
        .find(|(g, k, _, _)| *g == group && *k == kind)
        .map(|(_, _, _, ns)| *ns)
}
