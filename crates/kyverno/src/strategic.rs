//! `patchStrategicMerge` as Kyverno applies it: anchor preprocessing
//! (`mutate/patch/strategicPreprocessing.go`) followed by kustomize kyaml's strategic merge
//! (`merge2`): maps merge, `null` deletes, `$patch: replace|delete`, lists with a merge key
//! (from the Kubernetes schema for built-in kinds, inferred for others) merge element-wise by
//! key, and other lists are replaced.

use crate::anchor::{Anchor, AnchorKind};
use crate::validate::{MatchResult, match_pattern};
use serde_json::{Map, Value};

/// Why preprocessing stopped
#[derive(Debug, Clone, PartialEq, Eq)]
enum PreErr {
    /// A conditional anchor did not match: this element (or, at the root, the patch) is dropped
    Condition(String),
    /// A global anchor did not match: the whole patch is dropped
    Global(String),
    /// A malformed patch
    Other(String),
}

/// Apply a strategic merge patch with anchors; returns the patched resource
pub fn apply(resource: &Value, patch: &Value) -> Result<Value, String> {
    let mut pattern = patch.clone();
    match preprocess(&mut pattern, Some(resource)) {
        Ok(()) => {}
        Err(PreErr::Condition(_) | PreErr::Global(_)) => return Ok(resource.clone()),
        Err(PreErr::Other(e)) => return Err(format!("failed to preProcess rule: {e}")),
    }
    let schema = Schema::for_resource(resource);
    let mut path = Vec::new();
    let merged = merge(Some(resource), Some(&pattern), &schema, &mut path)?;
    Ok(merged.unwrap_or(Value::Object(Map::new())))
}

