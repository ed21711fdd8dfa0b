use crate::control_plane::flags::Component;
use crate::control_plane::rules::bool_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that pass `--service-account-lookup=false` (the default is
    /// `true`).
    ///
    /// ## Why it matters
    /// Without the lookup the API server accepts a service-account token as long as its signature
    /// is valid, even after the ServiceAccount or its token Secret was deleted — revoking a leaked
    /// token stops working.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --service-account-lookup=false   # fails
    /// ```
    pub static META = CheckMeta {
        id: "API-019",
        name: "apiserver-sa-lookup",
        title: "API server does not check service-account tokens are still valid",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "authentication", "service-account"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `--service-account-lookup=false` (or set it to `true`)",
        controls: &[
            cis("1.2.21"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            nist("IA-5"),
            nist("AC-3"),
            sp190("4.3.2"),
            pci("8.3.1"),
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
    bool_flag(
        ctx,
        res,
        Component::ApiServer,
        "service-account-lookup",
        true,
        false,
        "accepts tokens of deleted service accounts",
    );
}
