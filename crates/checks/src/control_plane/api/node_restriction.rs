use super::require_plugin;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers where the `NodeRestriction` admission plugin does not run: it is
    /// off by default, so it must be named in `--enable-admission-plugins`.
    ///
    /// ## Why it matters
    /// The plugin stops a kubelet from modifying other nodes, pods bound elsewhere, or its own
    /// node's security-relevant labels; without it one compromised node can relabel itself to
    /// attract sensitive workloads or tamper with other nodes.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --enable-admission-plugins=NodeRestriction
    /// ```
    pub static META = CheckMeta {
        id: "API-014",
        name: "apiserver-noderestriction",
        title: "NodeRestriction admission plugin not enabled",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "admission", "node"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "add `NodeRestriction` to kube-apiserver's `--enable-admission-plugins` (with `--authorization-mode` including `Node`)",
        controls: &[
            cis("1.2.14"),
            nsa("NSA-NET-CP"),
            attack("T1078"),
            attack("T1611"),
            nist("AC-3"),
            nist("AC-6"),
            sp190("4.3.5"),
            pci("7.2.1"),
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
    require_plugin(
        ctx,
        res,
        "NodeRestriction",
        "a kubelet can modify other nodes and pods",
    );
}
