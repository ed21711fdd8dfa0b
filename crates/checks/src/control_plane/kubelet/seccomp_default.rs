use super::{Field, KUBELET_KINDS, bool_setting};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Kubelet settings where `seccompDefault` (or `--seccomp-default`) is `false` or absent
    /// (the default is `false`).
    ///
    /// ## Why it matters
    /// With `seccompDefault` on, every container that does not ask for a seccomp profile gets the
    /// runtime's default one instead of running unconfined, which blocks hundreds of rarely
    /// needed syscalls often used in kernel exploits.
    ///
    /// ## Example
    /// ```yaml
    /// kind: KubeletConfiguration
    /// seccompDefault: true
    /// ```
    pub static META = CheckMeta {
        id: "KLT-013",
        name: "kubelet-seccomp-default",
        title: "Kubelet does not apply a default seccomp profile",
        severity: Severity::Low,
        tags: &["node", "kubelet", "seccomp"],
        kinds: KUBELET_KINDS,
        remediation: "set `seccompDefault: true` in the KubeletConfiguration (or pass `--seccomp-default`)",
        controls: &[
            cis("4.2.14"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            nist("CM-6"),
            nist("CM-7"),
            sp190("4.5.2"),
            pci("2.2.6"),
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
    bool_setting(
        ctx,
        res,
        Field {
            path: "seccompDefault",
            flag: "seccomp-default",
        },
        (false, false),
        false,
        "runs containers without a seccomp profile unless they ask for one",
    );
}
