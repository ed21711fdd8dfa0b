use super::{BadDefault, Field, KUBELET_KINDS, Node, report_setting};
use crate::prelude::*;

const MODE: Field = Field {
    path: "authorization/mode",
    flag: "authorization-mode",
};

declare_check! {
    /// ## What it checks
    /// Kubelet settings whose authorization mode is `AlwaysAllow`: `authorization.mode` in a
    /// `KubeletConfiguration` (default `Webhook`) or `--authorization-mode` on a command line
    /// (default `AlwaysAllow` when the kubelet is started with flags only).
    ///
    /// ## Why it matters
    /// `AlwaysAllow` lets every caller that gets past authentication exec into containers, read
    /// logs and list pods on the node; `Webhook` asks the API server, so RBAC decides.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// authorization:
    ///   mode: Webhook
    /// ```
    pub static META = CheckMeta {
        id: "KLT-002",
        name: "kubelet-authz-alwaysallow",
        title: "Kubelet authorizes every request",
        severity: Severity::Critical,
        tags: &["node", "kubelet", "authorization"],
        kinds: KUBELET_KINDS,
        remediation: "set `authorization.mode: Webhook` in the KubeletConfiguration (or pass `--authorization-mode=Webhook`)",
        controls: &[
            cis("4.2.2"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1609"),
            nist("AC-3"),
            nist("AC-17"),
            sp190("4.3.5"),
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

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_setting(
        ctx,
        res,
        Node::Kubelet,
        MODE,
        |raw| {
            (raw.as_str().map(str::trim) == Some("AlwaysAllow")).then(|| "AlwaysAllow".to_owned())
        },
        BadDefault {
            in_config: None,
            on_command_line: Some("is not set and defaults to `AlwaysAllow`"),
        },
        "authorizes every kubelet API request",
    );
}
