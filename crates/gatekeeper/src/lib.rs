//! OPA Gatekeeper compatibility: ConstraintTemplates, Constraints and gator verify suites,
//! decided as Gatekeeper decides them, offline.
//!
//! - [`ConstraintTemplate`], [`Constraint`]: loading, parameter schema check and defaulting
//! - [`Match`]: `spec.match` with Gatekeeper's semantics
//! - [`Review`], [`Inventory`]: `input.review` and `data.inventory` as Gatekeeper builds them
//! - [`PolicySet`], [`Session`]: compile templates once, review objects, get [`Decision`]s
//! - [`compile_template`], [`EngineChoice`], [`CelBackend`]: engine selection; Rego is built in
//!   (regorus, Rego v0 and v1); CEL (`K8sNativeValidation`) plugs in through [`CelBackend`], and
//!   [`CelEngine`] is the one on the shared CEL layer (palisade-cel), with the k8scel driver's
//!   conventions
//! - [`run_suite`]: gator verify `Suite` files
//! - [`mutation`]: the mutation CRDs (Assign, AssignMetadata, ModifySet, AssignImage) and
//!   [`MutationSystem`], which applies them in Gatekeeper's order until the object converges
//! - [`rewrite`], [`negation`]: the two source passes that make regorus read Rego as OPA does
//!   (legacy multi-body rules; operands of negated expressions evaluated before the `not`)
//! - `input_reads`: which parts of `input.review` a template's Rego can read, so only those
//!   are converted for it
//!
//! No printing here: the CLI renders what these functions return.

mod cel_backend;
mod engine;
mod error;
mod input_reads;
mod matching;
pub mod mutation;
pub mod negation;
mod rego;
mod review;
pub mod rewrite;
mod schema;
mod suite;
mod template;

pub use cel_backend::{CelCompileError, CelEngine, CelTemplate, FailurePolicy};
pub use engine::{
    Backend, CEL_UNAVAILABLE, CelBackend, CompiledTemplate, Decision, EngineChoice, EngineKind,
    EngineOptions, Evaluator, NO_CEL_CODE, NO_REGO_CODE, Outcome, PolicySet, RawViolation, Session,
    Violation, compile_template,
};
pub use error::GatekeeperError;
pub use matching::{LabelSelector, Match, MatchError, Source, Target, wildcard_matches};
pub use mutation::{MutationError, MutationSystem, Mutator};
pub use rego::RegoTemplate;
pub use review::{Inventory, Review, SentRequest};
pub use schema::{apply_defaults, validate as validate_parameters};
pub use suite::{
    CaseReport, RunFilter, SUITE_GROUP, Status, SuiteError, SuiteOptions, SuiteReport,
    read_documents, run_suite,
};
pub use template::{
    ADMISSION_TARGET, CONSTRAINT_GROUP, Constraint, ConstraintTemplate, ENGINE_CEL, ENGINE_REGO,
    EnforcementAction, RegoSource, RegoVersion, TEMPLATE_GROUP, enforcement_points,
};
