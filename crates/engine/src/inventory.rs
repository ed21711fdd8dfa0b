use palisade_model::{Resource, ResourceRef};
use palisade_source::{JsonPointer, Position, SourceFile};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

/// Kinds kept whole for cross-resource checks. They are small and few; workloads, which are
/// many and large, are kept only as [`WorkloadSummary`] so memory stays flat on big scans.
const RETAINED_KINDS: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Service",
    "Ingress",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ServiceAccount",
    "LimitRange",
    "ResourceQuota",
];

/// What cross-resource checks need to know about one workload
#[derive(Debug, Clone)]
pub struct WorkloadSummary {
    /// Which workload
    pub reference: ResourceRef,
    /// Its file
    pub file: Arc<SourceFile>,
    /// Where `metadata` starts (findings about the whole workload point here)
    pub position: Position,
    /// Labels of its pod template
    pub pod_labels: Vec<(String, String)>,
    /// `spec.replicas`, when set
    pub replicas: Option<i64>,
    /// `serviceAccountName` of its pod, when set
    pub service_account: Option<String>,
}

/// Everything cross-resource checks see of a scan
#[derive(Debug, Default)]
pub struct Inventory {
    /// Kinds to keep whole; `None`: every kind of [`RETAINED_KINDS`]
    retain: Option<Vec<&'static str>>,
    /// Resources of the retained kinds
    resources: Vec<Resource>,
    /// Every workload (pod-template bearing resource)
    pub workloads: Vec<WorkloadSummary>,
    /// Every namespace any scanned resource lives in
    pub namespaces_in_use: BTreeSet<String>,
    /// Positions in `resources` by (kind, namespace), built on first lookup. Checks look up
    /// per workload or per binding, so a linear scan here made scans quadratic.
    index: OnceLock<HashMap<(String, String), Vec<usize>>>,
    by_kind: OnceLock<HashMap<String, Vec<usize>>>,
    workloads_by_namespace: OnceLock<HashMap<String, Vec<usize>>>,
    /// Positions in `workloads` by (namespace, pod label key, value): selectors start here
    workloads_by_label: OnceLock<HashMap<(String, String, String), Vec<usize>>>,
}

/// The namespace a resource without one is created in
const DEFAULT_NAMESPACE: &str = "default";

