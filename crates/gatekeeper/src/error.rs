//! Typed errors of the Gatekeeper layer.
//!
//! Problems with a policy or a test file are reported with these; a Rego *evaluation* error is
//! not one of them: as in Gatekeeper it becomes a violation carrying the error text.

/// What went wrong while loading templates, constraints, review objects or suites
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatekeeperError {
    /// A file could not be read or parsed
    #[error("cannot read `{path}`: {message}")]
    Read {
        /// File as the user named it
        path: String,
        /// Why
        message: String,
    },
    /// A document is not a valid ConstraintTemplate
    #[error("invalid ConstraintTemplate `{name}`: {reason}")]
    InvalidTemplate {
        /// `metadata.name` (or `<unnamed>`)
        name: String,
        /// Why
        reason: String,
    },
    /// The template's Rego does not parse or compile
    #[error("ConstraintTemplate `{name}`: rego does not compile: {message}")]
    RegoCompile {
        /// `metadata.name`
        name: String,
        /// Compiler message (file:line:col: message)
        message: String,
    },
    /// A document is not a valid Constraint
    #[error("invalid constraint `{name}`: {reason}")]
    InvalidConstraint {
        /// `metadata.name` (or `<unnamed>`)
        name: String,
        /// Why
        reason: String,
    },
    /// `spec.parameters` does not conform to the template's schema (gator's `ErrSchema`)
    #[error("constraint `{name}` does not match the parameter schema: {reason}")]
    Schema {
        /// `metadata.name`
        name: String,
        /// The first violation of the schema
        reason: String,
    },
    /// No loaded ConstraintTemplate generates this constraint kind
    #[error("constraint kind `{kind}` is not recognized: no ConstraintTemplate defines it")]
    UnknownConstraintKind {
        /// The constraint's kind
        kind: String,
    },
    /// An object under review cannot be turned into an admission request
    #[error("invalid review object: {0}")]
    InvalidReview(String),
    /// An object cannot be added to `data.inventory`
    #[error("cannot add to the inventory: {0}")]
    Inventory(String),
    /// A Suite file is malformed
    #[error("invalid suite: {0}")]
    InvalidSuite(String),
    /// The CEL environment could not be built
    #[error("CEL engine: {0}")]
    CelEnvironment(String),
}
