use super::require_plugin;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that turn off the `ServiceAccount` admission plugin (it is on by
    /// default): named in `--disable-admission-plugins`, or left out of the legacy
    /// `--admission-control` list.
    ///
    /// ## Why it matters
    /// The plugin assigns a ServiceAccount to every pod and checks that the account exists and
    /// that mounted tokens belong to it; without it pods can reference accounts and token Secrets
    /// freely.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --disable-admission-plugins=ServiceAccount   # fails
    /// ```
    pub static META = CheckMeta {
        id: "API-012",
        name: "apiserver-serviceaccount-plugin",
        title: "ServiceAccount admission plugin disabled",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "admission", "service-account"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `ServiceAccount` from kube-apiserver's `--disable-admission-plugins`",
        controls: &[
            cis("1.2.12"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            nist("IA-5"),
            nist("AC-3"),
            pci("2.2.6"),
            soc2("CC6.1"),
            hipaa("164.312(d)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    require_plugin(
        ctx,
        res,
        "ServiceAccount",
        "pods are not tied to existing service accounts",
    );
}
