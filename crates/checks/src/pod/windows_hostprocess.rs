use super::common::{describe, pod_sc_pointer};
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
    if bool_at(pod.get(&format!("securityContext/{FIELD}"))) == Some(true) {
        ctx.report(
            res,
            &pod_sc_pointer(&pod, FIELD),
            "pod runs as a Windows HostProcess pod",
        );
    }
    for c in pod.all_containers() {
        if bool_at(c.get(&format!("securityContext/{FIELD}"))) == Some(true) {
            ctx.report(
                res,
                &c.pointer_to(&format!("securityContext/{FIELD}")),
                format!("{} runs as a Windows HostProcess container", describe(&c)),
            );
        }
    }
}
