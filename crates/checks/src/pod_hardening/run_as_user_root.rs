use crate::pod::common::{in_user_namespace, security_context_owners};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// `runAsUser: 0` in the pod's `securityContext` or in that of any container, init container
    /// or ephemeral container, as in the Pod Security Standards Restricted level. Pods in a user
    /// namespace (`spec.hostUsers: false`) are exempt.
    ///
    /// ## Why it matters
    /// UID 0 in the container is UID 0 on the node's kernel: any escape, writable host mount or
    /// shared namespace is then exploited as root. An explicit `runAsUser: 0` also defeats
    /// `runAsNonRoot`, since the kubelet refuses to start such a container.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 0   # fails
    /// ```
    pub static META = CheckMeta {
        id: "PSR-003",
        name: "run-as-user-root",
        title: "Container runs as UID 0",
        severity: Severity::High,
        tags: &["pod-hardening", "pss-restricted", "run-as-root"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `runAsUser` to a non-zero UID (or remove it and set \
                      `runAsNonRoot: true` with an image that runs as a non-root user)",
        controls: &[
            pss("runAsUser"),
            cis("5.2.7"),
            nsa("NSA-POD-NONROOT"),
            attack("T1611"),
            nist("AC-6"),
            nist("AC-6(10)"),
            sp190("4.5.4"),
            pci("2.2.1"),
            pci("7.2.5"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn is_root(v: Option<&Value>) -> bool {
    v.and_then(Value::as_i64) == Some(0)
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    if in_user_namespace(&pod) {
        return;
    }
    for owner in security_context_owners(&pod) {
        if is_root(owner.get("runAsUser")) {
            ctx.report(
                res,
                &owner.pointer("runAsUser"),
                format!("{} sets `runAsUser: 0`", owner.describe()),
            );
        }
    }
}
