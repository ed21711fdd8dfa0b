use crate::pod::common::{describe, forbidden_profile_type, is_windows, pod_sc_pointer, present};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// That every container runs with a seccomp profile, as in the Pod Security Standards
    /// Restricted level: either the pod's `securityContext.seccompProfile.type` is
    /// `RuntimeDefault` or `Localhost` (inherited by containers that set nothing), or each
    /// container, init container and ephemeral container sets one of those itself. Any other
    /// explicit type (such as `Unconfined`) fails at the place it is set. Windows pods
    /// (`spec.os.name: windows`) are exempt.
    ///
    /// ## Why it matters
    /// Kubernetes still runs containers without seccomp filtering (`Unconfined`) unless a profile
    /// is requested or the kubelet default is changed, which leaves the whole system-call
    /// surface of the kernel open to the container.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault   # passes: inherited by every container
    /// ```
    pub static META = CheckMeta {
        id: "PSR-004",
        name: "seccomp-not-set",
        title: "Container runs without a seccomp profile",
        severity: Severity::Medium,
        tags: &["pod-hardening", "pss-restricted", "seccomp", "linux-hardening"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (or \
                      `Localhost` with a reviewed profile)",
        controls: &[
            pss("seccompProfile_restricted"),
            cis("5.6.2"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            attack("T1068"),
            nist("CM-6"),
            nist("SC-39"),
            sp190("4.4.3"),
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
    if is_windows(&pod) {
        return;
    }
    let pod_profile = pod.get("securityContext/seccompProfile");
    let pod_forbidden = forbidden_profile_type(pod_profile);
    if let Some(ty) = &pod_forbidden {
        ctx.report(
            res,
            &pod_sc_pointer(&pod, "seccompProfile/type"),
            format!("pod sets seccomp profile type `{ty}`"),
        );
    }
    let pod_valid = present(pod_profile).is_some() && pod_forbidden.is_none();
    for c in pod.all_containers() {
        let profile = c.get("securityContext/seccompProfile");
        let message = if present(profile).is_some() {
            match forbidden_profile_type(profile) {
                Some(ty) => format!("{} sets seccomp profile type `{ty}`", describe(&c)),
                None => continue,
            }
        } else if pod_valid {
            continue;
        } else {
            format!(
                "{} has no seccomp profile, and the pod sets no valid default",
                describe(&c)
            )
        };
        ctx.report(
            res,
            &c.pointer_to("securityContext/seccompProfile/type"),
            message,
        );
    }
}
