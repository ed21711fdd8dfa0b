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

#[cfg(test)]
mod tests {
    use super::CHECKS;
    use palisade_engine::Finding;
    use palisade_model::resources_from_document;
    use palisade_source::{LoadLimits, SourceFile, load_str};
    use std::path::Path;

    fn findings(fixture: &str) -> Vec<Finding> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(fixture);
        let text = std::fs::read_to_string(&path).unwrap();
        let file = SourceFile::new(fixture, text);
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        let mut out = Vec::new();
        for doc in docs {
            for r in resources_from_document(doc).0 {
                crate::run_resource_checks(CHECKS, &r, &mut out);
            }
        }
        out
    }

    /// The hardened manifests and config files used as pass fixtures satisfy every control-plane
    /// and node check at once, not only the one they were written for
    #[test]
    fn hardened_configuration_passes_every_check() {
        for fixture in [
            "API-001/pass/static-pod.yaml",
            "API-006/pass/authorization-config.yaml",
            "API-025/pass/aescbc.yaml",
            "API-025/pass/kms-wildcard.yaml",
            "API-031/pass/policy.yaml",
            "API-033/pass/pod-security-config.yaml",
            "API-033/pass/admission-config.yaml",
            "CMS-002/pass/static-pod.yaml",
            "CMS-008/pass/static-pod.yaml",
            "CMS-008/pass/scheduler-config.yaml",
            "ETCD-001/pass/static-pod.yaml",
            "KLT-001/pass/kubelet-config.yaml",
            "KLT-001/pass/configmap.yaml",
            "KLT-001/pass/flags.yaml",
            "KLT-015/pass/kube-proxy-config.yaml",
            "KLT-015/pass/kubeadm-configmap.yaml",
        ] {
            let got: Vec<String> = findings(fixture)
                .iter()
                .map(|f| format!("{} {}", f.rule_id, f.message))
                .collect();
            assert!(got.is_empty(), "{fixture}: {got:#?}");
        }
    }

    /// One misconfiguration gives exactly the findings it should, from the checks it concerns
    #[test]
    fn defaults_are_reported_by_the_right_checks() {
        let ids = |fixture: &str| {
            let mut ids: Vec<String> = findings(fixture)
                .iter()
                .map(|f| f.rule_id.to_string())
                .collect();
            ids.sort();
            ids
        };
        // no --authorization-mode: AlwaysAllow, so neither Node nor RBAC
        assert_eq!(
            ids("API-006/fail/defaulted.yaml"),
            ["API-006", "API-007", "API-008"]
        );
        // a kubelet started with flags only falls back to the insecure legacy defaults
        assert_eq!(ids("KLT-001/fail/flags-only.yaml"), ["KLT-001"]);
        assert_eq!(
            ids("KLT-001/pass/config-flag.yaml"),
            Vec::<String>::new(),
            "absent flags are decided by the --config file"
        );
    }
}
