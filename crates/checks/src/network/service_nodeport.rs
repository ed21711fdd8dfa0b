use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Services with `spec.type: NodePort`.
    ///
    /// ## Why it matters
    /// A NodePort Service opens its port on every node of the cluster, on every node address,
    /// bypassing the ingress controller and its TLS and authentication; whoever can reach a
    /// node can reach the Service. It also widens the firewall rules nodes need.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: NodePort    # fails: use ClusterIP behind an Ingress or a LoadBalancer
    /// ```
    pub static META = CheckMeta {
        id: "NET-005",
        name: "service-nodeport",
        title: "Service of type NodePort",
        severity: Severity::Low,
        tags: &["network", "exposure"],
        kinds: &["Service"],
        remediation: "use a `ClusterIP` Service exposed through an Ingress or Gateway, or a \
                      `LoadBalancer` Service with source ranges",
        controls: &[
            nsa("NSA-NET-WORKER"),
            attack("T1133"),
            nist("CM-7"),
            nist("SC-7"),
            sp190("4.4.2"),
            pci("1.2.5"),
            pci("1.4.1"),
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
    if res.get("spec/type").and_then(Value::as_str) == Some("NodePort") {
        ctx.report(
            res,
            &JsonPointer::root().key("spec").key("type"),
            format!(
                "Service `{}` is of type `NodePort`: its ports are open on every node",
                res.name
            ),
        );
    }
}
