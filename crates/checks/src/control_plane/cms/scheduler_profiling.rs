use crate::control_plane::flags::{Component, invocations};
use crate::control_plane::rules::profiling_of;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-scheduler containers whose `--profiling` is `true`, explicitly or by default (the
    /// flag defaults to `true`), and `KubeSchedulerConfiguration` files whose `enableProfiling`
    /// is `true` or absent (default `true`). When the scheduler reads a `--config` file the
    /// `--profiling` flag is ignored, so only the file is judged.
    ///
    /// ## Why it matters
    /// The `/debug/pprof` endpoints reveal scheduler internals and can be used to load it;
    /// production does not need them.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-scheduler
    /// - --profiling=false
    /// ```
    pub static META = CheckMeta {
        id: "CMS-008",
        name: "scheduler-profiling",
        title: "Scheduler profiling enabled",
        severity: Severity::Low,
        tags: &["control-plane", "scheduler"],
        kinds: &[
            "Pod",
            "PodTemplate",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "KubeSchedulerConfiguration",
        ],
        remediation: "pass `--profiling=false` to kube-scheduler, or set `enableProfiling: false` in its configuration file",
        controls: &[
            cis("1.4.1"),
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
    if res.kind == "KubeSchedulerConfiguration" {
        if res.group() != "kubescheduler.config.k8s.io" {
            return;
        }
        match res.get("enableProfiling") {
            Some(v) if bool_at(Some(v)) == Some(false) => {}
            Some(_) => ctx.report(
                res,
                &JsonPointer::root().key("enableProfiling"),
                "the scheduler configuration enables profiling endpoints",
            ),
            None => ctx.report(
                res,
                &JsonPointer::root().key("enableProfiling"),
                "the scheduler configuration does not set `enableProfiling` (default `true`), so profiling endpoints are exposed",
            ),
        }
        return;
    }
    for inv in invocations(res, Component::Scheduler) {
        if inv.flags.is_set("config") {
            continue; // `--profiling` is ignored; the config file decides
        }
        profiling_of(ctx, res, &inv);
    }
}
