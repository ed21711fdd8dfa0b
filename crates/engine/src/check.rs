use crate::{Control, Finding, Inventory, Severity};
use palisade_model::{Resource, ResourceRef};
use palisade_source::{JsonPointer, Position, SourceFile};
use std::borrow::Cow;
use std::sync::Arc;

/// Everything known about a built-in check except its logic. Docs come from the `///` comments
/// above the declaration (see [`declare_check!`](crate::declare_check)), so `palisade explain`,
/// generated docs and SARIF rule help all read the same text.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable ID, never reused: `AREA-NNN`
    pub id: &'static str,
    /// kebab-case name of the bad pattern
    pub name: &'static str,
    /// One-line title
    pub title: &'static str,
    /// Default severity
    pub severity: Severity,
    /// Area and topic tags usable in `--select`
    pub tags: &'static [&'static str],
    /// Kinds this check looks at (empty: every kind); lets the runner skip checks cheaply
    pub kinds: &'static [&'static str],
    /// How to fix a finding
    pub remediation: &'static str,
    /// Framework controls a finding is evidence against
    pub controls: &'static [Control],
    /// Markdown docs (from the doc comments)
    pub doc: &'static str,
    /// Source file of the check
    pub source: &'static str,
}

impl CheckMeta {
    /// True when the check looks at this kind
    pub fn applies_to(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// The logic of a check
#[derive(Debug, Clone, Copy)]
pub enum CheckFn {
    /// Looks at one resource at a time
    Resource(fn(&mut CheckCtx<'_>, &Resource)),
    /// Looks across all scanned resources (namespaces without NetworkPolicy, …)
    Inventory(fn(&mut CheckCtx<'_>, &Inventory)),
}

/// A built-in check: metadata plus logic
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Metadata
    pub meta: &'static CheckMeta,
    /// Logic
    pub run: CheckFn,
}

/// Where a check writes its findings
#[derive(Debug)]
pub struct CheckCtx<'a> {
    meta: &'static CheckMeta,
    out: &'a mut Vec<Finding>,
}

impl<'a> CheckCtx<'a> {
    /// A context for one check writing into `out`
    pub fn new(meta: &'static CheckMeta, out: &'a mut Vec<Finding>) -> Self {
        Self { meta, out }
    }

    /// Report a finding on a field of a resource
    pub fn report(
        &mut self,
        resource: &Resource,
        pointer: &JsonPointer,
        message: impl Into<String>,
    ) {
        let position = resource.locate(pointer);
        self.report_at(
            resource.reference(),
            &resource.file,
            position,
            pointer,
            message,
        );
    }

    /// Report a finding at an explicit place (for checks over summaries)
    pub fn report_at(
        &mut self,
        resource: impl Into<Arc<ResourceRef>>,
        file: &Arc<SourceFile>,
        position: Position,
        pointer: &JsonPointer,
        message: impl Into<String>,
    ) {
        self.out.push(Finding {
            rule_id: Cow::Borrowed(self.meta.id),
            rule_name: Cow::Borrowed(self.meta.name),
            severity: self.meta.severity,
            message: message.into(),
            resource: resource.into(),
            file: Arc::clone(file),
            position,
            pointer: pointer.as_str().to_owned(),
            remediation: Cow::Borrowed(self.meta.remediation),
            controls: self.meta.controls,
            tags: self.meta.tags,
            suppressed: None,
        });
    }
}

/// Declare a check's metadata with its docs taken from the `///` comments above it.
///
/// ```
/// use palisade_engine::{declare_check, Severity};
/// declare_check! {
///     /// ## What it checks
///     /// Something.
///     pub static META = CheckMeta {
///         id: "DOC-001", name: "doc-example", title: "An example",
///         severity: Severity::Low, tags: &["example"], kinds: &[],
///         remediation: "fix it", controls: &[],
///     };
/// }
/// assert!(META.doc.contains("What it checks"));
/// ```
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        pub static $name:ident = CheckMeta { $($field:ident : $value:expr),* $(,)? };
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::CheckMeta = $crate::CheckMeta {
            $($field: $value,)*
            doc: concat!($($doc, "\n"),*),
            source: file!(),
        };
    };
}
