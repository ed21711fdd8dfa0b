use super::common::report_placement;
use crate::prelude::*;

/// Kinds users create that should live in a dedicated namespace
const KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "Ingress",
    "Secret",
    "ConfigMap",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "PersistentVolumeClaim",
];

/// Objects Kubernetes creates in `default` by itself
const BUILT_IN: &[(&str, &str)] = &[
    ("Service", "kubernetes"),
    ("ServiceAccount", "default"),
    ("ConfigMap", "kube-root-ca.crt"),
];

declare_check! {
    /// ## What it checks
    /// Workloads, Services, Ingresses, Secrets, ConfigMaps, ServiceAccounts, Roles,
    /// RoleBindings and PersistentVolumeClaims whose `metadata.namespace` is `default`.
    /// Objects Kubernetes creates there itself (the `kubernetes` Service, the `default`
    /// ServiceAccount, the `kube-root-ca.crt` ConfigMap) are ignored. Manifests without
    /// `metadata.namespace` are not reported: their namespace is chosen when they are applied
    /// (`kubectl -n`, Helm, Kustomize).
    ///
    /// ## Why it matters
    /// `default` is where everything lands when nobody decides: it usually has no
    /// NetworkPolicy, no Pod Security level, no quota, and broad RoleBindings. Unrelated
    /// applications sharing it cannot be separated by RBAC or network policy.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: api
    ///   namespace: default   # fails: use a namespace per application or team
    /// ```
    pub static META = CheckMeta {
        id: "NS-001",
        name: "default-namespace-used",
        title: "Object created in the default namespace",
        severity: Severity::Low,
        tags: &["namespaces", "multi-tenancy"],
        kinds: KINDS,
        remediation: "create a dedicated namespace for the application and set \
                      `metadata.namespace` to it",
        controls: &[
            cis("5.6.4"),
            nsa("NSA-NET-NS"),
            attack("T1036.005"),
            nist("AC-4"),
            nist("SC-2"),
            nist("CM-6"),
            sp190("4.3.4"),
            pci("2.2.3"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if res.namespace.as_deref() != Some("default") {
        return;
    }
    if BUILT_IN.contains(&(res.kind.as_str(), res.name.as_str())) {
        return;
    }
    report_placement(ctx, res, "is in the `default` namespace");
}
