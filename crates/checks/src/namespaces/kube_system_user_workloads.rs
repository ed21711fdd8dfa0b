use super::common::report_placement;
use crate::prelude::*;

/// Name prefixes of components that belong in `kube-system` (control plane, DNS, proxies,
/// CNI and CSI node agents, cloud controllers)
const SYSTEM_PREFIXES: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "kube-dns",
    "kube-flannel",
    "etcd",
    "coredns",
    "metrics-server",
    "cloud-controller-manager",
    "konnectivity",
    "calico",
    "cilium",
    "kindnet",
    "weave-net",
    "aws-node",
    "ebs-csi",
    "efs-csi",
    "azure-",
    "csi-",
    "gke-",
    "fluentbit-gke",
    "pdcsi",
    "cluster-autoscaler",
    "node-local-dns",
    "nodelocaldns",
    "tigera",
    "antrea",
];

/// Label keys that mark cluster add-ons
const SYSTEM_LABEL_KEYS: &[&str] = &["k8s-app", "addonmanager.kubernetes.io/mode"];

declare_check! {
    /// ## What it checks
    /// Workloads (Pods and every pod-template kind) in the `kube-system` namespace that do not
    /// look like cluster components. Components are recognised by the conventional add-on
    /// labels (`k8s-app`, `addonmanager.kubernetes.io/mode`, `tier: control-plane`,
    /// `kubernetes.io/cluster-service: "true"`) on the object or its pod template, or by a
    /// well-known name (`coredns`, `kube-proxy`, `calico-node`, `cilium`, `aws-node`, CSI
    /// drivers, `metrics-server`, `cluster-autoscaler`, …).
    ///
    /// ## Why it matters
    /// `kube-system` holds the cluster's most privileged identities and is usually exempt from
    /// Pod Security admission and policy engines. An application placed there inherits those
    /// exemptions and sits next to credentials that control the whole cluster.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata:
    ///   name: shop-frontend
    ///   namespace: kube-system   # fails
    /// ```
    pub static META = CheckMeta {
        id: "NS-002",
        name: "kube-system-user-workloads",
        title: "User workload runs in kube-system",
        severity: Severity::Medium,
        tags: &["namespaces", "multi-tenancy"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "move the workload to its own namespace; keep kube-system for cluster \
                      components",
        controls: &[
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

fn is_system_label(key: &str, value: &str) -> bool {
    SYSTEM_LABEL_KEYS.contains(&key)
        || (key == "tier" && value == "control-plane")
        || (key == "kubernetes.io/cluster-service" && value == "true")
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if res.namespace.as_deref() != Some("kube-system") {
        return;
    }
    if SYSTEM_PREFIXES.iter().any(|p| res.name.starts_with(p)) {
        return;
    }
    if res.labels().any(|(k, v)| is_system_label(k, v)) {
        return;
    }
    let template_labels = res
        .pod_template()
        .and_then(|p| p.metadata)
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object);
    if template_labels
        .into_iter()
        .flatten()
        .any(|(k, v)| is_system_label(k, v.as_str().unwrap_or("")))
    {
        return;
    }
    report_placement(
        ctx,
        res,
        "runs in `kube-system` but does not look like a cluster component",
    );
}
