use palisade_model::{Resource, ResourceRef};
use palisade_source::{JsonPointer, Position, SourceFile};
use rayon::prelude::*;
use serde_json::Value;
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
    pub reference: Arc<ResourceRef>,
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

impl WorkloadSummary {
    /// Its namespace; `default` when it has none, where the API server would create it
    pub fn namespace(&self) -> &str {
        self.reference
            .namespace
            .as_deref()
            .unwrap_or(DEFAULT_NAMESPACE)
    }
}

/// Everything cross-resource checks see of a scan
#[derive(Debug, Default)]
pub struct Inventory {
    /// Kinds to keep whole; `None`: every kind of [`RETAINED_KINDS`]
    retain: Option<Vec<&'static str>>,
    /// Resources of the retained kinds, by kind
    kinds: HashMap<&'static str, KindSlot>,
    /// Every workload (pod-template bearing resource)
    pub workloads: Vec<WorkloadSummary>,
    /// Every namespace any scanned resource lives in
    pub namespaces_in_use: BTreeSet<String>,
    /// Positions in `workloads` by namespace, built on first lookup. Checks look up per
    /// workload or per binding, so linear scans here made scans quadratic.
    workloads_by_namespace: OnceLock<HashMap<String, Vec<usize>>>,
    /// Positions in `workloads` by (namespace, pod label key, value): selectors start here
    workloads_by_label: OnceLock<HashMap<(String, String, String), Vec<usize>>>,
}

/// Retained resources of one kind.
///
/// Kept serialized (compact JSON is about a tenth of the size of a `serde_json::Value` tree)
/// and parsed when a check first reads the kind. A scan releases the parsed values of kinds
/// the next check does not read ([`Inventory::release_parsed`]), so only the kinds one check
/// reads are held as values at a time: a 100 MB scan kept ~150 MB of values otherwise.
#[derive(Debug, Default)]
struct KindSlot {
    /// Each resource without its object (see [`Resource::with_value`]), and the object as JSON
    stored: Vec<(Resource, Box<[u8]>)>,
    /// The resources with their objects, parsed on first use; same order as `stored`
    parsed: OnceLock<Vec<Resource>>,
    /// Positions by namespace (`default` for none)
    by_namespace: OnceLock<HashMap<String, Vec<usize>>>,
}

impl KindSlot {
    fn parsed(&self) -> &[Resource] {
        self.parsed
            .get_or_init(|| self.stored.iter().map(Self::parse).collect())
    }

    /// [`Self::parsed`], with the parsing spread over the thread pool
    fn parse_in_parallel(&self) {
        self.parsed
            .get_or_init(|| self.stored.par_iter().map(Self::parse).collect());
    }

    fn parse((shell, json): &(Resource, Box<[u8]>)) -> Resource {
        // Bytes this inventory serialized itself parse back; `Null` keeps the positions of
        // the others valid if that ever failed.
        shell.with_value(serde_json::from_slice(json).unwrap_or_default())
    }

