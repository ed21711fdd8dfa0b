use crate::prelude::*;

/// `(apiVersion, kind or "*", Kubernetes version that stopped serving it, replacement)`,
/// from the Kubernetes deprecated API migration guide. More specific rows come first.
const REMOVED: &[(&str, &str, &str, &str)] = &[
    ("extensions/v1beta1", "Deployment", "1.16", "apps/v1"),
    ("extensions/v1beta1", "DaemonSet", "1.16", "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet", "1.16", "apps/v1"),
    (
        "extensions/v1beta1",
        "NetworkPolicy",
        "1.16",
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        "PodSecurityPolicy",
        "1.16",
        "Pod Security Admission",
    ),
    (
        "extensions/v1beta1",
        "Ingress",
        "1.22",
        "networking.k8s.io/v1",
    ),
    ("extensions/v1beta1", "*", "1.22", "the current API group"),
    ("apps/v1beta1", "*", "1.16", "apps/v1"),
    ("apps/v1beta2", "*", "1.16", "apps/v1"),
    (
        "networking.k8s.io/v1beta1",
        "Ingress",
        "1.22",
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        "IngressClass",
        "1.22",
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        "*",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "*",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        "1.22",
        "apiregistration.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    (
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        "1.22",
        "authentication.k8s.io/v1",
    ),
    (
        "authorization.k8s.io/v1beta1",
        "*",
        "1.22",
        "authorization.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "1.22",
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        "Lease",
        "1.22",
        "coordination.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        "1.22",
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        "1.22",
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSINode",
        "1.22",
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "StorageClass",
        "1.22",
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        "1.22",
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "1.27",
        "storage.k8s.io/v1",
    ),
    ("batch/v1beta1", "CronJob", "1.25", "batch/v1"),
    ("batch/v2alpha1", "CronJob", "1.21", "batch/v1"),
    (
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "1.25",
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", "Event", "1.25", "events.k8s.io/v1"),
    (
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "1.25",
        "autoscaling/v2",
    ),
    (
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "1.26",
        "autoscaling/v2",
    ),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1"),
    (
        "policy/v1beta1",
        "PodSecurityPolicy",
        "1.25",
        "Pod Security Admission",
    ),
    (
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        "1.25",
        "node.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "*",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "*",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "*",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

declare_check! {
    /// ## What it checks
    /// Objects whose `apiVersion` is no longer served by current Kubernetes releases (for
    /// example `extensions/v1beta1` Deployments, `policy/v1beta1` PodDisruptionBudgets and
    /// PodSecurityPolicies, `batch/v1beta1` CronJobs, `autoscaling/v2beta2`
    /// HorizontalPodAutoscalers, `flowcontrol.apiserver.k8s.io/v1beta3`), and pod specs that
    /// use the deprecated `serviceAccount` field instead of `serviceAccountName`.
    ///
    /// ## Why it matters
    /// A manifest with a removed API version fails to apply after a cluster upgrade — often in
    /// the middle of an incident. Keeping manifests on current APIs keeps the cluster
    /// upgradable, and upgrades are how security fixes arrive.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1beta1   # fails: use policy/v1
    /// kind: PodDisruptionBudget
    /// ```
    pub static META = CheckMeta {
        id: "WKL-021",
        name: "deprecated-api",
        title: "Object uses a removed API version or deprecated field",
        severity: Severity::Medium,
        tags: &["workload", "upgrade"],
        kinds: &[],
        remediation: "move the manifest to the replacement API version (see the Kubernetes \
                      deprecated API migration guide); use `serviceAccountName`",
        controls: &[
            nsa("NSA-UPGRADE"),
            nist("CM-2"),
            nist("CM-6"),
            pci("2.2.1"),
            soc2("CC8.1"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let hit = REMOVED.iter().find(|(version, kind, _, _)| {
        *version == res.api_version && (*kind == "*" || *kind == res.kind)
    });
    if let Some((version, _, removed, replacement)) = hit {
        ctx.report(
            res,
            &JsonPointer::root().key("apiVersion"),
            format!(
                "{} `{}` uses `{version}`, which Kubernetes {removed} and later no longer serve; \
                 use {replacement}",
                res.kind, res.name
            ),
        );
    }
    if let Some(pod) = res.pod_template()
        && pod.get("serviceAccount").is_some_and(|v| !v.is_null())
    {
        ctx.report(
            res,
            &pod.spec_pointer("serviceAccount"),
            format!(
                "{} `{}` uses the deprecated pod field `serviceAccount`; use \
                     `serviceAccountName`",
                res.kind, res.name
            ),
        );
    }
}
