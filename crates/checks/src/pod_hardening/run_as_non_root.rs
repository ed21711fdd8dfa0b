use crate::pod::common::{in_user_namespace, security_context_owners};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// That containers are required to run as a non-root user, as in the Pod Security Standards
    /// Restricted level: `runAsNonRoot: true` must be set in the pod's `securityContext` or in
    /// the `securityContext` of every container, init container and ephemeral container, and
    /// `runAsNonRoot: false` is not allowed anywhere. A container inherits the pod-level value
    /// unless it overrides it. Pods in a user namespace (`spec.hostUsers: false`) are exempt.
    ///
    /// ## Why it matters
    /// Without `runAsNonRoot` the kubelet starts the container as whatever user the image
    /// declares, which is root for most images. Root in a container is one kernel bug or
    /// misconfiguration away from root on the node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true   # passes: inherited by every container
    /// ```
    pub static META = CheckMeta {
        id: "PSR-002",
        name: "run-as-non-root",
        title: "Containers are not required to run as non-root",
        severity: Severity::Medium,
        tags: &["pod-hardening", "pss-restricted", "run-as-root"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `securityContext.runAsNonRoot: true` on the pod (or on every container) \
                      and run the image as a non-zero UID",
        controls: &[
            pss("runAsNonRoot"),
            cis("5.2.7"),
            nsa("NSA-POD-NONROOT"),
            attack("T1611"),
            attack("T1068"),
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

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    if in_user_namespace(&pod) {
        return;
    }
    let pod_default = bool_at(pod.get("securityContext/runAsNonRoot"));
    for owner in security_context_owners(&pod) {
        let message = match bool_at(owner.get("runAsNonRoot")) {
            Some(true) => continue,
            Some(false) => format!("{} sets `runAsNonRoot: false`", owner.describe()),
            // an unset pod value is reported on each container that does not set its own
            None if owner.is_pod() || pod_default == Some(true) => continue,
            None => format!(
                "{} does not set `runAsNonRoot: true`, and neither does the pod",
                owner.describe()
            ),
        };
        ctx.report(res, &owner.pointer("runAsNonRoot"), message);
    }
}
