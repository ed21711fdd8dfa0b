use crate::control_plane::flags::{Component, invocations};
use crate::control_plane::rules::profiling_of;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-controller-manager containers whose `--profiling` is `true`, explicitly or by default
    /// (the flag defaults to `true`).
    ///
    /// ## Why it matters
    /// The `/debug/pprof` endpoints reveal internals of the component that holds the
    /// service-account signing key and can be used to load it; production does not need them.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-controller-manager
    /// - --profiling=false
    /// ```
    pub static META = CheckMeta {
        id: "CMS-002",
        name: "cm-profiling",
        title: "Controller manager profiling enabled",
        severity: Severity::Low,
        tags: &["control-plane", "controller-manager"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--profiling=false` to kube-controller-manager",
        controls: &[
            cis("1.3.2"),
            nsa("NSA-NET-CP"),
            attack("T1613"),
            nist("CM-7"),
            pci("2.2.4"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for inv in invocations(res, Component::ControllerManager) {
        profiling_of(ctx, res, &inv);
    }
}
