//! PSR: Pod Security Standards (Restricted) controls and further pod hardening, checked on every
//! workload kind
use palisade_engine::Check;

mod allow_privilege_escalation;
mod capabilities_not_dropped;
mod net_raw_capability;
mod readonly_root_filesystem;
mod restricted_volume_types;
mod run_as_non_root;
mod run_as_user_root;
mod seccomp_not_set;

pub(crate) static CHECKS: &[&Check] = &[
    &allow_privilege_escalation::CHECK,
    &run_as_non_root::CHECK,
    &run_as_user_root::CHECK,
    &seccomp_not_set::CHECK,
    &capabilities_not_dropped::CHECK,
    &net_raw_capability::CHECK,
    &restricted_volume_types::CHECK,
    &readonly_root_filesystem::CHECK,
];

#[cfg(test)]
mod pss_conformance;
