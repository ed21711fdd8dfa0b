//! From an AdmissionRequest and the selected policies to a response and decision records.
//! Synchronous and pure: the HTTP layer runs it on an evaluation thread under the deadline.

use crate::index::Key;
use crate::load::PolicySnapshot;
use crate::metrics::Endpoint;
use crate::policy::{Action, Decisions, FailurePolicy, Outcome, Request};
use crate::review::{AdmissionRequest, AdmissionResponse};
use crate::state::ClusterView;
use base64::Engine as _;
use palisade_model::Resource;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// One decision, as logged and counted
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Policy name
    pub policy: Arc<str>,
    /// Rule
    pub rule: Cow<'static, str>,
    /// What it did
    pub action: Action,
    /// Message
    pub message: Arc<str>,
}

/// The answer to a review
#[derive(Debug)]
pub struct Evaluation {
    /// The response to send
    pub response: AdmissionResponse,
    /// Every decision taken
    pub records: Vec<Record>,
}

/// The index key of a request
pub(crate) fn key(req: &AdmissionRequest) -> Key<'_> {
    Key {
        group: &req.kind.group,
        kind: &req.kind.kind,
        operation: req.operation,
        namespace: &req.namespace,
        subresource: &req.sub_resource,
    }
}

/// Policies that may apply to a request, as index IDs
pub(crate) fn select(
    snapshot: &PolicySnapshot,
    endpoint: Endpoint,
    req: &AdmissionRequest,
) -> Vec<u32> {
    index(snapshot, endpoint).select(&key(req))
}

fn index(snapshot: &PolicySnapshot, endpoint: Endpoint) -> &crate::index::PolicyIndex {
    match endpoint {
        Endpoint::Validate => &snapshot.validating,
        Endpoint::Mutate => &snapshot.mutating,
    }
}

/// True when every selected policy belongs to a set of bounded cost
pub(crate) fn all_bounded(snapshot: &PolicySnapshot, endpoint: Endpoint, ids: &[u32]) -> bool {
    let idx = index(snapshot, endpoint);
    ids.iter().all(|id| {
        idx.entry(*id)
            .and_then(|e| snapshot.sets.get(e.set))
            .is_some_and(|s| s.bounded_cost())
    })
}

/// Make a resource of a request object, filling `apiVersion`/`kind` from `request.kind` when
/// the object lacks them
fn resource(mut value: Value, req: &AdmissionRequest, origin: &str) -> Result<Resource, String> {
    if let Value::Object(map) = &mut value {
        if map
            .get("apiVersion")
            .is_none_or(|v| v.as_str().is_none_or(str::is_empty))
        {
            let gv = if req.kind.group.is_empty() {
                req.kind.version.clone()
            } else {
                format!("{}/{}", req.kind.group, req.kind.version)
            };
            map.insert("apiVersion".to_owned(), Value::String(gv));
        }
        if map
            .get("kind")
            .is_none_or(|v| v.as_str().is_none_or(str::is_empty))
        {
            map.insert("kind".to_owned(), Value::String(req.kind.kind.clone()));
        }
    }
    Resource::from_value(value, origin).map_err(|d| format!("`request.{origin}`: {}", d.message))
}

/// What finished evaluating so far. Shared with the HTTP layer, so that when the deadline
/// passes the answer keeps what completed and applies the failure policy to the rest.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    records: Vec<Record>,
    denials: Vec<(u16, String)>,
    warnings: Vec<String>,
    annotations: BTreeMap<String, String>,
    patch_ops: Vec<Value>,
    /// Sets whose evaluation finished
    done_sets: Vec<usize>,
}

impl Progress {
    /// Policies (index IDs) whose set did not finish
    fn unfinished(&self, snapshot: &PolicySnapshot, endpoint: Endpoint, ids: &[u32]) -> Vec<u32> {
        let idx = index(snapshot, endpoint);
        ids.iter()
            .copied()
            .filter(|id| {
                idx.entry(*id)
                    .is_some_and(|e| !self.done_sets.contains(&e.set))
            })
            .collect()
    }

