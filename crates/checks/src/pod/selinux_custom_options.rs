use super::common::{security_context_owners, shown};
use crate::prelude::*;
use palisade_pss::SELINUX_TYPES;

declare_check! {
    /// ## What it checks
    /// `securityContext.seLinuxOptions` of the pod and of every container, init container and
    /// ephemeral container, as in the Pod Security Standards Baseline: `type` must be unset,
    /// empty, `container_t`, `container_init_t`, `container_kvm_t` or `container_engine_t`, and
    /// `user` and `role` must be unset or empty. `level` is not restricted.
    ///
    /// ## Why it matters
    /// SELinux labels decide what a container process may touch on the host. A custom type such
    /// as `spc_t` (super-privileged container) or a custom user or role lifts that confinement.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   seLinuxOptions:
    ///     type: spc_t   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-014",
        name: "selinux-custom-options",
        title: "SELinux options set a custom type, user or role",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "selinux", "linux-hardening"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `seLinuxOptions.user` and `seLinuxOptions.role`, and leave `type` \
                      unset or use one of the standard container types",
        controls: &[
            pss("seLinuxOptions"),
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

/// `(field, value)` of the forbidden entries of a `seLinuxOptions` object
fn forbidden(options: Option<&Value>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Some(options) = options.filter(|o| o.is_object()) else {
        return out;
    };
    let ty = options.get("type").filter(|v| !v.is_null());
    if let Some(ty) = ty.filter(|t| !t.as_str().is_some_and(|t| SELINUX_TYPES.contains(&t))) {
        out.push(("type", shown(Some(ty))));
    }
    for field in ["user", "role"] {
        let value = options.get(field).filter(|v| !v.is_null());
        if let Some(v) = value.filter(|v| v.as_str() != Some("")) {
            out.push((field, shown(Some(v))));
        }
    }
    out
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for owner in security_context_owners(&pod) {
        for (field, value) in forbidden(owner.get("seLinuxOptions")) {
            ctx.report(
                res,
                &owner.pointer(&format!("seLinuxOptions/{field}")),
                format!("{} sets SELinux {field} `{value}`", owner.describe()),
            );
        }
    }
}
