use super::common::{PSA_ENFORCE, SYSTEM_NAMESPACES};
use crate::prelude::*;

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
    if SYSTEM_NAMESPACES.contains(&res.name.as_str()) {
        return;
    }
    let pointer = JsonPointer::root()
        .key("metadata")
        .key("labels")
        .key(PSA_ENFORCE);
    match res.label(PSA_ENFORCE) {
        Some("privileged" | "baseline" | "restricted") => {}
        Some(other) => ctx.report(
            res,
            &pointer,
            format!(
                "namespace `{}` sets `{PSA_ENFORCE}` to `{other}`, which is not a Pod Security level",
                res.name
            ),
        ),
        None => ctx.report(
            res,
            &pointer,
            format!("namespace `{}` has no `{PSA_ENFORCE}` label", res.name),
        ),
    }
}
