//! POD: Pod Security Standards (Baseline) controls, checked on every workload kind
use palisade_engine::Check;

mod privileged_container;

pub(crate) static CHECKS: &[&Check] = &[&privileged_container::CHECK];
