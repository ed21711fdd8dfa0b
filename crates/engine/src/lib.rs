//! The evaluation core every policy dialect and built-in check plugs into.
//!
//! - [`Finding`]: the one result type every output renders
//! - [`Severity`], [`Framework`], [`Control`]: how bad, and what compliance control it evidences
//! - [`CheckMeta`], [`Check`], [`CheckCtx`], [`declare_check!`]: one built-in check = one file
//! - [`Inventory`]: what cross-resource checks see of the whole scan
//! - [`Selector`], [`Config`]: ruff-style `--select`/`--ignore`, `.palisade.yaml`, suppressions
//!
//! No I/O here: callers load files and pass resources in.

mod check;
mod config;
mod finding;
mod framework;
mod inventory;
mod rule;
mod selector;
mod severity;

pub use check::{Check, CheckCtx, CheckFn, CheckMeta};
pub use config::{
    CheckOverride, Config, ConfigError, Excludes, IGNORE_ANNOTATION_PREFIX,
    apply_annotation_suppression,
};
pub use finding::{Finding, Suppression};
pub use framework::{Control, Framework};
pub use inventory::{Inventory, WorkloadSummary, selector_matches};
pub use rule::RuleInfo;
pub use selector::{Selector, SelectorError};
pub use severity::{Severity, SeverityParseError};
