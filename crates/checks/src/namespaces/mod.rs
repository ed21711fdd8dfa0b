//! NS: namespaces, multi-tenancy and admission
use palisade_engine::Check;

mod common;
mod default_namespace_used;
mod kube_system_user_workloads;
mod psa_not_enforced;
mod psa_privileged_namespace;

pub(crate) static CHECKS: &[&Check] = &[
    &default_namespace_used::CHECK,
    &kube_system_user_workloads::CHECK,
    &psa_not_enforced::CHECK,
    &psa_privileged_namespace::CHECK,
];
