//! Typed errors of the mutation layer: a malformed mutator (named, with what was expected), a
//! feature that cannot run offline, and a mutation that fails or does not converge on an object.

/// What went wrong while loading mutators or mutating an object
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MutationError {
    /// The mutator document is malformed; Gatekeeper's webhook would reject it
    #[error("invalid {kind} `{name}`: {reason}")]
    Invalid {
        /// `Assign`, `AssignMetadata`, `ModifySet` or `AssignImage`
        kind: String,
        /// `metadata.name` (or `<unnamed>`)
        name: String,
        /// What was expected
        reason: String,
    },
    /// The mutator uses something that needs a live cluster (external data providers)
    #[error("{kind} `{name}`: {what} is not supported offline; the mutator is not applied")]
    Unsupported {
        /// The mutator's kind
        kind: String,
        /// `metadata.name`
        name: String,
        /// The unsupported field
        what: String,
    },
    /// `spec.match` could not be evaluated (a `namespaceSelector` on an object whose
    /// Namespace was not given)
    #[error("{mutator} cannot match {resource}: {reason}")]
    Match {
        /// `Kind/name` of the mutator
        mutator: String,
        /// The object being mutated
        resource: String,
        /// Why
        reason: String,
    },
    /// Applying the mutator failed (e.g. the location crosses a value of another type)
    #[error("{mutator} failed on {resource}: {reason}")]
    Failed {
        /// `Kind/name` of the mutator
        mutator: String,
        /// The object being mutated
        resource: String,
        /// Why
        reason: String,
    },
    /// Every pass changed the object again, up to Gatekeeper's bound on passes
    #[error("mutation of {resource} does not converge after {iterations} passes")]
    NotConverging {
        /// The object being mutated
        resource: String,
        /// Passes run (mutators + 1)
        iterations: usize,
    },
    /// The mutators undid each other: the object came back to its original form
    #[error("mutation of {resource} oscillates: the mutators undo each other's changes")]
    Oscillating {
        /// The object being mutated
        resource: String,
    },
}
