//! Pod Security Standards, evaluated with the exact semantics of Kubernetes Pod Security
//! Admission (`k8s.io/pod-security-admission`).
//!
//! [`evaluate`] runs the checks of a [`Level`] at a policy [`Version`] (v1.0 … v1.37, or
//! `latest`) against any workload's pod template and returns upstream's reasons and details,
//! word for word, plus pointers to the offending fields. Restricted includes every baseline
//! check except those a restricted check replaces at that version; versions newer than the
//! newest known policy evaluate as it. [`namespace_policy`] and [`Exemptions`] carry the
//! namespace-label and exemption rules an admission webhook needs.
//!
//! The checks read a one-pass view of the pod and allocate only when they fail; the list of
//! check revisions per (level, version) is built once.

mod checks;
mod exemptions;
mod level;
mod namespace;
mod pod;
mod registry;
mod text;
mod version;

pub use exemptions::Exemptions;
pub use level::{Level, ParseLevelError};
pub use namespace::{
    AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, Defaults, ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL,
    LevelVersion, NamespacePolicy, WARN_LEVEL_LABEL, WARN_VERSION_LABEL, namespace_policy,
};
pub use registry::{CheckInfo, checks};
pub use version::{NEWEST_MINOR, ParseVersionError, Version};

// The allow-lists of the newest policy, for tools that report the same controls their own way
// (one finding per field rather than upstream's aggregated message).

/// Capabilities Baseline lets a container add (the default set of container runtimes)
pub const BASELINE_CAPABILITIES: &[&str] = &checks::capabilities_baseline::ALLOWED;
/// Sysctls Baseline allows (older policy versions allow a prefix of this list)
pub const SAFE_SYSCTLS: &[&str] = &checks::sysctls::SAFE;
/// `seLinuxOptions.type` values Baseline allows, `""` included (since policy v1.31)
pub const SELINUX_TYPES: &[&str] = checks::se_linux_options::TYPES_1_31;
/// Volume sources Restricted allows
pub const RESTRICTED_VOLUME_TYPES: &[&str] = &checks::restricted_volumes::ALLOWED;
/// Key prefix of the deprecated per-container AppArmor annotations
pub const APPARMOR_ANNOTATION_PREFIX: &str = checks::app_armor_profile::ANNOTATION_PREFIX;

/// Is this `seccompProfile.type` allowed (when set)?
pub fn seccomp_type_allowed(profile_type: &str) -> bool {
    checks::seccomp_profile_baseline::valid_type(profile_type)
}

/// Is this `appArmorProfile.type` allowed (when set)?
pub fn apparmor_type_allowed(profile_type: &str) -> bool {
    checks::app_armor_profile::allowed_type(profile_type)
}

/// Is this value of a deprecated per-container AppArmor annotation allowed?
pub fn apparmor_annotation_allowed(value: &str) -> bool {
    checks::app_armor_profile::allowed_annotation(value)
}

use palisade_model::PodTemplate;
use palisade_source::JsonPointer;

/// One failed check
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Upstream check ID, e.g. `privileged` or `capabilities_restricted`
    pub check_id: &'static str,
    /// Level of the check (a baseline check can fail a restricted evaluation)
    pub level: Level,
    /// Upstream's short reason, e.g. `allowPrivilegeEscalation != false`
    pub reason: String,
    /// Upstream's detail, e.g. `container "app" must set securityContext.allowPrivilegeEscalation=false`
    pub detail: String,
    /// From the resource root to each offending field; a field that must be added is pointed
    /// at where it belongs (locating it falls back to its nearest existing ancestor)
    pub pointers: Vec<JsonPointer>,
}

/// Evaluate a pod (template) against a level at a policy version.
///
/// Violations come in upstream's order (baseline check IDs sorted, then restricted ones);
/// empty means allowed. `privileged` never has violations.
pub fn evaluate(template: &PodTemplate<'_>, level: Level, version: Version) -> Vec<Violation> {
    if level == Level::Privileged {
        return Vec::new();
    }
    PreparedPod::new(template).evaluate(level, version)
}

/// A pod read once, to evaluate at several levels (e.g. a namespace's enforce, audit and warn
/// policies) without reading it again
#[derive(Debug)]
pub struct PreparedPod<'a> {
    view: pod::PodView<'a>,
}

impl<'a> PreparedPod<'a> {
    /// Read the fields the checks need
    pub fn new(template: &PodTemplate<'a>) -> Self {
        Self {
            view: pod::PodView::new(template),
        }
    }

    /// Same as [`evaluate`]
    pub fn evaluate(&self, level: Level, version: Version) -> Vec<Violation> {
        let mut violations = Vec::new();
        for check in registry::plan(level, version) {
            if let Some(failure) = (check.run)(&self.view) {
                violations.push(Violation {
                    check_id: check.id,
                    level: check.level,
                    reason: failure.reason,
                    detail: failure.detail,
                    pointers: failure.pointers,
                });
            }
        }
        violations
    }
}

