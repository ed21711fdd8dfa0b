use super::{Field, KUBELET_KINDS, bool_setting};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Kubelet settings that accept anonymous requests: `authentication.anonymous.enabled: true`
    /// in a `KubeletConfiguration` (file, or embedded in a ConfigMap), or `--anonymous-auth=true`
    /// on a kubelet command line. An absent field is judged by its default: `false` in a
    /// `KubeletConfiguration`, but `true` for a kubelet started with flags only.
    ///
    /// ## Why it matters
    /// The kubelet API on port 10250 can list pods, read logs and run commands in any container
    /// of the node. Anonymous access hands that to anyone who can reach the port, subject only to
    /// what the authorizer allows `system:anonymous`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: false
    /// ```
    pub static META = CheckMeta {
        id: "KLT-001",
        name: "kubelet-anonymous-auth",
        title: "Kubelet accepts anonymous requests",
        severity: Severity::Critical,
        tags: &["node", "kubelet", "authentication"],
        kinds: KUBELET_KINDS,
        remediation: "set `authentication.anonymous.enabled: false` in the KubeletConfiguration (or pass `--anonymous-auth=false`)",
        controls: &[
            cis("4.2.1"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1078.001"),
            attack("T1609"),
            nist("AC-3"),
            nist("IA-3"),
            nist("AC-17"),
            sp190("4.3.5"),
            pci("8.3.1"),
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
    bool_setting(
        ctx,
        res,
        Field {
            path: "authentication/anonymous/enabled",
            flag: "anonymous-auth",
        },
        (false, true),
        true,
        "accepts anonymous requests to the kubelet API",
    );
}
