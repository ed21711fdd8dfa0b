//! Shared pieces of the workload checks
use crate::prelude::*;

/// Controllers that keep pods running (as opposed to Jobs, CronJobs and bare Pods)
pub(crate) const LONG_RUNNING_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
];

/// `requests` or `limits`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Request,
    Limit,
}

fn is_set(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_null())
}

/// Report every init and regular container that has no `resource` (`cpu` / `memory`) request
/// or limit. A limit also counts as a request (Kubernetes copies it), and pod-level
/// `spec.resources` counts for every container. Ephemeral containers cannot have resources.
pub(crate) fn report_missing_resource(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    bound: Bound,
    resource: &str,
    label: &str,
) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    // Looked up from each `resources` once, without building paths: four checks call this
    // for every workload
    let has = |resources: Option<&Value>| {
        let amount = |kind: &str| resources.and_then(|r| field(field(r, kind)?, resource));
        is_set(amount("limits")) || (bound == Bound::Request && is_set(amount("requests")))
    };
    if has(pod.get("resources")) {
        return;
    }
    let (field, noun) = match bound {
        Bound::Request => ("requests", "request"),
        Bound::Limit => ("limits", "limit"),
    };
    let containers = pod
        .containers_of(ContainerKind::Init)
        .chain(pod.containers_of(ContainerKind::Regular));
    for c in containers {
        if !has(c.get("resources")) {
            ctx.report(
                res,
                &c.pointer_to(&format!("resources/{field}/{resource}")),
                format!("container `{}` has no {label} {noun}", c.name()),
            );
        }
    }
}

/// Report every regular container of a long-running workload that has no `probe`
pub(crate) fn report_missing_probe(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    probe: &str,
    label: &str,
) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for c in pod.containers_of(ContainerKind::Regular) {
        if !is_set(c.get(probe)) {
            ctx.report(
                res,
                &c.pointer_to(probe),
                format!("container `{}` has no {label} probe", c.name()),
            );
        }
    }
}
