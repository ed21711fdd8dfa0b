use super::require_plugin;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers where the `DenyServiceExternalIPs` admission plugin does not
    /// run: it is off by default, so it must be named in `--enable-admission-plugins`.
    ///
    /// ## Why it matters
    /// Anyone who can create a Service can set `spec.externalIPs` and have kube-proxy capture
    /// traffic meant for that address (CVE-2020-8554), a man-in-the-middle inside the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --enable-admission-plugins=NodeRestriction   # fails; add DenyServiceExternalIPs
    /// ```
    pub static META = CheckMeta {
        id: "API-003",
        name: "apiserver-deny-external-ips",
        title: "DenyServiceExternalIPs admission plugin not enabled",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "admission", "network"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "add `DenyServiceExternalIPs` to kube-apiserver's `--enable-admission-plugins`",
        controls: &[
            cis("1.2.3"),
            nsa("NSA-NET-NETPOL"),
            attack("T1557"),
            nist("CM-7"),
            nist("AC-3"),
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
    require_plugin(
        ctx,
        res,
        "DenyServiceExternalIPs",
        "any Service author can claim external IPs and intercept their traffic",
    );
}