impl Inventory {
    /// An inventory that keeps whole only the resources of `kinds` (those of them that are ever
    /// kept: workloads are summarised either way). A scan passes the kinds its cross-resource
    /// checks read, so a scan without them holds no resources at all.
    pub fn retaining<'k>(kinds: impl IntoIterator<Item = &'k str>) -> Self {
        let mut retain: Vec<&'static str> = Vec::new();
        for kind in kinds {
            if let Some(k) = RETAINED_KINDS.iter().find(|k| **k == kind)
                && !retain.contains(k)
            {
                retain.push(k);
            }
        }
        Self {
            retain: Some(retain),
            ..Self::default()
        }
    }

    /// An empty inventory keeping the same kinds as this one
    pub fn empty_like(&self) -> Self {
        Self {
            retain: self.retain.clone(),
            ..Self::default()
        }
    }

    fn retains(&self, kind: &str) -> bool {
        match &self.retain {
            Some(kinds) => kinds.contains(&kind),
            None => RETAINED_KINDS.contains(&kind),
        }
    }

    /// Take note of a scanned resource
    pub fn observe(&mut self, resource: &Resource) {
        if let Some(ns) = &resource.namespace
            && !self.namespaces_in_use.contains(ns)
        {
            self.namespaces_in_use.insert(ns.clone());
        }
        if let Some(pod) = resource.pod_template() {
            let pod_labels = pod
                .metadata
                .and_then(|m| m.get("labels"))
                .and_then(serde_json::Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect();
            self.workloads.push(WorkloadSummary {
                reference: resource.reference(),
                file: Arc::clone(&resource.file),
                position: resource.locate(&JsonPointer::root().key("metadata")),
                pod_labels,
                replicas: resource
                    .get("spec/replicas")
                    .and_then(serde_json::Value::as_i64),
                service_account: pod
                    .get("serviceAccountName")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
            });
        }
        if self.retains(&resource.kind) {
            self.resources.push(resource.clone());
        }
    }

    /// Point everything at `file` instead of the file it was loaded from. Scans without source
    /// snippets pass a name-only stub, so the inventory does not keep every input's text alive
    /// until the end of the scan (that was the whole input in memory).
    pub fn replace_file(&mut self, file: &Arc<SourceFile>) {
        for w in &mut self.workloads {
            w.file = Arc::clone(file);
        }
        for r in &mut self.resources {
            r.file = Arc::clone(file);
        }
    }

    /// Merge another inventory (built on another thread) into this one
    pub fn merge(&mut self, other: Self) {
        self.resources.extend(other.resources);
        self.workloads.extend(other.workloads);
        self.namespaces_in_use.extend(other.namespaces_in_use);
        self.index = OnceLock::new();
        self.by_kind = OnceLock::new();
        self.workloads_by_namespace = OnceLock::new();
        self.workloads_by_label = OnceLock::new();
    }

    /// Workloads of one namespace whose pods carry the label `key: value` (a workload without
    /// a namespace counts as in `default`). Matching a selector starts from one of its labels
    /// here instead of testing every workload of the namespace.
    pub fn workloads_labelled<'a>(
        &'a self,
        namespace: Option<&str>,
        key: &str,
        value: &str,
    ) -> impl Iterator<Item = &'a WorkloadSummary> + 'a {
        let index = self.workloads_by_label.get_or_init(|| {
            let mut map: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
            for (i, w) in self.workloads.iter().enumerate() {
                let ns = w
                    .reference
                    .namespace
                    .as_deref()
                    .unwrap_or(DEFAULT_NAMESPACE);
                for (k, v) in &w.pod_labels {
                    map.entry((ns.to_owned(), k.clone(), v.clone()))
                        .or_default()
                        .push(i);
                }
            }
            map
        });
        let key = (
            namespace.unwrap_or(DEFAULT_NAMESPACE).to_owned(),
            key.to_owned(),
            value.to_owned(),
        );
        index
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|i| self.workloads.get(*i))
    }

    /// Workloads of one namespace (a workload without a namespace counts as in `default`)
    pub fn workloads_in<'a>(
        &'a self,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = &'a WorkloadSummary> + 'a {
        let index = self.workloads_by_namespace.get_or_init(|| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, w) in self.workloads.iter().enumerate() {
                let ns = w
                    .reference
                    .namespace
                    .as_deref()
                    .unwrap_or(DEFAULT_NAMESPACE);
                map.entry(ns.to_owned()).or_default().push(i);
            }
            map
        });
        index
            .get(namespace.unwrap_or(DEFAULT_NAMESPACE))
            .into_iter()
            .flatten()
            .filter_map(|i| self.workloads.get(*i))
    }

    fn pick<'a>(
        &'a self,
        positions: Option<&'a Vec<usize>>,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        positions
            .into_iter()
            .flatten()
            .filter_map(|i| self.resources.get(*i))
    }

    /// Retained resources of one kind
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        let by_kind = self.by_kind.get_or_init(|| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, r) in self.resources.iter().enumerate() {
                map.entry(r.kind.clone()).or_default().push(i);
            }
            map
        });
        self.pick(by_kind.get(kind))
    }

    /// Retained resources of one kind in one namespace; a resource without a namespace counts as
    /// in `default`, where the API server would create it (cluster-scoped kinds all land there)
    pub fn of_kind_in<'a>(
        &'a self,
        kind: &str,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        let index = self.index.get_or_init(|| {
            let mut map: HashMap<(String, String), Vec<usize>> = HashMap::new();
            for (i, r) in self.resources.iter().enumerate() {
                let ns = r.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
                map.entry((r.kind.clone(), ns.to_owned()))
                    .or_default()
                    .push(i);
            }
            map
        });
        let key = (
            kind.to_owned(),
            namespace.unwrap_or(DEFAULT_NAMESPACE).to_owned(),
        );
        self.pick(index.get(&key))
    }
}

/// Does a `LabelSelector` (`matchLabels` + `matchExpressions`) select these labels?
/// An empty selector selects everything, as in Kubernetes.
pub fn selector_matches<'a>(
    selector: &serde_json::Value,
    labels: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> bool {
    let get = |key: &str| labels.clone().find(|(k, _)| *k == key).map(|(_, v)| v);
    let match_labels_ok = selector
        .get("matchLabels")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| get(k) == v.as_str());
    let expressions_ok = selector
        .get("matchExpressions")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .all(|expr| {
            let key = expr
                .get("key")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let values: Vec<&str> = expr
                .get("values")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .collect();
            match expr.get("operator").and_then(serde_json::Value::as_str) {
                Some("In") => get(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => get(key).is_none_or(|v| !values.contains(&v)),
                Some("Exists") => get(key).is_some(),
                Some("DoesNotExist") => get(key).is_none(),
                _ => false,
            }
        });
    match_labels_ok && expressions_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let labels = [("app", "web"), ("tier", "fe")];
        let it = labels.iter().copied();
        assert!(selector_matches(&json!({}), it.clone()));
        assert!(selector_matches(
            &json!({"matchLabels": {"app": "web"}}),
            it.clone()
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"app": "db"}}),
            it.clone()
        ));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]}),
            it.clone()
        ));
        assert!(!selector_matches(
            &json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}),
            it
        ));
    }
}
