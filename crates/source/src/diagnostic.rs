use crate::Position;
use std::fmt;

/// How bad a load problem is
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagnosticSeverity {
    /// Input was read, but something about it is suspicious (e.g. a duplicate key)
    Warning,
    /// Input (or part of it) could not be used
    Error,
}

/// A problem with the user's input: malformed YAML, a document that is not a Kubernetes object,
/// a bad policy. Always carries the file and, when known, the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable machine-readable code, e.g. `yaml-syntax`
    pub code: &'static str,
    /// Error or warning
    pub severity: DiagnosticSeverity,
    /// Lowercase message, user values in backticks
    pub message: String,
    /// File as the user named it
    pub file: String,
    /// Where in the file, when known
    pub position: Option<Position>,
    /// Advice on what was expected
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a position
    pub fn error(
        code: &'static str,
        file: &str,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            severity: DiagnosticSeverity::Error,
            message: message.into(),
            file: file.to_owned(),
            position,
            help: None,
        }
    }

    /// A warning at a position
    pub fn warning(
        code: &'static str,
        file: &str,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: DiagnosticSeverity::Warning,
            ..Self::error(code, file, position, message)
        }
    }

    /// Attach advice
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors (which make the run exit 2)
    pub fn is_error(&self) -> bool {
        self.severity == DiagnosticSeverity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            DiagnosticSeverity::Warning => "warning",
            DiagnosticSeverity::Error => "error",
        };
        write!(f, "{level}[{}]: {}", self.code, self.message)?;
        match self.position {
            Some(p) => write!(f, "\n  --> {}:{}:{}", self.file, p.line, p.column)?,
            None => write!(f, "\n  --> {}", self.file)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}
