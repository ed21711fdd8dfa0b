//! RBAC: roles, bindings and service-account identity
use palisade_engine::Check;

mod graph;

mod anonymous_binding;
mod authenticated_group_binding;
mod bind_escalate;
mod cluster_admin_binding;
mod csr_approve;
mod default_sa_used;
mod impersonate;
mod nodes_proxy;
mod pod_create;
mod pod_exec_attach;
mod pv_create;
mod sa_token_create;
mod secrets_read;
mod sensitive_configmap_write;
mod system_masters;
mod webhook_config_write;
mod wildcard_rbac;
mod workload_privileged_sa;

pub(crate) static CHECKS: &[&Check] = &[
    &cluster_admin_binding::CHECK,
    &wildcard_rbac::CHECK,
    &secrets_read::CHECK,
    &pod_create::CHECK,
    &pod_exec_attach::CHECK,
    &bind_escalate::CHECK,
    &impersonate::CHECK,
    &system_masters::CHECK,
    &pv_create::CHECK,
    &nodes_proxy::CHECK,
    &csr_approve::CHECK,
    &webhook_config_write::CHECK,
    &sa_token_create::CHECK,
    &anonymous_binding::CHECK,
    &authenticated_group_binding::CHECK,
    &sensitive_configmap_write::CHECK,
    &default_sa_used::CHECK,
    &workload_privileged_sa::CHECK,
];
