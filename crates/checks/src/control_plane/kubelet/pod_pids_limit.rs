use super::{BadDefault, Field, KUBELET_KINDS, Node, report_setting};
use crate::prelude::*;

const LIMIT: Field = Field {
    path: "podPidsLimit",
    flag: "pod-max-pids",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings with no per-pod process limit: `podPidsLimit` (or `--pod-max-pids`)
    /// absent or not positive. The default, `-1`, means unlimited.
    ///
    /// ## Why it matters
    /// A single pod — through a bug or a fork bomb — can exhaust the node's process IDs and take
    /// down every other pod and the kubelet itself.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// podPidsLimit: 4096
    /// ```
    pub static META = CheckMeta {
        id: "KLT-012",
        name: "kubelet-pod-pids-limit",
        title: "Kubelet sets no per-pod PID limit",
        severity: Severity::Low,
        tags: &["node", "kubelet", "resources"],
        kinds: KUBELET_KINDS,
        remediation: "set `podPidsLimit` in the KubeletConfiguration (or `--pod-max-pids`) to a positive value sized for your workloads",
        controls: &[
            cis("4.2.13"),
            nsa("NSA-NET-RESPOL"),
            attack("T1499"),
            nist("CM-6"),
            sp190("4.3.5"),
            pci("2.2.6"),
            soc2("CC7.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    const UNLIMITED: Option<&str> = Some("is not set (unlimited)");
    report_setting(
        ctx,
        res,
        Node::Kubelet,
        LIMIT,
        |raw| raw.as_i64().is_none_or(|n| n <= 0).then(|| raw.shown()),
        BadDefault {
            in_config: UNLIMITED,
            on_command_line: UNLIMITED,
        },
        "does not limit processes per pod",
    );
}
