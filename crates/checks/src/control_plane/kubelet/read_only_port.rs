use super::{BadDefault, Field, KUBELET_KINDS, Node, report_setting};
use crate::prelude::*;

const PORT: Field = Field {
    path: "readOnlyPort",
    flag: "read-only-port",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings that open the read-only port: `readOnlyPort` other than `0` in a
    /// `KubeletConfiguration` (default `0`), or `--read-only-port` other than `0` on a command
    /// line (default `10255` when the kubelet is started with flags only).
    ///
    /// ## Why it matters
    /// The read-only port serves pod specs, node metrics and configuration over plain HTTP with
    /// no authentication or authorization — a free reconnaissance feed for anyone on the
    /// network.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// readOnlyPort: 0
    /// ```
    pub static META = CheckMeta {
        id: "KLT-004",
        name: "kubelet-read-only-port",
        title: "Kubelet read-only port open",
        severity: Severity::Medium,
        tags: &["node", "kubelet", "network"],
        kinds: KUBELET_KINDS,
        remediation: "set `readOnlyPort: 0` in the KubeletConfiguration (or pass `--read-only-port=0`)",
        controls: &[
            cis("4.2.4"),
            nsa("NSA-NET-WORKER"),
            attack("T1613"),
            nist("AC-3"),
            nist("CM-7"),
            sp190("4.3.5"),
            pci("2.2.4"),
            soc2("CC6.6"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_setting(
        ctx,
        res,
        Node::Kubelet,
        PORT,
        |raw| (raw.as_i64() != Some(0)).then(|| raw.shown()),
        BadDefault {
            in_config: None,
            on_command_line: Some("is not set and defaults to `10255`"),
        },
        "serves an unauthenticated read-only port",
    );
}
