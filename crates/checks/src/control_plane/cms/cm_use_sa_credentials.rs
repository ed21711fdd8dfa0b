use crate::control_plane::flags::Component;
use crate::control_plane::rules::bool_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-controller-manager containers whose `--use-service-account-credentials` is `false`,
    /// explicitly or by default (the flag defaults to `false`).
    ///
    /// ## Why it matters
    /// Without it every controller acts with the controller manager's own, very broad identity;
    /// with it each controller gets its own service account and only the RBAC permissions it
    /// needs, and its actions are attributable in the audit log.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-controller-manager
    /// - --use-service-account-credentials=true
    /// ```
    pub static META = CheckMeta {
        id: "CMS-003",
        name: "cm-use-sa-credentials",
        title: "Controllers share the controller manager's credentials",
        severity: Severity::Medium,
        tags: &["control-plane", "controller-manager", "rbac"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--use-service-account-credentials=true` to kube-controller-manager",
        controls: &[
            cis("1.3.3"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            nist("AC-6"),
            nist("IA-5"),
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
    bool_flag(
        ctx,
        res,
        Component::ControllerManager,
        "use-service-account-credentials",
        false,
        false,
        "runs every controller with its own broad credentials",
    );
}
