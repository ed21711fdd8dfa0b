use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-controller-manager containers that do not pass `--root-ca-file`.
    ///
    /// ## Why it matters
    /// The controller manager publishes this CA to every namespace (`kube-root-ca.crt`) so pods
    /// can verify the API server's certificate. Without it, pods cannot tell the real API server
    /// from a man in the middle.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-controller-manager
    /// - --root-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    pub static META = CheckMeta {
        id: "CMS-005",
        name: "cm-root-ca",
        title: "Controller manager does not publish the cluster CA",
        severity: Severity::Medium,
        tags: &["control-plane", "controller-manager", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--root-ca-file` with the CA of the API server's serving certificate",
        controls: &[
            cis("1.3.5"),
            nsa("NSA-NET-CP"),
            attack("T1557"),
            nist("SC-8"),
            pci("2.2.7"),
            soc2("CC6.1"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    require_flags(
        ctx,
        res,
        Component::ControllerManager,
        &["root-ca-file"],
        "pods cannot verify the API server's certificate",
    );
}
