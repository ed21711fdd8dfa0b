use super::common::enforce_label;
use crate::prelude::*;
use palisade_pss::{ENFORCE_LEVEL_LABEL, Level};

declare_check! {
    /// ## What it checks
    /// Namespace objects without a `pod-security.kubernetes.io/enforce` label, or whose label
    /// value is not a Pod Security level (`privileged`, `baseline`, `restricted`). The system
    /// namespaces `kube-system`, `kube-public` and `kube-node-lease` are skipped. A namespace
    /// that enforces `privileged` is reported by NS-004 instead.
    ///
    /// ## Why it matters
    /// Pod Security Admission only acts on namespaces that ask for it (unless the cluster sets
    /// a default level, which manifests cannot show). Without an `enforce` label any pod —
    /// privileged, host-network, host-path — is admitted into the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: restricted   # passes; missing fails
    /// ```
    pub static META = CheckMeta {
        id: "NS-003",
        name: "psa-not-enforced",
        title: "Namespace does not enforce a Pod Security level",
        severity: Severity::Medium,
        tags: &["namespaces", "admission", "pod-security"],
        kinds: &["Namespace"],
        remediation: "label the namespace `pod-security.kubernetes.io/enforce: restricted` (or \
                      `baseline` where restricted is not yet possible)",
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
    match label.value {
        Some(level) if level.parse::<Level>().is_ok() => {}
        Some(other) => ctx.report(
            res,
            &label.pointer,
            format!(
                "namespace `{}` sets `{ENFORCE_LEVEL_LABEL}` to `{other}`, which is not a Pod Security level",
                res.name
            ),
        ),
        None => ctx.report(
            res,
            &label.pointer,
            format!("namespace `{}` has no `{ENFORCE_LEVEL_LABEL}` label", res.name),
        ),
    }
}
