use super::common::report_forbidden_profiles;
use crate::prelude::*;
use palisade_pss::seccomp_type_allowed;

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
    report_forbidden_profiles(
        ctx,
        res,
        &pod,
        "seccompProfile",
        seccomp_type_allowed,
        "seccomp",
    );
}
