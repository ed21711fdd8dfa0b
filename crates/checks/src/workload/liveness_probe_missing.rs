use super::common::{LONG_RUNNING_KINDS, report_missing_probe};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Regular containers of long-running workloads (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController) with no `livenessProbe`. Jobs, CronJobs, bare Pods,
    /// init and ephemeral containers are not checked.
    ///
    /// ## Why it matters
    /// Without a liveness probe Kubernetes restarts a container only when its process exits.
    /// A deadlocked or wedged process keeps its pod "running" and keeps failing requests until
    /// someone notices.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: api:1.4
    ///   livenessProbe:            # passes; missing fails
    ///     httpGet: {path: /healthz, port: 8080}
    /// ```
    pub static META = CheckMeta {
        id: "WKL-006",
        name: "liveness-probe-missing",
        title: "Long-running container has no liveness probe",
        severity: Severity::Low,
        tags: &["workload", "reliability"],
        kinds: LONG_RUNNING_KINDS,
        remediation: "add a `livenessProbe` that fails only when the process cannot recover by \
                      itself (keep it cheaper and more lenient than the readiness probe)",
        controls: &[nist("SA-8"), nist("CM-6"), soc2("A1.2"), hipaa("164.308(a)(7)")],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_missing_probe(ctx, res, "livenessProbe", "liveness");
}
