use super::common::{Bound, report_missing_resource};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers and init containers (in Pods and in the pod template of every workload kind)
    /// with no memory limit, unless pod-level `spec.resources.limits.memory` bounds the whole
    /// pod.
    ///
    /// ## Why it matters
    /// A container without a memory limit can grow until the node itself runs out of memory;
    /// the kernel's OOM killer then picks victims among all pods on the node, not just the
    /// leaking one. Memory exhaustion is a cheap denial of service.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   resources:
    ///     limits:
    ///       cpu: 500m          # fails: no memory
    /// ```
    pub static META = CheckMeta {
        id: "WKL-004",
        name: "memory-limits-missing",
        title: "Container has no memory limit",
        severity: Severity::Medium,
        tags: &["workload", "resources"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `resources.limits.memory` (or a namespace LimitRange default)",
        controls: &[
            nsa("NSA-NET-RESPOL"),
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
    report_missing_resource(ctx, res, Bound::Limit, "memory", "memory");
}
