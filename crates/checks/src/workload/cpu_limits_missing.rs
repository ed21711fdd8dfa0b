use super::common::{Bound, report_missing_resource};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers and init containers (in Pods and in the pod template of every workload kind)
    /// with no CPU limit, unless pod-level `spec.resources.limits.cpu` bounds the whole pod.
    ///
    /// ## Why it matters
    /// Without a limit a container may use every idle core of the node. A runaway process — or
    /// a cryptominer after a compromise — then slows every other pod on the node, and the
    /// namespace's quota cannot account for it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   resources:
    ///     limits:
    ///       memory: 256Mi      # fails: no cpu
    /// ```
    pub static META = CheckMeta {
        id: "WKL-002",
        name: "cpu-limits-missing",
        title: "Container has no CPU limit",
        severity: Severity::Low,
        tags: &["workload", "resources"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `resources.limits.cpu` (or a namespace LimitRange default)",
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
    report_missing_resource(ctx, res, Bound::Limit, "cpu", "CPU");
}
