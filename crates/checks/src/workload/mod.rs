//! WKL: workload best practice — resources, reliability, hygiene
use palisade_engine::Check;

mod common;
mod cpu_limits_missing;
mod cpu_requests_missing;
mod deprecated_api;
mod duplicate_env;
mod legacy_tiller;
mod liveness_probe_missing;
mod memory_limits_missing;
mod memory_requests_missing;
mod missing_service_account;
mod naked_pod;
mod pdb_missing;
mod readiness_probe_missing;
mod selector_mismatch;

pub(crate) static CHECKS: &[&Check] = &[
    &cpu_requests_missing::CHECK,
    &cpu_limits_missing::CHECK,
    &memory_requests_missing::CHECK,
    &memory_limits_missing::CHECK,
    &liveness_probe_missing::CHECK,
    &readiness_probe_missing::CHECK,
    &naked_pod::CHECK,
    &pdb_missing::CHECK,
    &selector_mismatch::CHECK,
    &duplicate_env::CHECK,
    &deprecated_api::CHECK,
    &missing_service_account::CHECK,
    &legacy_tiller::CHECK,
];
