use super::common::describe;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Container ports with a non-zero `hostPort`, on containers, init containers and ephemeral
    /// containers of every workload kind.
    ///
    /// ## Why it matters
    /// A host port opens the port on the node's own addresses, outside Services and usually
    /// outside NetworkPolicies, so the workload becomes reachable from wherever the node is. It
    /// also limits scheduling to one such pod per node.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    /// - containerPort: 8080
    ///   hostPort: 8080   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-010",
        name: "host-ports",
        title: "Container declares a hostPort",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "network"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `hostPort` and expose the port through a Service",
        controls: &[
            pss("hostPorts"),
            cis("5.2.12"),
            nsa("NSA-POD-PSA"),
            nsa("NSA-NET-NETPOL"),
            attack("T1133"),
            nist("CM-7"),
            pci("2.2.1"),
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
    let Some(pod) = res.pod_template() else {
        return;
    };
    for c in pod.all_containers() {
        let ports = c.get("ports").and_then(Value::as_array);
        for (i, port) in ports.into_iter().flatten().enumerate() {
            let Some(host_port) = port.get("hostPort").filter(|v| !v.is_null()) else {
                continue;
            };
            if host_port.as_i64() == Some(0) {
                continue;
            }
            ctx.report(
                res,
                &c.pointer_to(&format!("ports/{i}/hostPort")),
                format!("{} declares host port `{host_port}`", describe(&c)),
            );
        }
    }
}
