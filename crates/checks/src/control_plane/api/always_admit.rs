use super::{Plugin, plugin};
use crate::control_plane::flags::{Component, invocations};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that enable the `AlwaysAdmit` admission plugin (in
    /// `--enable-admission-plugins` or the legacy `--admission-control`).
    ///
    /// ## Why it matters
    /// `AlwaysAdmit` admits every request regardless of what the other admission plugins would
    /// decide; it exists for testing and has been deprecated for years.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --enable-admission-plugins=NodeRestriction,AlwaysAdmit   # fails
    /// ```
    pub static META = CheckMeta {
        id: "API-010",
        name: "apiserver-alwaysadmit",
        title: "AlwaysAdmit admission plugin enabled",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "admission"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `AlwaysAdmit` from kube-apiserver's admission plugin list",
        controls: &[
            cis("1.2.10"),
            nsa("NSA-POD-PSA"),
            attack("T1610"),
            nist("CM-7"),
            nist("AC-3"),
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
    for inv in invocations(res, Component::ApiServer) {
        if let Plugin::Enabled(flag) = plugin(&inv.flags, "AlwaysAdmit") {
            ctx.report(
                res,
                &flag.pointer,
                format!(
                    "{} enables admission plugin `AlwaysAdmit`, which admits every request",
                    inv.who()
                ),
            );
        }
    }
}
