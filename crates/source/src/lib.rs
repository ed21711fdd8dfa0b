//! Source files, positions and the span-keeping YAML/JSON loader.
//!
//! Every document loaded here keeps where it came from: its file, and for every node the
//! line and column where it starts, so any finding can point at the exact line (or the nearest
//! existing ancestor when the field it talks about is missing).
//!
//! Bad input is data, not an error: [`load_str`] always returns the documents it could read plus a
//! list of [`Diagnostic`]s for what it could not, so one malformed document never stops a run.

mod block;
mod diagnostic;
mod json;
mod loader;
mod pointer;
mod positions;

pub use diagnostic::{Diagnostic, DiagnosticSeverity};
pub use loader::{
    DocumentText, LoadLimits, LoadedDocument, load_bytes, load_document, load_str, no_documents,
    read_source, split_documents, split_list_items,
};
pub use pointer::JsonPointer;
pub use positions::{Position, Positions};

use std::sync::{Arc, OnceLock};

/// A file (or stdin, or rendered kustomize output) that documents were loaded from
#[derive(Debug)]
pub struct SourceFile {
    /// Path as the user gave it (or `<stdin>`), used in every message
    pub name: String,
    /// Full text; kept so renderers can show the offending line
    pub text: String,
    /// Byte offset where each line starts, built on the first `line_text` call: renderers look
    /// up a line per finding, and a scan from the top each time is quadratic in the file size
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Wrap a file's text
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        })
    }

    /// The text of 1-based line `line`, without its line break (`\n` or `\r\n`)
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(at, _)| at + 1))
                .filter(|start| *start < self.text.len())
                .collect()
        });
        let start = *starts.get(index)?;
        let end = starts.get(index + 1).copied().unwrap_or(self.text.len());
        let line = self.text.get(start..end)?;
        Some(match line.strip_suffix('\n') {
            Some(line) => line.strip_suffix('\r').unwrap_or(line),
            None => line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    #[test]
    fn line_text_agrees_with_str_lines() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\nc\n",
            "x\ry\n",
            "end\r",
            "é\n€",
        ] {
            let file = SourceFile::new("t", text);
            let expected: Vec<&str> = text.lines().collect();
            let got: Vec<&str> = (1..=u32::try_from(expected.len()).unwrap_or(0))
                .filter_map(|n| file.line_text(n))
                .collect();
            assert_eq!(got, expected, "{text:?}");
            let past_end = u32::try_from(expected.len() + 1).unwrap_or(u32::MAX);
            assert_eq!(file.line_text(past_end), None, "{text:?}");
            assert_eq!(file.line_text(0), None);
        }
    }
}
