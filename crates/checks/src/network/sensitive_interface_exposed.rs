use super::policy::service_selects;
use crate::prelude::*;
use std::collections::HashMap;

declare_check! {
    /// ## What it checks
    /// Management and data-science UIs reachable from outside the cluster: a Service of type
    /// `LoadBalancer` (unless internal or limited by `loadBalancerSourceRanges`) or `NodePort`,
    /// or with `externalIPs`, or an Ingress backend, that leads to a sensitive interface —
    /// Kubernetes Dashboard, Argo Workflows / Argo CD server, Weave Scope, Kubeflow, NiFi,
    /// Jenkins, Jupyter, Kibana, Prometheus, Alertmanager. An interface is recognised by the
    /// Service's name or by a workload it selects (workload name, or its `app`,
    /// `app.kubernetes.io/name` or `k8s-app` pod label).
    ///
    /// ## Why it matters
    /// These interfaces run code, show secrets or control the cluster, and several ship without
    /// authentication: exposed ones are routinely found by internet scanners and used for
    /// crypto-mining and cluster takeover.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata: {name: kubernetes-dashboard}
    /// spec:
    ///   type: LoadBalancer    # fails
    /// ```
    pub static META = CheckMeta {
        id: "NET-011",
        name: "sensitive-interface-exposed",
        title: "Sensitive interface exposed outside the cluster",
        severity: Severity::High,
        tags: &["network", "exposure"],
        kinds: &["Service", "Ingress", "Pod", "Deployment", "StatefulSet", "DaemonSet",
                 "ReplicaSet", "ReplicationController", "PodTemplate"],
        remediation: "keep the interface on a `ClusterIP` Service and reach it through \
                      `kubectl port-forward`, a VPN or an authenticating proxy",
        controls: &[
            nsa("NSA-NET-WORKER"),
            attack("T1133"),
            attack("T1190"),
            nist("AC-4"),
            nist("CM-7"),
            nist("SC-7"),
            sp190("4.4.2"),
            pci("1.3.1"),
            pci("1.4.1"),
            soc2("CC6.6"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

/// Name fragments of sensitive interfaces
const SENSITIVE: &[&str] = &[
    "kubernetes-dashboard",
    "argo-server",
    "argocd-server",
    "weave-scope",
    "kubeflow",
    "centraldashboard",
    "ml-pipeline-ui",
    "nifi",
    "jenkins",
    "jupyter",
    "kibana",
    "prometheus",
    "alertmanager",
];

/// Pod labels that name the application
const NAME_LABELS: &[&str] = &["app", "app.kubernetes.io/name", "k8s-app"];

fn sensitive_name(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    SENSITIVE.iter().copied().find(|s| name.contains(s))
}

/// Annotations that make a LoadBalancer internal, with the value that does
const INTERNAL_LB: &[(&str, &str)] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
];

/// How a Service is reachable from outside, with the field to point at
fn exposure(svc: &Resource) -> Option<(JsonPointer, String)> {
    let spec = JsonPointer::root().key("spec");
    match svc.get("spec/type").and_then(Value::as_str) {
        Some("NodePort") => return Some((spec.key("type"), "a `NodePort` Service".to_owned())),
        Some("LoadBalancer") => {
            let internal = INTERNAL_LB
                .iter()
                .any(|(k, v)| svc.annotation(k).is_some_and(|a| a.eq_ignore_ascii_case(v)));
            let ranges: Vec<&str> = strings(svc.get("spec/loadBalancerSourceRanges")).collect();
            let open =
                ranges.is_empty() || ranges.iter().any(|r| *r == "0.0.0.0/0" || *r == "::/0");
            if !internal && open {
                return Some((
                    spec.key("type"),
                    "a public `LoadBalancer` Service".to_owned(),
                ));
            }
        }
        _ => {}
    }
    svc.get("spec/externalIPs")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
        .then(|| (spec.key("externalIPs"), "Service external IPs".to_owned()))
}

/// The sensitive interface behind a Service, if any
fn interface_of(inv: &Inventory, svc: &Resource) -> Option<&'static str> {
    if let Some(s) = sensitive_name(&svc.name) {
        return Some(s);
    }
    // Only workloads carrying the selector's first label can be selected
    let (key, value) = svc
        .get("spec/selector")
        .and_then(Value::as_object)
        .and_then(|sel| sel.iter().next())
        .and_then(|(k, v)| Some((k.as_str(), v.as_str()?)))?;
    inv.workloads_labelled(svc.namespace.as_deref(), key, value)
        .filter(|w| {
            service_selects(
                svc,
                w.pod_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
        })
        .find_map(|w| {
            sensitive_name(&w.reference.name).or_else(|| {
                w.pod_labels
                    .iter()
                    .filter(|(k, _)| NAME_LABELS.contains(&k.as_str()))
                    .find_map(|(_, v)| sensitive_name(v))
            })
        })
}

/// Backends of an Ingress: pointer to the Service name and the name
fn backends(ing: &Resource) -> Vec<(JsonPointer, &str)> {
    fn add<'a>(out: &mut Vec<(JsonPointer, &'a str)>, ptr: JsonPointer, backend: &'a Value) {
        if let Some(name) = backend
            .get("service")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
        {
            out.push((ptr.key("service").key("name"), name));
        } else if let Some(name) = backend.get("serviceName").and_then(Value::as_str) {
            out.push((ptr.key("serviceName"), name));
        }
    }
    let mut out = Vec::new();
    let spec = JsonPointer::root().key("spec");
    for field in ["defaultBackend", "backend"] {
        if let Some(b) = ing.get(&format!("spec/{field}")) {
            add(&mut out, spec.key(field), b);
        }
    }
    let rules = ing.get("spec/rules").and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule
            .get("http")
            .and_then(|h| h.get("paths"))
            .and_then(Value::as_array);
        for (j, path) in paths.into_iter().flatten().enumerate() {
            if let Some(b) = path.get("backend") {
                add(
                    &mut out,
                    spec.key("rules")
                        .index(i)
                        .key("http")
                        .key("paths")
                        .index(j)
                        .key("backend"),
                    b,
                );
            }
        }
    }
    out
}

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for svc in inv.of_kind("Service") {
        let Some((ptr, how)) = exposure(svc) else {
            continue;
        };
        if let Some(what) = interface_of(inv, svc) {
            ctx.report(
                svc,
                &ptr,
                format!(
                    "Service `{}` exposes `{what}` outside the cluster through {how}",
                    svc.name
                ),
            );
        }
    }
    // Services by namespace and name, the first of a name winning: looking each backend up
    // among all Services made the check quadratic
    let mut services: HashMap<(&str, &str), &Resource> = HashMap::new();
    for svc in inv.of_kind("Service") {
        services
            .entry((ns_or_default(svc.namespace.as_deref()), svc.name.as_str()))
            .or_insert(svc);
    }
    for ing in inv.of_kind("Ingress") {
        let ns = ns_or_default(ing.namespace.as_deref());
        for (ptr, name) in backends(ing) {
            let svc = services.get(&(ns, name)).copied();
            let what = match svc {
                Some(svc) => interface_of(inv, svc),
                None => sensitive_name(name),
            };
            if let Some(what) = what {
                ctx.report(
                    ing,
                    &ptr,
                    format!(
                        "Ingress `{}` routes to Service `{name}`, exposing `{what}` outside the \
                         cluster",
                        ing.name
                    ),
                );
            }
        }
    }
}
