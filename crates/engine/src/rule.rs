use crate::{CheckMeta, Control, Severity};
use std::borrow::Cow;

/// Description of a rule that took part in a run (a built-in check, a PSS control, later a
/// policy rule of another dialect). Renderers list these (SARIF `rules[]`), and compliance
/// scoring uses them to tell "passing" from "not covered".
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// Stable ID
    pub id: Cow<'static, str>,
    /// kebab-case name
    pub name: Cow<'static, str>,
    /// One-line title
    pub title: Cow<'static, str>,
    /// Default severity (after config overrides)
    pub severity: Severity,
    /// Markdown docs
    pub doc: Cow<'static, str>,
    /// How to fix
    pub remediation: Cow<'static, str>,
    /// Tags
    pub tags: &'static [&'static str],
    /// Controls it evidences
    pub controls: &'static [Control],
}

impl From<&'static CheckMeta> for RuleInfo {
    fn from(m: &'static CheckMeta) -> Self {
        Self {
            id: Cow::Borrowed(m.id),
            name: Cow::Borrowed(m.name),
            title: Cow::Borrowed(m.title),
            severity: m.severity,
            doc: Cow::Borrowed(m.doc),
            remediation: Cow::Borrowed(m.remediation),
            tags: m.tags,
            controls: m.controls,
        }
    }
}
