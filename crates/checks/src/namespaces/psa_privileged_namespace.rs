use super::common::enforce_label;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Namespace objects, other than `kube-system`, `kube-public` and `kube-node-lease`, whose
    /// `pod-security.kubernetes.io/enforce` label is `privileged`. (Exemptions configured in the
    /// API server's admission configuration are checked by the control-plane checks.)
    ///
    /// ## Why it matters
    /// `privileged` is the absence of a policy, stated explicitly: every pod is admitted,
    /// including privileged, host-namespace and host-path pods that can take over the node. It
    /// belongs only to namespaces running node-level system components.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: privileged   # fails
    /// ```
    pub static META = CheckMeta {
        id: "NS-004",
        name: "psa-privileged-namespace",
        title: "Namespace enforces the privileged Pod Security level",
        severity: Severity::Medium,
        tags: &["namespaces", "admission", "pod-security"],
        kinds: &["Namespace"],
        remediation: "enforce `baseline` or `restricted`; move the pods that really need host \
                      access into a dedicated system namespace",
        controls: &[
            cis("5.2.1"),
            nsa("NSA-POD-PSA"),
            attack("T1610"),
            attack("T1611"),
            nist("CM-6"),
            nist("AC-4"),
            sp190("4.3.4"),
            pci("2.2.3"),
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
    let Some(label) = enforce_label(res) else {
        return;
    };
    if label.value == Some("privileged") {
        ctx.report(
            res,
            &label.pointer,
            format!(
                "namespace `{}` enforces the `privileged` Pod Security level",
                res.name
            ),
        );
    }
}
