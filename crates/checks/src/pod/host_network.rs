use super::common::report_pod_field_enabled;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Pods and pod templates of every workload kind that set `spec.hostNetwork: true`.
    ///
    /// ## Why it matters
    /// A pod on the host network sees every interface of the node: it can sniff or intercept
    /// traffic of other pods and host services, reach services bound to the node's loopback
    /// address (the kubelet, local proxies) and bypasses NetworkPolicies.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-004",
        name: "host-network",
        title: "Pod uses the host network namespace",
        severity: Severity::High,
        tags: &["pod-security", "pss-baseline", "host-namespaces", "network"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `hostNetwork` from the pod spec or set it to `false`; expose the \
                      workload through a Service instead",
        controls: &[
            pss("hostNamespaces"),
            cis("5.2.5"),
            nsa("NSA-POD-PSA"),
            nsa("NSA-NET-NETPOL"),
            attack("T1611"),
            attack("T1040"),
            attack("T1557"),
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
    report_pod_field_enabled(ctx, res, "hostNetwork", "uses the host network namespace");
}
