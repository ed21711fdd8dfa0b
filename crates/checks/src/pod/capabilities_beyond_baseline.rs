use super::common::{added_capabilities, describe};
use crate::prelude::*;
use palisade_pss::BASELINE_CAPABILITIES;

declare_check! {
    /// ## What it checks
    /// Capabilities in `securityContext.capabilities.add` of containers, init containers and
    /// ephemeral containers that are outside the Pod Security Standards Baseline set:
    /// `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`,
    /// `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID` and `SYS_CHROOT`. As in
    /// Pod Security Admission, names are compared exactly (`CAP_CHOWN` or `chown` are not in
    /// the set).
    ///
    /// ## Why it matters
    /// The Baseline set is what container runtimes grant by default. Anything beyond it widens
    /// the kernel attack surface of the container and gives it powers (tracing, raw network,
    /// administration of the kernel or the network stack) that container escapes build on.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     add: ["NET_ADMIN"]   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-011",
        name: "capabilities-beyond-baseline",
        title: "Container adds capabilities outside the Baseline set",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "capabilities"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove the capability from `securityContext.capabilities.add`; only the \
                      Baseline default set may be added",
        controls: &[
            pss("capabilities_baseline"),
            cis("5.2.9"),
            nsa("NSA-POD-PSA"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            attack("T1068"),
            nist("AC-6"),
            nist("CM-7"),
            sp190("4.4.3"),
            sp190("4.5.2"),
            pci("2.2.1"),
            pci("7.2.5"),
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
    let Some(pod) = res.pod_template() else {
        return;
    };
    for c in pod.all_containers() {
        for (pointer, cap) in added_capabilities(&c) {
            if !BASELINE_CAPABILITIES.contains(&cap) {
                ctx.report(
                    res,
                    &pointer,
                    format!(
                        "{} adds capability `{cap}`, which is outside the Baseline set",
                        describe(&c)
                    ),
                );
            }
        }
    }
}
