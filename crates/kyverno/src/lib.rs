//! Kyverno-compatible policy engine.
//!
//! Runs `kyverno.io/v1` ClusterPolicy / Policy resources unchanged, with Kyverno's semantics:
//! match/exclude, validate (`pattern`, `anyPattern`, `deny`, `foreach`, `podSecurity`), mutate
//! (`patchStrategicMerge`, `patchesJson6902`, `foreach`), generate (`data`, `clone`,
//! `cloneList`), preconditions, context entries, `{{ }}` variables over Kyverno's JMESPath
//! dialect and custom functions, and autogen for pod controllers. [`testsuite`] runs
//! `kyverno-test.yaml` suites with `kyverno test`'s comparison rules.
//!
//! Everything works offline: context entries that need a cluster (`apiCall`, `configMap`,
//! `imageRegistry`, `globalReference`) are answered from provided data or, as the Kyverno CLI
//! does, from values files. Kyverno's CEL libraries (`resource.Get`, `image()`, …) are host
//! functions of the shared CEL environment answered from the test's `context` data;
//! `validate.cel` params and `mutate.targets` (mutate existing) select from provided
//! resources ([`engine::Admission`]).

pub mod anchor;
pub mod autogen;
pub mod cel;
pub mod conditions;
pub mod context;
pub mod contextload;
pub mod duration;
pub mod engine;
pub mod generate;
pub mod images;
pub mod jmespath;
pub mod jsonpatch;
pub mod matching;
pub mod pattern;
pub mod policy;
pub mod pss;
pub mod quantity;
pub mod rbac;
pub mod semver;
pub mod strategic;
pub mod testsuite;
pub mod validate;
pub mod value;
pub mod variables;
pub mod wildcard;
pub mod yaml;

pub use engine::{
    Admission, EngineResponse, RuleResponse, RuleStatus, RuleType, apply_policies, generate,
    mutate, reads_request_fields, validate as validate_resource,
};
pub use policy::{FailureAction, Policy, validate_policy};