/// `reason1 (detail1), reason2 (detail2)`, upstream's aggregated forbidden detail
pub fn aggregate_reason(violations: &[Violation]) -> String {
    let mut out = String::new();
    for (i, v) in violations.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Upstream substitutes a placeholder for a check that fails without a reason.
        out.push_str(if v.reason.is_empty() {
            "unknown forbidden reason"
        } else {
            &v.reason
        });
        if !v.detail.is_empty() {
            out.push_str(" (");
            out.push_str(&v.detail);
            out.push(')');
        }
    }
    out
}

/// The enforce error: `violates PodSecurity "restricted:latest": ...`
pub fn deny_message(level: Level, version: Version, violations: &[Violation]) -> String {
    format!(
        "violates PodSecurity \"{}\": {}",
        LevelVersion::new(level, version),
        aggregate_reason(violations)
    )
}

/// The warning and audit annotation: `would violate PodSecurity "restricted:latest": ...`
pub fn warn_message(level: Level, version: Version, violations: &[Violation]) -> String {
    format!(
        "would violate PodSecurity \"{}\": {}",
        LevelVersion::new(level, version),
        aggregate_reason(violations)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(pod: &serde_json::Value, level: Level, version: Version) -> Vec<Violation> {
        let t = PodTemplate::of("Pod", pod).unwrap();
        evaluate(&t, level, version)
    }

    #[test]
    fn restricted_message_matches_upstream() {
        let pod = json!({"spec": {"containers": [{"name": "app", "image": "nginx"}]}});
        let v = eval(&pod, Level::Restricted, Version::Latest);
        assert_eq!(
            deny_message(Level::Restricted, Version::Latest, &v),
            r#"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        );
        assert!(eval(&pod, Level::Baseline, Version::Latest).is_empty());
        assert!(eval(&pod, Level::Privileged, Version::Latest).is_empty());
        let t = PodTemplate::of("Pod", &pod).unwrap();
        let prepared = PreparedPod::new(&t);
        assert_eq!(prepared.evaluate(Level::Restricted, Version::Latest), v);
        assert!(
            prepared
                .evaluate(Level::Baseline, Version::V1(0))
                .is_empty()
        );
        assert_eq!(v[0].level, Level::Restricted);
        assert_eq!(
            v[0].pointers[0].to_string(),
            "/spec/containers/0/securityContext/allowPrivilegeEscalation"
        );
    }

    #[test]
    fn works_on_templates_and_warns() {
        let deploy = json!({"spec": {"template": {"spec": {
            "hostNetwork": true,
            "containers": [{"name": "a", "securityContext": {"privileged": true}}],
        }}}});
        let t = PodTemplate::of("Deployment", &deploy).unwrap();
        let v = evaluate(&t, Level::Baseline, Version::V1(30));
        assert_eq!(
            warn_message(Level::Baseline, Version::V1(30), &v),
            r#"would violate PodSecurity "baseline:v1.30": host namespaces (hostNetwork), privileged (container "a" must not set securityContext.privileged=true)"#
        );
        assert_eq!(
            v[0].pointers[0].to_string(),
            "/spec/template/spec/hostNetwork"
        );
        assert_eq!(v[1].check_id, "privileged");
    }

    #[test]
    fn exported_allow_lists_are_allowed_by_the_newest_policy() {
        let containers: Vec<_> = SELINUX_TYPES
            .iter()
            .map(|t| {
                json!({"name": t, "securityContext": {
                    "seLinuxOptions": {"type": t},
                    "capabilities": {"add": BASELINE_CAPABILITIES},
                    "seccompProfile": {"type": "Localhost"},
                    "appArmorProfile": {"type": "RuntimeDefault"},
                }})
            })
            .collect();
        let sysctls: Vec<_> = SAFE_SYSCTLS.iter().map(|n| json!({"name": n})).collect();
        let volumes: Vec<_> = RESTRICTED_VOLUME_TYPES
            .iter()
            .map(|t| {
                json!({"name": t}).as_object().cloned().map(|mut v| {
                    v.insert((*t).to_owned(), json!({}));
                    v
                })
            })
            .collect();
        let annotation = format!("{APPARMOR_ANNOTATION_PREFIX}x");
        let pod = json!({
            "metadata": {"annotations": {annotation: "localhost/profile"}},
            "spec": {"securityContext": {"sysctls": sysctls}, "containers": containers, "volumes": volumes},
        });
        assert!(eval(&pod, Level::Baseline, Version::Latest).is_empty());
        let restricted = eval(&pod, Level::Restricted, Version::Latest);
        assert!(restricted.iter().all(|v| v.check_id != "restrictedVolumes"));
        assert!(seccomp_type_allowed("RuntimeDefault") && !seccomp_type_allowed("Unconfined"));
        assert!(apparmor_type_allowed("Localhost") && !apparmor_type_allowed("Unconfined"));
        assert!(apparmor_annotation_allowed("") && !apparmor_annotation_allowed("unconfined"));
    }

    #[test]
    fn aggregates_empty_details_and_reasons() {
        let v = Violation {
            check_id: "x",
            level: Level::Baseline,
            reason: String::new(),
            detail: String::new(),
            pointers: Vec::new(),
        };
        assert_eq!(
            aggregate_reason(&[v.clone(), v]),
            "unknown forbidden reason, unknown forbidden reason"
        );
    }
}
