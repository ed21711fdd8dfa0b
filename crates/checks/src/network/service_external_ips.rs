use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Services that set `spec.externalIPs`.
    ///
    /// ## Why it matters
    /// kube-proxy routes traffic for an external IP to the Service on every node, for any
    /// address the Service names — including addresses of other services or the internet.
    /// Whoever can create such a Service can intercept traffic meant for those addresses
    /// (CVE-2020-8554, not fixable in Kubernetes itself); the `DenyServiceExternalIPs`
    /// admission plugin exists to forbid the field.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   externalIPs: ["203.0.113.10"]   # fails
    /// ```
    pub static META = CheckMeta {
        id: "NET-006",
        name: "service-external-ips",
        title: "Service uses externalIPs",
        severity: Severity::High,
        tags: &["network", "exposure"],
        kinds: &["Service"],
        remediation: "remove `spec.externalIPs`; expose the Service through a `LoadBalancer` or an \
                      Ingress, and enable the `DenyServiceExternalIPs` admission plugin",
        controls: &[
            cis("1.2.3"),
            nsa("NSA-NET-NETPOL"),
            attack("T1557"),
            nist("AC-4"),
            nist("SC-7"),
            sp190("4.3.3"),
            pci("1.2.5"),
            pci("1.3.1"),
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
    let ips: Vec<String> = res
        .get("spec/externalIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|ip| format!("`{}`", ip.as_str().unwrap_or_default()))
        .collect();
    if !ips.is_empty() {
        ctx.report(
            res,
            &JsonPointer::root().key("spec").key("externalIPs"),
            format!(
                "Service `{}` claims external IPs {}",
                res.name,
                ips.join(", ")
            ),
        );
    }
}
