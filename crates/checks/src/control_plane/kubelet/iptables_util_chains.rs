use super::{Field, KUBELET_KINDS, bool_setting};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Kubelet settings that stop the kubelet from managing its iptables utility chains:
    /// `makeIPTablesUtilChains: false` in a `KubeletConfiguration` or
    /// `--make-iptables-util-chains=false` on a command line (the default is `true`).
    ///
    /// ## Why it matters
    /// The kubelet keeps the chains that drop martian packets and mark traffic for masquerade in
    /// sync with pod networking; turned off, those rules drift from what running pods need.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// makeIPTablesUtilChains: true
    /// ```
    pub static META = CheckMeta {
        id: "KLT-006",
        name: "kubelet-iptables-util-chains",
        title: "Kubelet does not manage iptables chains",
        severity: Severity::Low,
        tags: &["node", "kubelet", "network"],
        kinds: KUBELET_KINDS,
        remediation: "remove `makeIPTablesUtilChains: false` (or `--make-iptables-util-chains=false`)",
        controls: &[
            cis("4.2.6"),
            nsa("NSA-NET-WORKER"),
            nist("CM-6"),
            nist("CM-7"),
            pci("2.2.6"),
            soc2("CC6.6"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    bool_setting(
        ctx,
        res,
        Field {
            path: "makeIPTablesUtilChains",
            flag: "make-iptables-util-chains",
        },
        (true, true),
        false,
        "does not manage its iptables utility chains",
    );
}
