//! Control plane and node configuration: kube-apiserver (API), kube-controller-manager and
//! kube-scheduler (CMS), etcd (ETCD), kubelet and kube-proxy (KLT).
//!
//! Flag checks read the command line of any container running the component — the static pod
//! manifests under `/etc/kubernetes/manifests`, their mirror pods, or a workload that hosts a
//! control plane — through one parser ([`flags`]). Configuration files with `apiVersion` and
//! `kind` (KubeletConfiguration, EncryptionConfiguration, audit Policy, …) are checked as
//! resources of their own.
use palisade_engine::Check;

mod api;
mod cms;
mod etcd;
pub(crate) mod flags;
mod kubelet;
mod rules;
mod tls;

pub(crate) static CHECKS: &[&Check] = &[
    &api::anonymous_auth::CHECK,
    &api::token_auth_file::CHECK,
    &api::deny_external_ips::CHECK,
    &api::kubelet_client_cert::CHECK,
    &api::kubelet_ca::CHECK,
    &api::authz_always_allow::CHECK,
    &api::authz_node::CHECK,
    &api::authz_rbac::CHECK,
    &api::always_admit::CHECK,
    &api::service_account_plugin::CHECK,
    &api::namespace_lifecycle::CHECK,
    &api::node_restriction::CHECK,
    &api::profiling::CHECK,
    &api::audit_log_path::CHECK,
    &api::audit_log_retention::CHECK,
    &api::sa_lookup::CHECK,
    &api::sa_key_file::CHECK,
    &api::etcd_client_tls::CHECK,
    &api::serving_tls::CHECK,
    &api::client_ca::CHECK,
    &api::encryption_config::CHECK,
    &api::encryption_providers::CHECK,
    &api::tls_ciphers::CHECK,
    &api::secure_port::CHECK,
    &api::legacy_insecure_flags::CHECK,
    &api::audit_policy::CHECK,
    &api::audit_policy_coverage::CHECK,
    &api::pod_security_admission::CHECK,
    &cms::cm_profiling::CHECK,
    &cms::cm_use_sa_credentials::CHECK,
    &cms::cm_sa_private_key::CHECK,
    &cms::cm_root_ca::CHECK,
    &cms::cm_rotate_kubelet_server_cert::CHECK,
    &cms::cm_bind_address::CHECK,
    &cms::scheduler_profiling::CHECK,
    &cms::scheduler_bind_address::CHECK,
    &etcd::client_tls::CHECK,
    &etcd::client_cert_auth::CHECK,
    &etcd::auto_tls::CHECK,
    &etcd::peer_tls::CHECK,
    &etcd::peer_client_cert_auth::CHECK,
    &etcd::peer_auto_tls::CHECK,
    &kubelet::anonymous_auth::CHECK,
    &kubelet::authz_always_allow::CHECK,
    &kubelet::client_ca::CHECK,
    &kubelet::read_only_port::CHECK,
    &kubelet::streaming_idle_timeout::CHECK,
    &kubelet::iptables_util_chains::CHECK,
    &kubelet::serving_tls::CHECK,
    &kubelet::cert_rotation::CHECK,
    &kubelet::tls_ciphers::CHECK,
    &kubelet::pod_pids_limit::CHECK,
    &kubelet::seccomp_default::CHECK,
    &kubelet::kube_proxy_metrics_bind::CHECK,
];
