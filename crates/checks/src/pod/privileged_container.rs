use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers that set
    /// `securityContext.privileged: true`, in Pods and in the pod template of every workload kind.
    ///
    /// ## Why it matters
    /// A privileged container gets every capability and access to the host's devices; escaping
    /// to the node is usually one command away.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     privileged: true   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-001",
        name: "privileged-container",
        title: "Container runs privileged",
        severity: Severity::Critical,
        tags: &["pod-security", "pss-baseline"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `securityContext.privileged` or set it to `false`",
        controls: &[
            pss("privileged"),
            cis("5.2.2"),
            nsa("NSA-POD-PSA"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            attack("T1610"),
            nist("AC-6"),
            nist("CM-7"),
            sp190("4.4.3"),
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
        if bool_at(c.get("securityContext/privileged")) == Some(true) {
            ctx.report(
                res,
                &c.pointer_to("securityContext/privileged"),
                format!("container `{}` runs privileged", c.name()),
            );
        }
    }
}
