use super::common::{describe, forbidden_profile_type, pod_sc_pointer};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// `securityContext.seccompProfile` of the pod or of any container, init container or
    /// ephemeral container whose `type` is set to anything but `RuntimeDefault` or `Localhost`
    /// (in practice `Unconfined`), as in the Pod Security Standards Baseline. An unset profile
    /// is left to PSR-004.
    ///
    /// ## Why it matters
    /// Seccomp filters the system calls a container may make. `Unconfined` switches the filter
    /// off and exposes the whole kernel system-call surface, which most kernel exploits used for
    /// container escapes need.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   seccompProfile:
    ///     type: Unconfined   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-016",
        name: "seccomp-unconfined",
        title: "Seccomp profile explicitly unconfined",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "seccomp", "linux-hardening"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `seccompProfile.type` to `RuntimeDefault` (or `Localhost` with a \
                      reviewed profile)",
        controls: &[
            pss("seccompProfile_baseline"),
            cis("5.6.2"),
            nsa("NSA-POD-HARDEN"),
            nsa("NSA-LOG"),
            attack("T1611"),
            attack("T1068"),
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
    if let Some(ty) = forbidden_profile_type(pod.get("securityContext/seccompProfile")) {
        ctx.report(
            res,
            &pod_sc_pointer(&pod, "seccompProfile/type"),
            format!("pod sets seccomp profile type `{ty}`"),
        );
    }
    for c in pod.all_containers() {
        if let Some(ty) = forbidden_profile_type(c.get("securityContext/seccompProfile")) {
            ctx.report(
                res,
                &c.pointer_to("securityContext/seccompProfile/type"),
                format!("{} sets seccomp profile type `{ty}`", describe(&c)),
            );
        }
    }
}
