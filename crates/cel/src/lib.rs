//! CEL for Kubernetes admission policies: one evaluation layer shared by
//! ValidatingAdmissionPolicy, MutatingAdmissionPolicy, Gatekeeper's K8sNativeValidation and
//! Kyverno's CEL rules.
//!
//! * [`CelEnv::kubernetes`]: the CEL standard library plus the Kubernetes libraries (URLs,
//!   regex, lists, strings, quantity, IP/CIDR, format, semver, sets, two-variable
//!   comprehensions, lists v3, authorizer, `jsonpatch.escapeKey`).
//! * [`CelEnv::compile`] → [`Program`]: compile once (parse, macro expansion, declaration checks,
//!   rewrites), evaluate many times on any thread.
//! * [`Activation`]: the inputs of one evaluation. Documents are viewed in place (no
//!   conversion of whole objects); composited variables are lazy and memoized.
//! * Expressions made of field reads, `has()`, logic, comparisons, `in`, `size()`, string tests
//!   and `all`/`exists`/`exists_one` are also compiled for a direct evaluator over the JSON
//!   documents (`fast`), about ten times cheaper; it answers only where the `cel` crate would
//!   answer the same, and debug builds check every answer against it.
//! * Every evaluation runs under a cost budget and a deadline ([`Limits`]), so a hostile
//!   expression fails instead of hanging the process.
//! * Errors are values ([`EvalError`]); what they mean is the caller's failure policy.
//! * [`CelEnv::with_functions`]: a dependent crate adds its own functions ([`HostFunctions`],
//!   JSON in and out), answered from data it binds per activation
//!   ([`Activation::bind_host_data`]).
//!
//! Semantics kept from cel-go that the `cel` crate alone does not give: `has()` on null or a
//! non-map is false (field access on null is an error); `==` compares documents and literals
//! deeply; comprehension ranges are charged to the budget.

mod activation;
mod budget;
mod fast;
mod host;
mod json;
pub mod k8s;
mod program;
mod rewrite;
mod util;

pub use activation::{Activation, EvalError, EvalErrorKind, Variable};
pub use budget::Limits;
pub use host::{HostCall, HostFn, HostFunctions};
pub use json::{ToJsonError, deep_equal, json_to_owned, json_val, val_to_json};
pub use k8s::authz::{Authorizer, AuthorizerConfig, AuthzConfigError, AuthzRule, RequestResource};
pub use program::{CelEnv, CompileError, EnvError, Program, expression_position};
pub use rewrite::Declarations;

#[cfg(test)]
mod tests;
