use super::common::report_pod_field_enabled;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Pods and pod templates of every workload kind that set `spec.hostPID: true`.
    ///
    /// ## Why it matters
    /// Sharing the host's process namespace lets the containers see every process on the node,
    /// read their environment and command lines (often holding credentials) and, with
    /// `SYS_PTRACE` or root, attach to them or enter their namespaces to escape the container.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostPID: true   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-002",
        name: "host-pid",
        title: "Pod shares the host PID namespace",
        severity: Severity::High,
        tags: &["pod-security", "pss-baseline", "host-namespaces"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `hostPID` from the pod spec or set it to `false`",
        controls: &[
            pss("hostNamespaces"),
            cis("5.2.3"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            attack("T1057"),
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
    report_pod_field_enabled(ctx, res, "hostPID", "shares the host PID namespace");
}
