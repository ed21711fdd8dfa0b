use crate::control_plane::flags::{Component, invocations};
use crate::control_plane::rules::profiling_of;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers whose `--profiling` is `true`, explicitly or by default (the flag
    /// defaults to `true`).
    ///
    /// ## Why it matters
    /// The `/debug/pprof` endpoints expose heap and goroutine dumps and can be used to load the
    /// server; production API servers do not need them.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --profiling=false
    /// ```
    pub static META = CheckMeta {
        id: "API-015",
        name: "apiserver-profiling",
        title: "API server profiling enabled",
        severity: Severity::Low,
        tags: &["control-plane", "apiserver"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--profiling=false` to kube-apiserver",
        controls: &[
            cis("1.2.15"),
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
    for inv in invocations(res, Component::ApiServer) {
        profiling_of(ctx, res, &inv);
    }
}
