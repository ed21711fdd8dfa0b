//! CMS: kube-controller-manager and kube-scheduler flags

pub(super) mod cm_bind_address;
pub(super) mod cm_profiling;
pub(super) mod cm_root_ca;
pub(super) mod cm_rotate_kubelet_server_cert;
pub(super) mod cm_sa_private_key;
pub(super) mod cm_use_sa_credentials;
pub(super) mod scheduler_bind_address;
pub(super) mod scheduler_profiling;
