use crate::control_plane::flags::Component;
use crate::control_plane::rules::loopback_bind_address;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-scheduler containers whose `--bind-address` is not a loopback address (`127.0.0.1`,
    /// `::1`, `localhost`). The flag's default, `0.0.0.0`, counts as not loopback.
    ///
    /// ## Why it matters
    /// The scheduler's HTTPS port serves health, metrics and (with profiling) debug endpoints;
    /// nothing outside the node needs them, so exposing them only widens the attack surface.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-scheduler
    /// - --bind-address=127.0.0.1
    /// ```
    pub static META = CheckMeta {
        id: "CMS-009",
        name: "scheduler-bind-address",
        title: "Scheduler listens beyond localhost",
        severity: Severity::Low,
        tags: &["control-plane", "scheduler", "network"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--bind-address=127.0.0.1` to kube-scheduler",
        controls: &[
            cis("1.4.2"),
            nsa("NSA-NET-CP"),
            attack("T1613"),
            nist("CM-7"),
            pci("2.2.4"),
            soc2("CC6.1"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    loopback_bind_address(ctx, res, Component::Scheduler);
}
