use crate::{Finding, Severity, Suppression};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Annotation prefix for suppressions: `ignore.palisade.dev/<CHECK-ID>: "<reason>"`
pub const IGNORE_ANNOTATION_PREFIX: &str = "ignore.palisade.dev/";

/// Per-check settings in `.palisade.yaml`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOverride {
    /// `false` turns the check off
    pub enabled: Option<bool>,
    /// Replaces the default severity
    pub severity: Option<Severity>,
}

/// Paths and namespaces whose findings are suppressed
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excludes {
    /// Glob patterns matched against file paths as given (`charts/**`, `**/test/*.yaml`)
    #[serde(default)]
    pub paths: Vec<String>,
    /// Namespaces, exact names
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// `.palisade.yaml`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Like `--select`
    #[serde(default)]
    pub select: Vec<String>,
    /// Like `--ignore`
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Per-check overrides, keyed by ID or name
    #[serde(default)]
    pub checks: BTreeMap<String, CheckOverride>,
    /// Excluded paths and namespaces
    #[serde(default)]
    pub exclude: Excludes,
    /// Like `--fail-on`
    pub fail_on: Option<Severity>,
    /// Like `--pss-level`
    pub pss_level: Option<String>,
    /// Like `--pss-version`
    pub pss_version: Option<String>,
    #[serde(skip)]
    path_globs: Option<GlobSet>,
}

/// A `.palisade.yaml` that cannot be used
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    /// Wrong shape
    #[error("invalid configuration: {0}")]
    Shape(String),
    /// Bad glob in `exclude.paths`
    #[error("invalid glob `{glob}` in `exclude.paths`: {message}")]
    Glob {
        /// The pattern
        glob: String,
        /// Why
        message: String,
    },
}

impl Config {
    /// Build from the parsed YAML document
    pub fn from_value(value: serde_json::Value) -> Result<Self, ConfigError> {
        let mut config: Self =
            serde_json::from_value(value).map_err(|e| ConfigError::Shape(e.to_string()))?;
        let mut builder = GlobSetBuilder::new();
        for glob in &config.exclude.paths {
            let g = Glob::new(glob).map_err(|e| ConfigError::Glob {
                glob: glob.clone(),
                message: e.kind().to_string(),
            })?;
            builder.add(g);
        }
        config.path_globs = Some(
            builder
                .build()
                .map_err(|e| ConfigError::Shape(e.to_string()))?,
        );
        Ok(config)
    }

    fn override_for(&self, id: &str, name: &str) -> Option<&CheckOverride> {
        self.checks
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(id) || k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The severity the config gives a rule, if it overrides the default
    pub fn severity_for(&self, id: &str, name: &str) -> Option<Severity> {
        self.override_for(id, name).and_then(|o| o.severity)
    }

    /// Is a check turned off by the config?
    pub fn disabled(&self, id: &str, name: &str) -> bool {
        self.override_for(id, name).and_then(|o| o.enabled) == Some(false)
    }

    /// Apply severity overrides and path/namespace excludes to a finding
    pub fn apply(&self, finding: &mut Finding) {
        if let Some(sev) = self.severity_for(&finding.rule_id, &finding.rule_name) {
            finding.severity = sev;
        }
        if finding.suppressed.is_some() {
            return;
        }
        if let Some(globs) = &self.path_globs {
            let path = finding.file.name.trim_start_matches("./");
            if globs.is_match(path) {
                finding.suppressed = Some(Suppression::Config {
                    reason: format!("path `{path}` is excluded in the configuration"),
                });
                return;
            }
        }
        if let Some(ns) = &finding.resource.namespace
            && self.exclude.namespaces.iter().any(|n| n == ns)
        {
            finding.suppressed = Some(Suppression::Config {
                reason: format!("namespace `{ns}` is excluded in the configuration"),
            });
        }
    }
}

/// Suppress a finding when its resource carries `ignore.palisade.dev/<ID or name>: <reason>`
pub fn apply_annotation_suppression(
    finding: &mut Finding,
    annotations: Option<&serde_json::Value>,
) {
    let Some(map) = annotations.and_then(serde_json::Value::as_object) else {
        return;
    };
    for (key, value) in map {
        let Some(target) = key.strip_prefix(IGNORE_ANNOTATION_PREFIX) else {
            continue;
        };
        if target.eq_ignore_ascii_case(&finding.rule_id)
            || target.eq_ignore_ascii_case(&finding.rule_name)
        {
            let reason = value.as_str().unwrap_or_default().trim();
            finding.suppressed = Some(Suppression::Annotation {
                reason: if reason.is_empty() {
                    "no reason given".to_owned()
                } else {
                    reason.to_owned()
                },
            });
            return;
        }
    }
}
