use super::common::{added_capabilities, describe, normalize_capability};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers that add one of the capabilities
    /// most used to escape a container or take over a node: `ALL`, `SYS_ADMIN`, `NET_ADMIN`,
    /// `SYS_MODULE`, `SYS_PTRACE`, `SYS_RAWIO`, `BPF`, `PERFMON` or `DAC_READ_SEARCH`. Names are
    /// matched the way container runtimes read them: case-insensitive, with or without `CAP_`.
    ///
    /// ## Why it matters
    /// Each of these is close to root on the node: `SYS_ADMIN` allows mounts and namespace
    /// changes, `SYS_MODULE` loads kernel modules, `SYS_PTRACE` attaches to other processes,
    /// `BPF`/`PERFMON` load kernel programs, `DAC_READ_SEARCH` reads host files by handle, and
    /// `NET_ADMIN` reconfigures the network stack.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     add: ["SYS_ADMIN"]   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-012",
        name: "dangerous-capabilities",
        title: "Container adds a dangerous capability",
        severity: Severity::High,
        tags: &["pod-security", "pss-baseline", "capabilities"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove the capability from `securityContext.capabilities.add`; if the \
                      workload really needs it, isolate it on dedicated nodes",
        controls: &[
            pss("capabilities_baseline"),
            cis("5.2.9"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            attack("T1068"),
            nist("AC-6"),
            nist("AC-6(10)"),
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

const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "BPF",
    "PERFMON",
    "DAC_READ_SEARCH",
];

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for c in pod.all_containers() {
        for (pointer, cap) in added_capabilities(&c) {
            if DANGEROUS.contains(&normalize_capability(cap).as_str()) {
                ctx.report(
                    res,
                    &pointer,
                    format!("{} adds dangerous capability `{cap}`", describe(&c)),
                );
            }
        }
    }
}
