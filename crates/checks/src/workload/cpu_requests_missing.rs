use super::common::{Bound, report_missing_resource};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers and init containers (in Pods and in the pod template of every workload kind)
    /// with no CPU request. A CPU limit counts, since Kubernetes then uses the limit as the
    /// request, and so do pod-level `spec.resources`.
    ///
    /// ## Why it matters
    /// The scheduler places pods by their requests. Without one the pod is scheduled as if it
    /// needed no CPU, nodes get overcommitted, and under contention the container gets only a
    /// minimal CPU share — a noisy or compromised neighbour can starve it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   resources:
    ///     requests:
    ///       memory: 128Mi      # fails: no cpu
    /// ```
    pub static META = CheckMeta {
        id: "WKL-001",
        name: "cpu-requests-missing",
        title: "Container has no CPU request",
        severity: Severity::Low,
        tags: &["workload", "resources"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `resources.requests.cpu` to the CPU the container needs under normal \
                      load",
        controls: &[
            nsa("NSA-NET-RESPOL"),
            attack("T1496"),
            attack("T1499"),
            nist("SC-5"),
            nist("SC-6"),
            sp190("4.4.3"),
            pci("2.2.1"),
            soc2("A1.1"),
            hipaa("164.308(a)(7)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_missing_resource(ctx, res, Bound::Request, "cpu", "CPU");
}
