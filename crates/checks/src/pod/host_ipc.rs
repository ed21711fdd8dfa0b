use super::common::report_pod_field_enabled;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Pods and pod templates of every workload kind that set `spec.hostIPC: true`.
    ///
    /// ## Why it matters
    /// Sharing the host's IPC namespace gives the containers access to the shared memory
    /// segments, semaphores and message queues of every process on the node, so they can read or
    /// tamper with data of host services and other pods.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostIPC: true   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-003",
        name: "host-ipc",
        title: "Pod shares the host IPC namespace",
        severity: Severity::High,
        tags: &["pod-security", "pss-baseline", "host-namespaces"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `hostIPC` from the pod spec or set it to `false`",
        controls: &[
            pss("hostNamespaces"),
            cis("5.2.4"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            nist("AC-6"),
            nist("CM-7"),
            nist("SC-39"),
            sp190("4.4.3"),
            sp190("4.5.2"),
            pci("2.2.1"),
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
    report_pod_field_enabled(ctx, res, "hostIPC", "shares the host IPC namespace");
}
