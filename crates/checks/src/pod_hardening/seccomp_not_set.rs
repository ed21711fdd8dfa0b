use crate::pod::common::{forbidden_profile_type, is_windows, present, security_context_owners};
use crate::prelude::*;
use palisade_pss::seccomp_type_allowed;

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
    let pod_sets_valid_default = present(pod_profile).is_some()
        && forbidden_profile_type(pod_profile, seccomp_type_allowed).is_none();
    for owner in security_context_owners(&pod) {
        let profile = owner.get("seccompProfile");
        let message = if present(profile).is_some() {
            match forbidden_profile_type(profile, seccomp_type_allowed) {
                Some(ty) => format!("{} sets seccomp profile type `{ty}`", owner.describe()),
                None => continue,
            }
        } else if owner.is_pod() || pod_sets_valid_default {
            continue;
        } else {
            format!(
                "{} has no seccomp profile, and the pod sets no valid default",
                owner.describe()
            )
        };
        ctx.report(res, &owner.pointer("seccompProfile/type"), message);
    }
}
