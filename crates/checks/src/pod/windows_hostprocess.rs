use super::common::security_context_owners;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Windows HostProcess pods and containers: `securityContext.windowsOptions.hostProcess: true`
    /// at pod level or on any container, init container or ephemeral container.
    ///
    /// ## Why it matters
    /// A HostProcess container runs directly on the Windows node as a host process, with the
    /// node's network and file system; it is the Windows equivalent of a privileged container.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-005",
        name: "windows-hostprocess",
        title: "Windows HostProcess container",
        severity: Severity::High,
        tags: &["pod-security", "pss-baseline", "windows"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `windowsOptions.hostProcess` or set it to `false`",
        controls: &[
            pss("windowsHostProcess"),
            cis("5.2.10"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            nist("AC-6"),
            nist("CM-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

const FIELD: &str = "windowsOptions/hostProcess";

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for owner in security_context_owners(&pod) {
        if bool_at(owner.get(FIELD)) == Some(true) {
            let what = if owner.is_pod() { "pod" } else { "container" };
            ctx.report(
                res,
                &owner.pointer(FIELD),
                format!("{} runs as a Windows HostProcess {what}", owner.describe()),
            );
        }
    }
}