    fn in_namespace<'s>(&'s self, namespace: &str) -> impl Iterator<Item = &'s Resource> + use<'s> {
        let index = self.by_namespace.get_or_init(|| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, (r, _)) in self.stored.iter().enumerate() {
                let ns = r.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
                map.entry(ns.to_owned()).or_default().push(i);
            }
            map
        });
        let parsed = index.get(namespace).map(|_| self.parsed());
        index
            .get(namespace)
            .into_iter()
            .flatten()
            .filter_map(move |i| parsed.and_then(|p| p.get(*i)))
    }
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

    fn retained_kind(&self, kind: &str) -> Option<&'static str> {
        match &self.retain {
            Some(kinds) => kinds.iter().find(|k| **k == kind).copied(),
            None => RETAINED_KINDS.iter().find(|k| **k == kind).copied(),
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
                reference: Arc::new(resource.reference()),
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
        if let Some(kind) = self.retained_kind(&resource.kind)
            && let Ok(json) = serde_json::to_vec(&resource.value)
        {
            let slot = self.kinds.entry(kind).or_default();
            slot.stored
                .push((resource.with_value(Value::Null), json.into_boxed_slice()));
        }
    }

    /// Parse the kept resources of `kinds` now, over the thread pool. Parsed on first read, a
    /// kind was parsed on the thread of the first check reading it while the others waited:
    /// most of the serial end of a scan.
    pub fn parse_kinds(&self, kinds: &[&str]) {
        kinds
            .par_iter()
            .filter_map(|kind| self.kinds.get(kind))
            .for_each(KindSlot::parse_in_parallel);
    }

    /// The kinds whose values are parsed now, in a fixed order (a scan parses one group of
    /// kinds at a time; see [`Self::release_parsed`])
    pub fn parsed_kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = self
            .kinds
            .iter()
            .filter(|(_, slot)| slot.parsed.get().is_some())
            .map(|(kind, _)| *kind)
            .collect();
        kinds.sort_unstable();
        kinds
    }

    /// Drop the parsed values of every kind but `keep`; they are parsed again when read
    pub fn release_parsed(&mut self, keep: &[&str]) {
        for (kind, slot) in &mut self.kinds {
            if !keep.contains(kind) {
                slot.parsed = OnceLock::new();
            }
        }
    }

    /// The kinds an inventory keeps whole among `kinds` (a check's declared kinds; none
    /// declared means it may read every kept kind), in a fixed order
    pub fn kept_kinds(kinds: &[&str]) -> Vec<&'static str> {
        RETAINED_KINDS
            .iter()
            .copied()
            .filter(|k| kinds.is_empty() || kinds.contains(k))
            .collect()
    }

    /// Point everything at `file` instead of the file it was loaded from. Scans without source
    /// snippets pass a name-only stub, so the inventory does not keep every input's text alive
    /// until the end of the scan (that was the whole input in memory).
    pub fn replace_file(&mut self, file: &Arc<SourceFile>) {
        for w in &mut self.workloads {
            w.file = Arc::clone(file);
        }
        for slot in self.kinds.values_mut() {
            for (r, _) in &mut slot.stored {
                r.file = Arc::clone(file);
            }
            slot.parsed = OnceLock::new();
        }
    }

    /// Merge many inventories (one per scanned file) into this one, sizing each list once:
    /// merged one by one, the lists grew by doubling, copied over and over into fresh memory
    /// on one thread at the end of a large scan
    pub fn merge_all(&mut self, parts: Vec<Self>) {
        self.workloads
            .reserve_exact(parts.iter().map(|p| p.workloads.len()).sum());
        let mut stored: HashMap<&'static str, usize> = HashMap::new();
        for (kind, slot) in parts.iter().flat_map(|p| &p.kinds) {
            *stored.entry(kind).or_default() += slot.stored.len();
        }
        for (kind, len) in stored {
            self.kinds
                .entry(kind)
                .or_default()
                .stored
                .reserve_exact(len);
        }
        for part in parts {
            self.merge(part);
        }
    }

    /// Merge another inventory (built on another thread) into this one
    pub fn merge(&mut self, other: Self) {
        for (kind, theirs) in other.kinds {
            let slot = self.kinds.entry(kind).or_default();
            slot.stored.extend(theirs.stored);
            slot.parsed = OnceLock::new();
            slot.by_namespace = OnceLock::new();
        }
        self.workloads.extend(other.workloads);
        self.namespaces_in_use.extend(other.namespaces_in_use);
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
                for (k, v) in &w.pod_labels {
                    map.entry((w.namespace().to_owned(), k.clone(), v.clone()))
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
                map.entry(w.namespace().to_owned()).or_default().push(i);
            }
            map
        });
        index
            .get(namespace.unwrap_or(DEFAULT_NAMESPACE))
            .into_iter()
            .flatten()
            .filter_map(|i| self.workloads.get(*i))
    }

    /// Retained resources of one kind
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.kinds
            .get(kind)
            .map(KindSlot::parsed)
            .into_iter()
            .flatten()
    }

    /// Retained resources of one kind in one namespace; a resource without a namespace counts as
    /// in `default`, where the API server would create it (cluster-scoped kinds all land there)
    pub fn of_kind_in<'a>(
        &'a self,
        kind: &str,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        let namespace = namespace.unwrap_or(DEFAULT_NAMESPACE);
        let found = self
            .kinds
            .get(kind)
            .map(|slot| slot.in_namespace(namespace));
        found.into_iter().flatten()
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
    use palisade_model::resources_from_document;
    use palisade_source::{LoadLimits, load_str};
    use serde_json::json;

    fn observe_all(inv: &mut Inventory, text: &str) {
        let file = SourceFile::new("t.yaml", text);
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        for doc in docs {
            for r in resources_from_document(doc).0 {
                inv.observe(&r);
            }
        }
    }

    const RBAC: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n\
        apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}\n\
        rules:\n- verbs: [get]\n  resources: [secrets]\n  apiGroups: ['']\n";

    #[test]
    fn retained_resources_come_back_whole_with_their_positions() {
        let mut inv = Inventory::default();
        observe_all(&mut inv, RBAC);
        let role = inv.of_kind_in("Role", Some("a")).next().unwrap();
        assert_eq!(role.value["rules"][0]["verbs"], json!(["get"]));
        let keys: Vec<&str> = role.value["rules"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["verbs", "resources", "apiGroups"], "key order kept");
        let at = role.locate(&JsonPointer::root().key("rules").index(0).key("resources"));
        assert_eq!((at.line, at.column), (10, 3));
        assert_eq!(inv.of_kind("Namespace").count(), 1);
        assert_eq!(inv.of_kind_in("Role", None).count(), 0);

        // released kinds are parsed again when read; merged inventories see both sides
        inv.release_parsed(&["Namespace"]);
        assert_eq!(inv.of_kind("Role").count(), 1);
        let mut other = Inventory::default();
        observe_all(&mut other, RBAC);
        inv.merge(other);
        assert_eq!(inv.of_kind_in("Role", Some("a")).count(), 2);
    }

    #[test]
    fn only_the_requested_kinds_are_kept() {
        let mut inv = Inventory::retaining(["Namespace", "Pod"]);
        observe_all(&mut inv, RBAC);
        assert_eq!(inv.of_kind("Namespace").count(), 1);
        assert_eq!(inv.of_kind("Role").count(), 0);
    }

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
