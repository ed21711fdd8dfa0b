use super::require_plugin;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that turn off the `NamespaceLifecycle` admission plugin (it is on
    /// by default): named in `--disable-admission-plugins`, or left out of the legacy
    /// `--admission-control` list.
    ///
    /// ## Why it matters
    /// The plugin refuses objects in namespaces that do not exist or are being deleted and
    /// protects `default`, `kube-system` and `kube-public` from deletion; without it objects can
    /// outlive their namespace and escape its policies.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --disable-admission-plugins=NamespaceLifecycle   # fails
    /// ```
    pub static META = CheckMeta {
        id: "API-013",
        name: "apiserver-namespacelifecycle",
        title: "NamespaceLifecycle admission plugin disabled",
        severity: Severity::Low,
        tags: &["control-plane", "apiserver", "admission", "namespaces"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `NamespaceLifecycle` from kube-apiserver's `--disable-admission-plugins`",
        controls: &[
            cis("1.2.13"),
            nsa("NSA-NET-NS"),
            nist("CM-6"),
            nist("CM-7"),
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
    require_plugin(
        ctx,
        res,
        "NamespaceLifecycle",
        "objects can be created in missing or terminating namespaces",
    );
}
