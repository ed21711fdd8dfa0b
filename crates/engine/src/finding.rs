use crate::{Control, Severity};
use palisade_model::ResourceRef;
use palisade_source::{Position, SourceFile};
use std::borrow::Cow;
use std::sync::Arc;

/// Why a finding is not counted against the run
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    /// `ignore.palisade.dev/<ID>: <reason>` on the resource
    Annotation {
        /// The reason given in the annotation value
        reason: String,
    },
    /// A path or namespace exclude in `.palisade.yaml`
    Config {
        /// Which exclude matched
        reason: String,
    },
}

impl Suppression {
    /// The reason, for display
    pub fn reason(&self) -> &str {
        match self {
            Self::Annotation { reason } | Self::Config { reason } => reason,
        }
    }
}

/// One result: a rule that a resource violates, and exactly where. Every output format renders
/// this type and never recomputes anything.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Stable rule ID (`POD-001`, `PSS-privileged`, …)
    pub rule_id: Cow<'static, str>,
    /// Human slug of the rule (`privileged-container`)
    pub rule_name: Cow<'static, str>,
    /// Severity after config overrides
    pub severity: Severity,
    /// What is wrong, about this resource specifically
    pub message: String,
    /// The resource (shared by all findings about it)
    pub resource: Arc<ResourceRef>,
    /// The file it was loaded from
    pub file: Arc<SourceFile>,
    /// The line and column of the offending field (or its nearest existing ancestor)
    pub position: Position,
    /// JSON pointer to the offending field
    pub pointer: String,
    /// How to fix it
    pub remediation: Cow<'static, str>,
    /// Compliance controls this finding is evidence against
    pub controls: &'static [Control],
    /// Tags of the rule (area, engine)
    pub tags: &'static [&'static str],
    /// Set when the finding is suppressed; suppressed findings are shown and counted, not dropped
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// True when not suppressed
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none()
    }

    /// Ordering used by every renderer: file, line, column, rule
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (
            &self.file.name,
            self.position.line,
            self.position.column,
            &self.rule_id,
        )
    }
}
