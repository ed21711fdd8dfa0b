//! Source files, positions and the span-keeping YAML/JSON loader.
//!
//! Every document loaded here keeps where it came from: its file, and for every node the
//! line and column where it starts, so any finding can point at the exact line (or the nearest
//! existing ancestor when the field it talks about is missing).
//!
//! Bad input is data, not an error: [`load_str`] always returns the documents it could read plus a
//! list of [`Diagnostic`]s for what it could not, so one malformed document never stops a run.

mod diagnostic;
mod loader;
mod pointer;
mod positions;

pub use diagnostic::{Diagnostic, DiagnosticSeverity};
pub use loader::{
    DocumentText, LoadLimits, LoadedDocument, load_bytes, load_document, load_str, no_documents,
    read_source, split_documents,
};
pub use pointer::{JsonPointer, Segment};
pub use positions::{Position, Positions};

use std::sync::Arc;

/// A file (or stdin, or rendered kustomize output) that documents were loaded from
#[derive(Debug)]
pub struct SourceFile {
    /// Path as the user gave it (or `<stdin>`), used in every message
    pub name: String,
    /// Full text; kept so renderers can show the offending line
    pub text: String,
}

impl SourceFile {
    /// Wrap a file's text
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: text.into(),
        })
    }

    /// The text of 1-based line `line`, without its line break
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.text.lines().nth(index)
    }
}
