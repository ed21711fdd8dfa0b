//! Small lookups shared by checks of several areas

use palisade_engine::{CheckCtx, WorkloadSummary};
use palisade_source::JsonPointer;
use serde_json::Value;

/// A boolean field, `None` when missing or not a boolean
pub(crate) fn bool_at(v: Option<&Value>) -> Option<bool> {
    v.and_then(Value::as_bool)
}

/// Strings of a list field (non-strings skipped)
pub(crate) fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// A namespace, `default` when unset
pub(crate) fn ns_or_default(ns: Option<&str>) -> &str {
    ns.unwrap_or("default")
}

/// Pointer from the resource root to the pod (template) of a workload kind, for workloads known
/// only by their inventory summary
pub(crate) fn pod_pointer(kind: &str) -> JsonPointer {
    let base: &[&str] = match kind {
        "Pod" => &[],
        "PodTemplate" => &["template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        _ => &["spec", "template"],
    };
    base.iter().fold(JsonPointer::root(), |p, k| p.key(k))
}

/// Pointer to `serviceAccountName` in a workload's pod spec
pub(crate) fn service_account_pointer(kind: &str) -> JsonPointer {
    pod_pointer(kind).key("spec").key("serviceAccountName")
}

/// Report a finding on a workload known only by its inventory summary
pub(crate) fn report_workload(
    ctx: &mut CheckCtx<'_>,
    workload: &WorkloadSummary,
    pointer: &JsonPointer,
    message: impl Into<String>,
) {
    ctx.report_at(
        workload.reference.clone(),
        &workload.file,
        workload.position,
        pointer,
        message,
    );
}
