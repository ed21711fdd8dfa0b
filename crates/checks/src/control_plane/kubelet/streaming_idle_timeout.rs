use super::{BadDefault, Field, KUBELET_KINDS, Node, Raw, duration_is_zero, report_setting};
use crate::prelude::*;

const TIMEOUT: Field = Field {
    path: "streamingConnectionIdleTimeout",
    flag: "streaming-connection-idle-timeout",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings that disable the idle timeout of streaming connections:
    /// `streamingConnectionIdleTimeout` (or `--streaming-connection-idle-timeout`) set to a zero
    /// duration. The default is `4h`.
    ///
    /// ## Why it matters
    /// Exec, attach and port-forward sessions then never time out: forgotten sessions stay open
    /// indefinitely and idle connections can pile up until the kubelet runs out of resources.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// streamingConnectionIdleTimeout: 5m
    /// ```
    pub static META = CheckMeta {
        id: "KLT-005",
        name: "kubelet-streaming-idle-timeout",
        title: "Kubelet streaming connections never time out",
        severity: Severity::Low,
        tags: &["node", "kubelet"],
        kinds: KUBELET_KINDS,
        remediation: "set `streamingConnectionIdleTimeout` to a non-zero duration such as `5m` (or remove it to keep the 4h default)",
        controls: &[
            cis("4.2.5"),
            nsa("NSA-NET-WORKER"),
            attack("T1499"),
            nist("AC-17"),
            nist("CM-6"),
            pci("2.2.6"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn is_zero(raw: &Raw<'_>) -> bool {
    match raw.as_i64() {
        Some(n) => n == 0,
        None => raw.as_str().and_then(duration_is_zero) == Some(true),
    }
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_setting(
        ctx,
        res,
        Node::Kubelet,
        TIMEOUT,
        |raw| is_zero(raw).then(|| raw.shown()),
        BadDefault::NONE,
        "never closes idle exec/attach/port-forward sessions",
    );
}