fn preprocess(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreErr> {
    preprocess_recursive(pattern, resource)?;
    delete_condition_elements(pattern).map_err(PreErr::Other)
}

fn preprocess_recursive(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreErr> {
    match pattern {
        Value::Object(_) => walk_map(pattern, resource),
        Value::Array(items) => {
            if items.first().is_some_and(Value::is_object) {
                process_list_of_maps(pattern, resource)
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn is_anchor_of(key: &str, pred: impl Fn(AnchorKind) -> bool) -> bool {
    Anchor::parse(key).is_some_and(|a| pred(a.kind))
}

/// conditional/global or add-if-not-present
fn has_anchor_kind(k: AnchorKind) -> bool {
    matches!(
        k,
        AnchorKind::Condition | AnchorKind::Global | AnchorKind::AddIfNotPresent
    )
}

fn walk_map(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreErr> {
    handle_add_if_not_present(pattern, resource);
    validate_conditions(pattern, resource)?;
    let Value::Object(map) = pattern else {
        return Ok(());
    };
    let keys: Vec<String> = map
        .keys()
        .filter(|k| !is_anchor_of(k, has_anchor_kind))
        .cloned()
        .collect();
    for k in keys {
        let rv = resource.and_then(|r| r.get(&k));
        if let Some(pv) = map.get_mut(&k) {
            preprocess_recursive(pv, rv)?;
        }
    }
    Ok(())
}

/// `+(key)`: dropped when the resource has the key, unwrapped otherwise; returns the count
fn handle_add_if_not_present(pattern: &mut Value, resource: Option<&Value>) -> usize {
    let Value::Object(map) = pattern else {
        return 0;
    };
    let anchors: Vec<(String, String)> = map
        .keys()
        .filter_map(|k| {
            Anchor::parse(k)
                .filter(|a| a.kind == AnchorKind::AddIfNotPresent)
                .map(|a| (k.clone(), a.key.to_owned()))
        })
        .collect();
    for (full, key) in &anchors {
        let present = resource.and_then(|r| r.get(key)).is_some();
        if present {
            map.shift_remove(full);
        } else {
            rename_key(map, full, key);
        }
    }
    anchors.len()
}

/// Rename a key in place, keeping its position
fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) {
    if from == to || !map.contains_key(from) {
        return;
    }
    let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    for (k, v) in entries {
        if k == from {
            map.insert(to.to_owned(), v);
        } else {
            map.insert(k, v);
        }
    }
}

fn validate_conditions(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreErr> {
    validate_conditions_of(pattern, resource, AnchorKind::Global).map_err(PreErr::Global)?;
    validate_conditions_of(pattern, resource, AnchorKind::Condition).map_err(PreErr::Condition)
}

fn validate_conditions_of(
    pattern: &mut Value,
    resource: Option<&Value>,
    kind: AnchorKind,
) -> Result<(), String> {
    let Value::Object(map) = pattern else {
        return Ok(());
    };
    let anchors: Vec<(String, String)> = map
        .keys()
        .filter_map(|k| {
            Anchor::parse(k)
                .filter(|a| a.kind == kind)
                .map(|a| (k.clone(), a.key.to_owned()))
        })
        .collect();
    for (full, key) in anchors {
        let Some(rv) = resource.and_then(|r| r.get(&key)) else {
            return Err(format!("could not found \"{key}\" key in the resource"));
        };
        let Some(pv) = map.get_mut(&full) else {
            continue;
        };
        if handle_add_if_not_present(pv, Some(rv)) > 0 {
            continue;
        }
        match match_pattern(rv, pv) {
            MatchResult::Pass => {}
            MatchResult::Skip(m) => return Err(m),
            MatchResult::Fail { message, .. } => return Err(message),
        }
    }
    Ok(())
}

/// Any anchor (per predicate) in keys or conditional anchors in scalar values
fn has_anchors(v: &Value, pred: &dyn Fn(AnchorKind) -> bool) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| is_anchor_of(k, pred) || (!v.is_null() && has_anchors(v, pred))),
        Value::String(s) => Anchor::parse(s).is_some_and(|a| a.is_conditional()),
        Value::Array(a) => a.iter().any(|e| has_anchors(e, pred)),
        _ => false,
    }
}

fn process_list_of_maps(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreErr> {
    let pattern_elements: Vec<Value> = pattern.as_array().cloned().unwrap_or_default();
    let resource_elements: Vec<Value> = resource
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for pe in pattern_elements {
        let any_anchor = has_anchors(&pe, &has_anchor_kind);
        let global = has_anchors(&pe, &|k| k == AnchorKind::Global);
        if !any_anchor {
            continue;
        }
        let mut any_global_passed = false;
        let mut last_global: Option<PreErr> = None;
        // Kyverno processes one copy of the element against every resource element in turn
        let mut copy = pe.clone();
        for re in &resource_elements {
            match preprocess_recursive(&mut copy, Some(re)) {
                Ok(()) => {}
                Err(PreErr::Condition(_)) => continue,
                Err(e @ PreErr::Global(_)) => {
                    last_global = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            }
            if global {
                any_global_passed = true;
            } else {
                handle_pattern_name(pattern, &copy, re).map_err(PreErr::Other)?;
            }
        }
        if resource.is_none() {
            match preprocess_recursive(&mut copy, None) {
                Ok(()) => {
                    if global {
                        any_global_passed = true;
                    }
                }
                Err(PreErr::Condition(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        if !any_global_passed && let Some(e) = last_global {
            return Err(e);
        }
    }
    Ok(())
}

/// Append a copy of the matched element, named after the resource element
fn handle_pattern_name(
    pattern: &mut Value,
    element: &Value,
    resource_element: &Value,
) -> Result<(), String> {
    let Some(name) = resource_element.get("name").filter(|n| match n {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        _ => true,
    }) else {
        return Ok(());
    };
    let mut node = element.clone();
    if delete_anchors(&mut node, true, false)? {
        return Ok(());
    }
    if let Value::Object(m) = &mut node {
        m.insert("name".into(), name.clone());
    }
    if let Value::Array(items) = pattern {
        items.push(node);
    }
    Ok(())
}

fn delete_condition_elements(pattern: &mut Value) -> Result<(), String> {
    let Value::Object(map) = pattern else {
        return Err("wrong node kind: expected MappingNode".to_owned());
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        let delete_scalar = is_anchor_of(&k, |a| {
            matches!(a, AnchorKind::Condition | AnchorKind::Global)
        });
        let can_delete = match map.get_mut(&k) {
            Some(v) => delete_anchors(v, delete_scalar, false)?,
            None => false,
        };
        if can_delete {
            map.shift_remove(&k);
        }
    }
    Ok(())
}

/// Remove conditional anchors; true when the node is left with nothing but anchors
fn delete_anchors(node: &mut Value, delete_scalar: bool, traverse: bool) -> Result<bool, String> {
    match node {
        Value::Object(_) => delete_anchors_in_map(node, traverse),
        Value::Array(_) => delete_anchors_in_list(node, traverse),
        _ => Ok(delete_scalar),
    }
}

fn delete_anchors_in_map(node: &mut Value, traverse: bool) -> Result<bool, String> {
    let Value::Object(map) = node else {
        return Ok(false);
    };
    let anchors: Vec<String> = map
        .keys()
        .filter(|k| {
            is_anchor_of(k, |a| {
                matches!(a, AnchorKind::Condition | AnchorKind::Global)
            })
        })
        .cloned()
        .collect();
    let mut anchors_exist = false;
    for a in &anchors {
        let should_delete = match map.get_mut(a) {
            Some(v) => delete_anchors(v, true, traverse)?,
            None => false,
        };
        if should_delete {
            map.shift_remove(a);
        } else {
            anchors_exist = true;
        }
    }
    if anchors_exist {
        let remaining: Vec<(String, String)> = map
            .keys()
            .filter_map(|k| {
                Anchor::parse(k)
                    .filter(|a| a.is_conditional())
                    .map(|a| (k.clone(), a.key.to_owned()))
            })
            .collect();
        for (full, key) in remaining {
            rename_key(map, &full, &key);
        }
    }
    let keys: Vec<String> = map.keys().cloned().collect();
    let mut need_delete = true;
    for k in keys {
        let can = match map.get_mut(&k) {
            Some(v) => delete_anchors(v, false, traverse)?,
            None => false,
        };
        if can {
            map.shift_remove(&k);
        } else {
            need_delete = false;
        }
    }
    Ok(need_delete)
}

fn delete_anchors_in_list(node: &mut Value, traverse: bool) -> Result<bool, String> {
    let Value::Array(items) = node else {
        return Ok(false);
    };
    let was_empty = items.is_empty();
    let snapshot = items.clone();
    for (i, element) in snapshot.into_iter().enumerate() {
        let mut element = element;
        let delete = if has_anchors(&element, &has_anchor_kind) {
            if traverse && element.is_object() {
                delete_anchors(&mut element, true, traverse)?
            } else {
                true
            }
        } else {
            delete_anchors(&mut element, false, traverse)?
        };
        // Kyverno deletes by the original index from the shrinking list
        if delete && i < items.len() {
            items.remove(i);
        }
    }
    Ok(items.is_empty() && !was_empty)
}

// ---------------------------------------------------------------------------------------------
// kyaml strategic merge

/// How lists at a path merge
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListStrategy {
    /// Merge elements by this key
    Key(&'static str),
    /// Union of scalar elements
    Set,
    /// Replace the list
    Replace,
    /// No schema: infer an associative key from the elements
    Infer,
}

/// The part of the Kubernetes OpenAPI schema the merge needs: list merge keys of built-in kinds
struct Schema {
    known: bool,
    pod_spec: Option<Vec<&'static str>>,
    kind: String,
}

const BUILTIN_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "PodTemplate",
    "Service",
    "ConfigMap",
    "Secret",
    "Namespace",
    "Ingress",
    "NetworkPolicy",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "LimitRange",
    "ResourceQuota",
    "StorageClass",
    "Node",
    "Endpoints",
    "IngressClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "CustomResourceDefinition",
];

impl Schema {
    fn for_resource(resource: &Value) -> Self {
        let kind = resource
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let api = resource
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        let core_group = matches!(
            group,
            "" | "apps"
                | "batch"
                | "networking.k8s.io"
                | "rbac.authorization.k8s.io"
                | "policy"
                | "autoscaling"
                | "storage.k8s.io"
                | "scheduling.k8s.io"
                | "admissionregistration.k8s.io"
                | "apiextensions.k8s.io"
        );
        let known = core_group && BUILTIN_KINDS.contains(&kind.as_str());
        let pod_spec = crate::images::pod_spec_path(&kind).map(<[&str]>::to_vec);
        Self {
            known,
            pod_spec,
            kind,
        }
    }

    fn list_strategy(&self, path: &[String]) -> ListStrategy {
        if !self.known {
            return ListStrategy::Infer;
        }
        let last = path.last().map_or("", String::as_str);
        let parent = path
            .len()
            .checked_sub(2)
            .and_then(|i| path.get(i))
            .map_or("", String::as_str);
        // metadata (root or pod template)
        if parent == "metadata" {
            return match last {
                "ownerReferences" => ListStrategy::Key("uid"),
                "finalizers" => ListStrategy::Set,
                _ => ListStrategy::Replace,
            };
        }
        if let Some(ps) = &self.pod_spec {
            let n = ps.len();
            let in_pod = path.len() > n && path[..n].iter().zip(ps.iter()).all(|(a, b)| a == b);
            if in_pod {
                let rel: Vec<&str> = path[n..].iter().map(String::as_str).collect();
                return match rel.as_slice() {
                    ["containers" | "initContainers" | "ephemeralContainers"] => {
                        ListStrategy::Key("name")
                    }
                    ["volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates"] => {
                        ListStrategy::Key("name")
                    }
                    ["hostAliases"] => ListStrategy::Key("ip"),
                    ["topologySpreadConstraints"] => ListStrategy::Key("topologyKey"),
                    [
                        "containers" | "initContainers" | "ephemeralContainers",
                        "env",
                    ] => ListStrategy::Key("name"),
                    [
                        "containers" | "initContainers" | "ephemeralContainers",
                        "ports",
                    ] => ListStrategy::Key("containerPort"),
                    [
                        "containers" | "initContainers" | "ephemeralContainers",
                        "volumeMounts",
                    ] => ListStrategy::Key("mountPath"),
                    [
                        "containers" | "initContainers" | "ephemeralContainers",
                        "volumeDevices",
                    ] => ListStrategy::Key("devicePath"),
                    _ => ListStrategy::Replace,
                };
            }
        }
        match (
            self.kind.as_str(),
            path.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
        ) {
            ("Service", ["spec", "ports"]) => ListStrategy::Key("port"),
            ("ServiceAccount", ["secrets"]) => ListStrategy::Key("name"),
            _ => ListStrategy::Replace,
        }
    }
}

const INFER_KEYS: &[&str] = &[
    "mountPath",
    "devicePath",
    "ip",
    "type",
    "topologyKey",
    "name",
    "containerPort",
];

fn associative_key(list: &[Value]) -> Option<&'static str> {
    if list.is_empty() {
        return None;
    }
    INFER_KEYS
        .iter()
        .find(|k| list.iter().all(|e| e.get(**k).is_some()))
        .copied()
}

fn smp_directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

fn strip_directive(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut m = m.clone();
            m.shift_remove("$patch");
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// Merge `patch` (origin) into `dest`; `None` clears the field
fn merge(
    dest: Option<&Value>,
    patch: Option<&Value>,
    schema: &Schema,
    path: &mut Vec<String>,
) -> Result<Option<Value>, String> {
    let dest = dest.filter(|d| !d.is_null());
    let Some(patch) = patch else {
        return Ok(dest.cloned());
    };
    if patch.is_null() {
        return Ok(None);
    }
    // Kind of the walk: the first non-null source (dest before patch)
    let kind_src = dest.unwrap_or(patch);
    match kind_src {
        Value::Object(_) => {
            let Value::Object(pm) = patch else {
                return Err(format!(
                    "wrong node kind: expected MappingNode but got {} at {}",
                    crate::value::type_name(patch),
                    path.join(".")
                ));
            };
            match smp_directive(patch) {
                Some("delete") => return Ok(None),
                Some("replace") => return Ok(Some(strip_directive(patch))),
                _ => {}
            }
            let mut out = match dest {
                Some(Value::Object(dm)) => dm.clone(),
                _ => Map::new(),
            };
            for (k, pv) in pm {
                if k == "$patch" {
                    continue;
                }
                path.push(k.clone());
                let r = merge(out.get(k), Some(pv), schema, path);
                path.pop();
                match r? {
                    Some(v) => {
                        out.insert(k.clone(), v);
                    }
                    None => {
                        out.shift_remove(k);
                    }
                }
            }
            Ok(Some(Value::Object(out)))
        }
        Value::Array(_) => {
            let Value::Array(pl) = patch else {
                return Err(format!(
                    "wrong node kind: expected SequenceNode but got {} at {}",
                    crate::value::type_name(patch),
                    path.join(".")
                ));
            };
            let dl: &[Value] = dest.and_then(Value::as_array).map_or(&[], Vec::as_slice);
            let strategy = match schema.list_strategy(path) {
                ListStrategy::Infer => match associative_key(dl).or_else(|| associative_key(pl)) {
                    Some(k) => ListStrategy::Key(k),
                    None => ListStrategy::Replace,
                },
                s => s,
            };
            match strategy {
                ListStrategy::Key(key) => merge_associative(dl, pl, key, schema, path),
                ListStrategy::Set => {
                    let mut out = dl.to_vec();
                    for p in pl {
                        if !out.contains(p) {
                            out.push(p.clone());
                        }
                    }
                    Ok(Some(Value::Array(out)))
                }
                _ => Ok(Some(patch.clone())),
            }
        }
        _ => Ok(Some(strip_directive(patch))),
    }
}

fn merge_associative(
    dest: &[Value],
    patch: &[Value],
    key: &str,
    schema: &Schema,
    path: &mut Vec<String>,
) -> Result<Option<Value>, String> {
    // `$patch: replace` on a list element replaces the whole list
    if patch.iter().any(|p| smp_directive(p) == Some("replace")) {
        let out: Vec<Value> = patch
            .iter()
            .filter(|p| smp_directive(p) != Some("replace") || p.get(key).is_some())
            .map(strip_directive)
            .collect();
        return Ok(Some(Value::Array(out)));
    }
    // kyaml merges matching elements in place and puts elements new to the list first, in
    // patch order (which is why Kyverno walks patchStrategicMerge foreach lists backwards)
    let mut out: Vec<Value> = dest.to_vec();
    let mut added: Vec<Value> = Vec::new();
    for p in patch {
        let Some(kv) = p.get(key) else {
            // element without merge key: kept as-is
            added.push(p.clone());
            continue;
        };
        let pos = out.iter().position(|d| d.get(key) == Some(kv));
        if smp_directive(p) == Some("delete") {
            if let Some(i) = pos {
                out.remove(i);
            }
            continue;
        }
        match pos {
            Some(i) => {
                let merged = merge(Some(&out[i]), Some(p), schema, path)?;
                match merged {
                    Some(mut v) => {
                        if let Value::Object(m) = &mut v
                            && !m.contains_key(key)
                        {
                            m.insert(key.to_owned(), kv.clone());
                        }
                        out[i] = v;
                    }
                    None => {
                        out.remove(i);
                    }
                }
            }
            None => {
                if let Some(i) = added.iter().position(|d| d.get(key) == Some(kv)) {
                    let merged = merge(Some(&added[i]), Some(p), schema, path)?;
                    if let Some(v) = merged {
                        added[i] = v;
                    }
                } else if let Some(v) = merge(None, Some(p), schema, path)? {
                    added.push(v);
                }
            }
        }
    }
    added.extend(out);
    let out = added;
    Ok(Some(Value::Array(out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "1"}},
            "spec": {"containers": [{"name": "c1", "image": "nginx"}, {"name": "c2", "image": "redis",
              "resources": {"requests": {"memory": "1Gi"}}}], "tolerations": [{"key": "x"}]}})
    }

    #[test]
    fn merges_by_key_and_replaces_lists() {
        let p = apply(&pod(), &json!({"metadata": {"labels": {"b": "2"}}, "spec": {
            "containers": [{"name": "c1", "imagePullPolicy": "Always"}, {"name": "side", "image": "s"}],
            "tolerations": [{"key": "y"}]}})).unwrap();
        assert_eq!(p["metadata"]["labels"], json!({"a": "1", "b": "2"}));
        assert_eq!(
            p["spec"]["containers"][1],
            json!({"name": "c1", "image": "nginx", "imagePullPolicy": "Always"})
        );
        assert_eq!(
            p["spec"]["containers"][0],
            json!({"name": "side", "image": "s"})
        );
        assert_eq!(p["spec"]["tolerations"], json!([{"key": "y"}]));
        let p = apply(&pod(), &json!({"metadata": {"labels": {"a": null}}})).unwrap();
        assert_eq!(p["metadata"]["labels"], json!({}));
    }

    #[test]
    fn anchors() {
        // add if not present
        let p = apply(
            &pod(),
            &json!({"metadata": {"labels": {"+(a)": "9", "+(c)": "3"}}}),
        )
        .unwrap();
        assert_eq!(p["metadata"]["labels"], json!({"a": "1", "c": "3"}));
        // conditional on list elements: only matching containers, named after them
        let p = apply(
            &pod(),
            &json!({"spec": {"containers": [{"(image)": "redis", "imagePullPolicy": "Never"}]}}),
        )
        .unwrap();
        assert_eq!(p["spec"]["containers"][1]["imagePullPolicy"], "Never");
        assert!(p["spec"]["containers"][0].get("imagePullPolicy").is_none());
        assert_eq!(p["spec"]["containers"].as_array().unwrap().len(), 2);
        // root condition failing: no change
        let p = apply(
            &pod(),
            &json!({"(metadata)": {"labels": {"a": "2"}}, "spec": {"x": 1}}),
        )
        .unwrap();
        assert_eq!(p, pod());
        // global anchor
        let p = apply(
            &pod(),
            &json!({"spec": {"containers": [{"<(image)": "mysql"}], "x": 1}}),
        )
        .unwrap();
        assert_eq!(p, pod());
        let p = apply(
            &pod(),
            &json!({"spec": {"containers": [{"<(image)": "nginx"}], "x": 1}}),
        )
        .unwrap();
        assert_eq!(p["spec"]["x"], 1);
    }

    #[test]
    fn infers_keys_for_unknown_kinds() {
        let cr = json!({"apiVersion": "x.io/v1", "kind": "Thing", "spec": {"items": [{"name": "a", "v": 1}]}});
        let p = apply(&cr, &json!({"spec": {"items": [{"name": "a", "w": 2}]}})).unwrap();
        assert_eq!(p["spec"]["items"], json!([{"name": "a", "v": 1, "w": 2}]));
    }
}
