use super::common::{LONG_RUNNING_KINDS, report_missing_probe};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Regular containers of long-running workloads (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController) with no `readinessProbe`. Jobs, CronJobs, bare Pods,
    /// init and ephemeral containers are not checked. Whether a Service actually selects the
    /// pods is not taken into account yet, so workloads that serve no traffic are reported too.
    ///
    /// ## Why it matters
    /// Without a readiness probe a pod receives Service traffic as soon as its containers
    /// start — before the application is listening — and keeps receiving it while overloaded
    /// or shutting down. Rolling updates also proceed without waiting for new pods to work.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: api:1.4
    ///   readinessProbe:           # passes; missing fails
    ///     httpGet: {path: /ready, port: 8080}
    /// ```
    pub static META = CheckMeta {
        id: "WKL-007",
        name: "readiness-probe-missing",
        title: "Long-running container has no readiness probe",
        severity: Severity::Low,
        tags: &["workload", "reliability"],
        kinds: LONG_RUNNING_KINDS,
        remediation: "add a `readinessProbe` that succeeds only when the container can serve \
                      requests",
        controls: &[nist("SA-8"), nist("CM-6"), soc2("A1.2"), hipaa("164.308(a)(7)")],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_missing_probe(ctx, res, "readinessProbe", "readiness");
}
