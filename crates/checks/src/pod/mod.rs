//! POD: Pod Security Standards (Baseline) controls, checked on every workload kind
use palisade_engine::Check;

pub(crate) mod common;

mod apparmor_unconfined;
mod capabilities_beyond_baseline;
mod container_runtime_socket;
mod dangerous_capabilities;
mod host_ipc;
mod host_network;
mod host_pid;
mod host_ports;
mod hostpath_volume;
mod hostpath_writable;
mod privileged_container;
mod proc_mount_unmasked;
mod seccomp_unconfined;
mod selinux_custom_options;
mod sensitive_host_mount;
mod unsafe_sysctls;
mod windows_hostprocess;

pub(crate) static CHECKS: &[&Check] = &[
    &privileged_container::CHECK,
    &host_pid::CHECK,
    &host_ipc::CHECK,
    &host_network::CHECK,
    &windows_hostprocess::CHECK,
    &hostpath_volume::CHECK,
    &hostpath_writable::CHECK,
    &sensitive_host_mount::CHECK,
    &container_runtime_socket::CHECK,
    &host_ports::CHECK,
    &capabilities_beyond_baseline::CHECK,
    &dangerous_capabilities::CHECK,
    &apparmor_unconfined::CHECK,
    &selinux_custom_options::CHECK,
    &proc_mount_unmasked::CHECK,
    &seccomp_unconfined::CHECK,
    &unsafe_sysctls::CHECK,
];
