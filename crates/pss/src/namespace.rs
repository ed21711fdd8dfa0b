//! Namespace label semantics (upstream `api/helpers.go` `PolicyToEvaluate`).

use crate::level::LEVEL_EXPECTATION;
use crate::version::VERSION_EXPECTATION;
use crate::{Level, Version};
use std::fmt;

/// `pod-security.kubernetes.io/enforce`
pub const ENFORCE_LEVEL_LABEL: &str = "pod-security.kubernetes.io/enforce";
/// `pod-security.kubernetes.io/enforce-version`
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
/// `pod-security.kubernetes.io/audit`
pub const AUDIT_LEVEL_LABEL: &str = "pod-security.kubernetes.io/audit";
/// `pod-security.kubernetes.io/audit-version`
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
/// `pod-security.kubernetes.io/warn`
pub const WARN_LEVEL_LABEL: &str = "pod-security.kubernetes.io/warn";
/// `pod-security.kubernetes.io/warn-version`
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// A level at a policy version, e.g. `restricted:v1.30`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level
    pub level: Level,
    /// The policy version
    pub version: Version,
}

impl LevelVersion {
    /// `privileged:latest`, the default for every mode
    pub const PRIVILEGED: Self = Self {
        level: Level::Privileged,
        version: Version::Latest,
    };

    /// Construct one
    pub fn new(level: Level, version: Version) -> Self {
        Self { level, version }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// What a namespace's pods are held to, per admission mode
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamespacePolicy {
    /// Violations reject the pod
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit log
    pub audit: LevelVersion,
    /// Violations are returned as warnings
    pub warn: LevelVersion,
}

impl NamespacePolicy {
    /// True when no mode checks anything
    pub fn fully_privileged(&self) -> bool {
        [self.enforce, self.audit, self.warn]
            .iter()
            .all(|lv| lv.level == Level::Privileged)
    }
}

/// Cluster defaults for namespaces without labels (the admission configuration's `defaults`)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Defaults {
    /// Default enforce level and version
    pub enforce: LevelVersion,
    /// Default audit level and version
    pub audit: LevelVersion,
    /// Default warn level and version
    pub warn: LevelVersion,
}

impl Default for Defaults {
    /// `privileged:latest` for every mode, as in upstream's default configuration
    fn default() -> Self {
        Self {
            enforce: LevelVersion::PRIVILEGED,
            audit: LevelVersion::PRIVILEGED,
            warn: LevelVersion::PRIVILEGED,
        }
    }
}

/// Resolve a namespace's labels to its policy.
///
/// A usable policy is always returned, with one message per invalid label:
/// an invalid `enforce` level fails closed (`restricted`), an invalid `audit`/`warn` level fails
/// open (`privileged`), an invalid version means `latest`. When `enforce` is set (validly) and
/// `warn` is not, warn follows enforce if enforce is stricter, so users see what will be
/// rejected (`warn-version` follows too unless set).
pub fn namespace_policy<'a>(
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
    defaults: &Defaults,
) -> (NamespacePolicy, Vec<String>) {
    let mut found: [Option<&str>; 6] = [None; 6];
    let keys = [
        ENFORCE_LEVEL_LABEL,
        ENFORCE_VERSION_LABEL,
        AUDIT_LEVEL_LABEL,
        AUDIT_VERSION_LABEL,
        WARN_LEVEL_LABEL,
        WARN_VERSION_LABEL,
    ];
    for (key, value) in labels {
        if let Some(i) = keys.iter().position(|k| *k == key) {
            found[i] = Some(value);
        }
    }
    let [
        enforce_level,
        enforce_version,
        audit_level,
        audit_version,
        warn_level,
        warn_version,
    ] = found;

    let mut policy = NamespacePolicy {
        enforce: defaults.enforce,
        audit: defaults.audit,
        warn: defaults.warn,
    };
    // Upstream parses (and reports) in this order: enforce, enforce-version, audit, ... .
    let mut errors = Vec::new();
    if let Some(l) = parse_level(
        ENFORCE_LEVEL_LABEL,
        enforce_level,
        Level::Restricted,
        &mut errors,
    ) {
        policy.enforce.level = l;
    }
    if let Some(v) = parse_version(ENFORCE_VERSION_LABEL, enforce_version, &mut errors) {
        policy.enforce.version = v;
    }
    if let Some(l) = parse_level(
        AUDIT_LEVEL_LABEL,
        audit_level,
        Level::Privileged,
        &mut errors,
    ) {
        policy.audit.level = l;
    }
    if let Some(v) = parse_version(AUDIT_VERSION_LABEL, audit_version, &mut errors) {
        policy.audit.version = v;
    }
    if let Some(l) = parse_level(WARN_LEVEL_LABEL, warn_level, Level::Privileged, &mut errors) {
        policy.warn.level = l;
    }
    if let Some(v) = parse_version(WARN_VERSION_LABEL, warn_version, &mut errors) {
        policy.warn.version = v;
    }

    let enforce_valid = enforce_level.is_some_and(|l| l.parse::<Level>().is_ok());
    if warn_level.is_none() && enforce_valid && policy.enforce.level > policy.warn.level {
        policy.warn.level = policy.enforce.level;
        if warn_version.is_none() {
            policy.warn.version = policy.enforce.version;
        }
    }
    (policy, errors)
}

/// A level label, or `fallback` (with an error) when it is invalid
fn parse_level(
    label: &str,
    value: Option<&str>,
    fallback: Level,
    errors: &mut Vec<String>,
) -> Option<Level> {
    let value = value?;
    Some(value.parse().unwrap_or_else(|_| {
        errors.push(invalid(label, value, LEVEL_EXPECTATION));
        fallback
    }))
}

