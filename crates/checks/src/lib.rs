//! The built-in check catalog.
//!
//! One check is one small file: a [`declare_check!`](palisade_engine::declare_check) block with
//! its ID, name, title, severity, tags, remediation, framework controls and docs, a `run`
//! function, and fixtures under `fixtures/<ID>/{pass,fail}/`. Each area module lists its checks;
//! [`registry::all`] lists every area.

mod helpers;
mod prelude;
pub mod pss_rules;
pub mod registry;
mod runner;

mod control_plane;
mod images;
mod namespaces;
mod network;
mod pod;
mod pod_hardening;
mod rbac;
mod secrets;
mod workload;

pub use registry::{all, find};
pub use runner::{ResourceChecks, inventory_for, run_inventory_checks, run_resource_checks};