    /// The response for what was decided
    fn compose(&mut self, uid: &str) -> Evaluation {
        let mut seen = std::collections::HashSet::new();
        self.warnings.retain(|w| seen.insert(w.clone()));
        let mut response = if self.denials.is_empty() {
            AdmissionResponse::allow(uid)
        } else {
            let code = self.denials.first().map_or(403, |(c, _)| *c);
            let reason = match code {
                422 => "Invalid",
                400 => "BadRequest",
                504 => "Timeout",
                _ => "Forbidden",
            };
            let message = self
                .denials
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            AdmissionResponse::reject(uid, code, reason, message)
        };
        response.warnings = std::mem::take(&mut self.warnings);
        response.audit_annotations = std::mem::take(&mut self.annotations);
        if response.allowed && !self.patch_ops.is_empty() {
            let bytes = serde_json::to_vec(&self.patch_ops).unwrap_or_default();
            response.patch_type = Some("JSONPatch");
            response.patch = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
        Evaluation {
            response,
            records: std::mem::take(&mut self.records),
        }
    }
}

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Evaluate the selected policies, recording into `progress` set by set, and compose the
/// response
pub(crate) fn evaluate(
    snapshot: &PolicySnapshot,
    cluster: &ClusterView,
    mut req: AdmissionRequest,
    endpoint: Endpoint,
    ids: &[u32],
    progress: &Mutex<Progress>,
) -> Evaluation {
    let object = match req
        .object
        .take()
        .map(|v| resource(v, &req, "object"))
        .transpose()
    {
        Ok(o) => o,
        Err(e) => return invalid(&req.uid, e),
    };
    let old_object = match req
        .old_object
        .take()
        .map(|v| resource(v, &req, "oldObject"))
        .transpose()
    {
        Ok(o) => o,
        Err(e) => return invalid(&req.uid, e),
    };
    let namespace = (!req.namespace.is_empty())
        .then(|| cluster.namespaces.get(&req.namespace))
        .flatten();
    let namespace_known =
        req.namespace.is_empty() || namespace.is_some() || !cluster.namespaces.configured;

    // Group the selected policies by set; IDs are in load order, so sets are contiguous.
    let idx = index(snapshot, endpoint);
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for id in ids {
        let Some(e) = idx.entry(*id) else { continue };
        match groups.last_mut() {
            Some((set, list)) if *set == e.set => list.push(e.policy),
            _ => groups.push((e.set, vec![e.policy])),
        }
    }

    let mut current = object;
    for (set_idx, selected) in groups {
        let Some(set) = snapshot.sets.get(set_idx) else {
            continue;
        };
        let metas = set.policies();
        let mut out = Decisions::default();
        let request = Request {
            admission: &req,
            object: current.as_ref(),
            old_object: old_object.as_ref(),
            namespace,
            namespace_known,
            cluster_bindings: &cluster.bindings,
        };
        set.evaluate(&request, &selected, &mut out);

        let mut records = Vec::with_capacity(out.outcomes.len());
        let mut denials = std::mem::take(&mut out.denials);
        let mut warnings = std::mem::take(&mut out.warnings);
        let mut denied_by_record = None;
        let mut set_patch: Vec<Value> = Vec::new();
        for outcome in out.outcomes {
            let Some(meta) = metas.get(outcome.policy) else {
                continue;
            };
            let Outcome {
                rule,
                action,
                message,
                patch,
                ..
            } = outcome;
            match action {
                Action::Deny => {
                    denied_by_record.get_or_insert_with(|| message.to_string());
                }
                Action::Error => match meta.failure_policy {
                    FailurePolicy::Fail => denials.push((
                        403,
                        format!("policy `{}` could not be evaluated: {message}", meta.name),
                    )),
                    FailurePolicy::Ignore => warnings.push(format!(
                        "policy `{}` could not be evaluated and was ignored (failurePolicy Ignore): {message}",
                        meta.name
                    )),
                },
                Action::Mutate => {
                    if endpoint == Endpoint::Mutate {
                        set_patch.extend(patch);
                    }
                }
                Action::Warn | Action::Audit | Action::Exempt | Action::Suppressed => {}
            }
            records.push(Record {
                policy: meta.name.clone(),
                rule,
                action,
                message,
            });
        }
        // A deny decision always denies, even if its set forgot the response text.
        if denials.is_empty()
            && let Some(message) = denied_by_record
        {
            denials.push((403, message));
        }
        let mut applied = Vec::new();
        if !set_patch.is_empty()
            && let Some(obj) = &current
        {
            let mut patched = obj.value.clone();
            let operations = Value::Array(set_patch.clone());
            match palisade_vap::patch::apply_json_patch(&mut patched, &operations) {
                Ok(()) => match resource(patched, &req, "object") {
                    Ok(r) => {
                        current = Some(r);
                        applied = set_patch;
                    }
                    Err(e) => {
                        denials.push((403, format!("a mutation produced an invalid object: {e}")))
                    }
                },
                Err(e) => denials.push((403, format!("a mutation could not be applied: {e}"))),
            }
        }
        let mut p = lock(progress);
        p.records.append(&mut records);
        p.denials.append(&mut denials);
        p.warnings.append(&mut warnings);
        p.annotations.extend(out.audit_annotations);
        p.patch_ops.append(&mut applied);
        p.done_sets.push(set_idx);
    }
    lock(progress).compose(&req.uid)
}

fn invalid(uid: &str, message: String) -> Evaluation {
    Evaluation {
        response: AdmissionResponse::invalid(uid, message),
        records: Vec::new(),
    }
}

/// The answer when evaluation could not finish (deadline, crash): what finished stands; the
/// policies that did not finish are answered per their failure policies
pub(crate) fn unfinished(
    snapshot: &PolicySnapshot,
    endpoint: Endpoint,
    ids: &[u32],
    progress: &Mutex<Progress>,
    uid: &str,
    why: &str,
    code: u16,
) -> Evaluation {
    let mut p = lock(progress);
    let idx = index(snapshot, endpoint);
    let mut failing = Vec::new();
    let mut ignored = Vec::new();
    for id in p.unfinished(snapshot, endpoint, ids) {
        let Some(e) = idx.entry(id) else { continue };
        let Some(meta) = snapshot
            .sets
            .get(e.set)
            .and_then(|s| s.policies().get(e.policy))
        else {
            continue;
        };
        match meta.failure_policy {
            FailurePolicy::Fail => failing.push(meta.name.clone()),
            FailurePolicy::Ignore => ignored.push(meta.name.clone()),
        }
        p.records.push(Record {
            policy: meta.name.clone(),
            rule: Cow::Borrowed("error"),
            action: Action::Error,
            message: Arc::from(why),
        });
    }
    let list = |names: &[Arc<str>]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !failing.is_empty() {
        let message = format!(
            "palisade could not evaluate {}: {why} (failurePolicy Fail)",
            list(&failing)
        );
        p.denials.insert(0, (code, message));
    }
    if !ignored.is_empty() {
        p.warnings.push(format!(
            "palisade could not evaluate {}: {why}; ignored (failurePolicy Ignore)",
            list(&ignored)
        ));
    }
    p.compose(uid)
}