/// A version label, or `latest` (with an error) when it is invalid
fn parse_version(label: &str, value: Option<&str>, errors: &mut Vec<String>) -> Option<Version> {
    let value = value?;
    Some(value.parse().unwrap_or_else(|_| {
        errors.push(invalid(label, value, VERSION_EXPECTATION));
        Version::Latest
    }))
}

/// Upstream's `field.Invalid` rendering
fn invalid(label: &str, value: &str, expectation: &str) -> String {
    format!(
        "metadata.labels[{label}]: Invalid value: {}: {expectation}",
        crate::text::go_quote(value)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(pairs: &[(&str, &str)]) -> (NamespacePolicy, Vec<String>) {
        let labels: Vec<(String, &str)> = pairs
            .iter()
            .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), *v))
            .chain([("other-label".to_owned(), "foo-bar")])
            .collect();
        namespace_policy(
            labels.iter().map(|(k, v)| (k.as_str(), *v)),
            &Defaults::default(),
        )
    }

    fn lv(level: Level, version: Version) -> LevelVersion {
        LevelVersion::new(level, version)
    }

    const P: LevelVersion = LevelVersion::PRIVILEGED;

    #[test]
    fn follows_upstream_cases() {
        use Level::*;
        use Version::*;
        type Case = (
            &'static [(&'static str, &'static str)],
            NamespacePolicy,
            bool,
        );
        let cases: Vec<Case> = vec![
            (
                &[("enforce", "baseline")],
                NamespacePolicy {
                    enforce: lv(Baseline, Latest),
                    warn: lv(Baseline, Latest),
                    audit: P,
                },
                false,
            ),
            (
                &[("warn", "restricted")],
                NamespacePolicy {
                    enforce: P,
                    warn: lv(Restricted, Latest),
                    audit: P,
                },
                false,
            ),
            (
                &[("audit", "baseline")],
                NamespacePolicy {
                    enforce: P,
                    warn: P,
                    audit: lv(Baseline, Latest),
                },
                false,
            ),
            (
                &[("enforce", "baseline"), ("warn", "restricted")],
                NamespacePolicy {
                    enforce: lv(Baseline, Latest),
                    warn: lv(Restricted, Latest),
                    audit: P,
                },
                false,
            ),
            (
                &[("enforce", "baseline"), ("enforce-version", "v1.22")],
                NamespacePolicy {
                    enforce: lv(Baseline, V1(22)),
                    warn: lv(Baseline, V1(22)),
                    audit: P,
                },
                false,
            ),
            (
                &[
                    ("enforce", "baseline"),
                    ("enforce-version", "v1.22"),
                    ("warn-version", "latest"),
                ],
                NamespacePolicy {
                    enforce: lv(Baseline, V1(22)),
                    warn: lv(Baseline, Latest),
                    audit: P,
                },
                false,
            ),
            (
                &[("enforce", "baseline"), ("warn-version", "v1.23")],
                NamespacePolicy {
                    enforce: lv(Baseline, Latest),
                    warn: lv(Baseline, V1(23)),
                    audit: P,
                },
                false,
            ),
            (
                &[
                    ("enforce", "baseline"),
                    ("enforce-version", "v1.20"),
                    ("warn", "restricted"),
                    ("warn-version", "v1.21"),
                    ("audit", "restricted"),
                    ("audit-version", "v1.22"),
                ],
                NamespacePolicy {
                    enforce: lv(Baseline, V1(20)),
                    warn: lv(Restricted, V1(21)),
                    audit: lv(Restricted, V1(22)),
                },
                false,
            ),
            (
                &[("enforce", "baseline"), ("warn", "privileged")],
                NamespacePolicy {
                    enforce: lv(Baseline, Latest),
                    warn: P,
                    audit: P,
                },
                false,
            ),
            (
                &[("enforce", "baseline"), ("warn", "foo")],
                NamespacePolicy {
                    enforce: lv(Baseline, Latest),
                    warn: P,
                    audit: P,
                },
                true,
            ),
            (
                &[("enforce", "foo")],
                NamespacePolicy {
                    enforce: lv(Restricted, Latest),
                    warn: P,
                    audit: P,
                },
                true,
            ),
        ];
        for (labels, want, want_err) in cases {
            let (got, errs) = resolve(labels);
            assert_eq!(got, want, "{labels:?}");
            assert_eq!(!errs.is_empty(), want_err, "{labels:?}: {errs:?}");
        }
    }

    #[test]
    fn invalid_versions_mean_latest_with_messages() {
        let (got, errs) = resolve(&[
            ("audit", "Restricted"),
            ("enforce-version", "v1.05"),
            ("enforce", "baseline"),
        ]);
        assert_eq!(got.enforce, lv(Level::Baseline, Version::Latest));
        assert_eq!(got.audit, P);
        assert_eq!(
            errs,
            [
                r#"metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.05": must be "latest" or "v1.x""#,
                r#"metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "Restricted": must be one of privileged, baseline, restricted"#,
            ]
        );
    }

    #[test]
    fn defaults_apply_without_labels() {
        let defaults = Defaults {
            enforce: lv(Level::Baseline, Version::V1(30)),
            ..Defaults::default()
        };
        let (got, errs) = namespace_policy([("team", "a")], &defaults);
        assert!(errs.is_empty());
        assert_eq!(got.enforce, defaults.enforce);
        assert_eq!(
            got.warn, P,
            "warn follows enforce only when enforce is labelled"
        );
        assert!(!got.fully_privileged());
        assert_eq!(got.enforce.to_string(), "baseline:v1.30");
    }
}
