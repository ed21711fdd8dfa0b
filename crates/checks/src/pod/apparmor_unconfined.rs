use super::common::report_forbidden_profiles;
use crate::prelude::*;
use palisade_pss::{
    APPARMOR_ANNOTATION_PREFIX, apparmor_annotation_allowed, apparmor_type_allowed,
};

declare_check! {
    /// ## What it checks
    /// AppArmor profiles other than the runtime default or a node-local profile, as in the Pod
    /// Security Standards Baseline:
    ///
    /// * `securityContext.appArmorProfile.type` of the pod or of any container, init container or
    ///   ephemeral container that is set to anything but `RuntimeDefault` or `Localhost`
    ///   (typically `Unconfined`);
    /// * pod annotations `container.apparmor.security.beta.kubernetes.io/<container>` whose value
    ///   is not empty, `runtime/default` or `localhost/<profile>` (typically `unconfined`).
    ///
    /// ## Why it matters
    /// AppArmor confines what a container may do to files, mounts and kernel interfaces even when
    /// it runs as root. An unconfined container loses that layer, which blocks many known escape
    /// techniques.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   appArmorProfile:
    ///     type: Unconfined   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-013",
        name: "apparmor-unconfined",
        title: "AppArmor profile disabled or overridden",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "apparmor", "linux-hardening"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove the AppArmor override or set `appArmorProfile.type` to \
                      `RuntimeDefault` (or `Localhost` with a reviewed profile)",
        controls: &[
            pss("appArmorProfile"),
            cis("5.6.3"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            nist("CM-6"),
            nist("SC-39"),
            sp190("4.4.3"),
            sp190("4.5.2"),
            pci("2.2.1"),
            pci("2.2.6"),
            soc2("CC6.8"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    report_forbidden_profiles(
        ctx,
        res,
        &pod,
        "appArmorProfile",
        apparmor_type_allowed,
        "AppArmor",
    );
    let annotations = pod
        .metadata
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object);
    for (key, value) in annotations.into_iter().flatten() {
        let Some(container) = key.strip_prefix(APPARMOR_ANNOTATION_PREFIX) else {
            continue;
        };
        let value = value.as_str().unwrap_or("");
        if !apparmor_annotation_allowed(value) {
            ctx.report(
                res,
                &pod.pointer().key("metadata").key("annotations").key(key),
                format!("annotation sets AppArmor profile `{value}` for container `{container}`"),
            );
        }
    }
}
