use super::common::{describe, in_user_namespace, present, shown};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers whose `securityContext.procMount` is
    /// set to anything but `Default` (in practice `Unmasked`). As in the Pod Security Standards
    /// Baseline, pods that run in a user namespace (`spec.hostUsers: false`) are allowed any
    /// value.
    ///
    /// ## Why it matters
    /// The default proc mount masks and makes read-only the parts of `/proc` that expose the host
    /// kernel (`/proc/sys`, `/proc/sysrq-trigger`, `/proc/kcore`, …). An unmasked `/proc` outside
    /// a user namespace hands those interfaces to the container.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   procMount: Unmasked   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-015",
        name: "proc-mount-unmasked",
        title: "Container uses an unmasked /proc mount",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "linux-hardening"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `securityContext.procMount` or set it to `Default`",
        controls: &[
            pss("procMount"),
            cis("5.6.3"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            nist("CM-6"),
            nist("SC-39"),
            sp190("4.4.3"),
            sp190("4.5.2"),
            pci("2.2.1"),
            pci("2.2.6"),
            soc2("CC6.8"),
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
    for c in pod.all_containers() {
        let value = present(c.get("securityContext/procMount"));
        if value.is_some_and(|v| v.as_str() != Some("Default")) {
            ctx.report(
                res,
                &c.pointer_to("securityContext/procMount"),
                format!("{} sets procMount `{}`", describe(&c), shown(value)),
            );
        }
    }
}
