use super::require_plugin;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// The cluster-wide pod security control:
    /// - kube-apiserver containers that turn the built-in `PodSecurity` admission plugin off
    ///   (`--disable-admission-plugins`, or left out of the legacy `--admission-control`);
    /// - `PodSecurityConfiguration` files — standalone or inside an `AdmissionConfiguration`
    ///   entry for `PodSecurity` — whose `defaults.enforce` is `privileged` or absent (absent
    ///   means `privileged`).
    ///
    /// A cluster that enforces pod security with a policy engine (Kyverno, Gatekeeper,
    /// ValidatingAdmissionPolicy) instead may ignore this check.
    ///
    /// ## Why it matters
    /// With nothing enforced by default, every namespace that lacks `pod-security.kubernetes.io`
    /// labels accepts privileged pods, host namespaces and hostPath mounts.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: pod-security.admission.config.k8s.io/v1
    /// kind: PodSecurityConfiguration
    /// defaults:
    ///   enforce: baseline
    ///   warn: restricted
    /// ```
    pub static META = CheckMeta {
        id: "API-033",
        name: "pod-security-admission-config",
        title: "No cluster-wide pod security enforcement",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "admission", "pod-security"],
        kinds: &[
            "Pod",
            "PodTemplate",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "PodSecurityConfiguration",
            "AdmissionConfiguration",
        ],
        remediation: "keep the PodSecurity admission plugin on and set `defaults.enforce` to `baseline` (or `restricted`) in its configuration, exempting only the namespaces that need it",
        controls: &[
            cis("5.2.1"),
            nsa("NSA-POD-PSA"),
            attack("T1610"),
            nist("CM-6"),
            nist("CM-7"),
            nist("AC-6"),
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

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    match (res.kind.as_str(), res.group()) {
        ("PodSecurityConfiguration", "pod-security.admission.config.k8s.io") => {
            check_defaults(ctx, res, &res.value, &JsonPointer::root());
        }
        ("AdmissionConfiguration", "apiserver.config.k8s.io" | "apiserver.k8s.io") => {
            let plugins = res.get("plugins").and_then(Value::as_array);
            for (i, p) in plugins.into_iter().flatten().enumerate() {
                if p.get("name").and_then(Value::as_str) != Some("PodSecurity") {
                    continue;
                }
                if let Some(config) = p.get("configuration").filter(|c| c.is_object()) {
                    let at = JsonPointer::root()
                        .key("plugins")
                        .index(i)
                        .key("configuration");
                    check_defaults(ctx, res, config, &at);
                }
            }
        }
        _ => require_plugin(
            ctx,
            res,
            "PodSecurity",
            "pod security standards are not enforced anywhere",
        ),
    }
}

fn check_defaults(ctx: &mut CheckCtx<'_>, res: &Resource, config: &Value, at: &JsonPointer) {
    match config.pointer("/defaults/enforce").and_then(Value::as_str) {
        Some("privileged") => ctx.report(
            res,
            &at.key("defaults").key("enforce"),
            "the PodSecurity admission configuration enforces `privileged` by default, so unlabelled namespaces accept any pod",
        ),
        Some(_) => {}
        None => ctx.report(
            res,
            &at.key("defaults"),
            "the PodSecurity admission configuration sets no `defaults.enforce` (default `privileged`), so unlabelled namespaces accept any pod",
        ),
    }
}
