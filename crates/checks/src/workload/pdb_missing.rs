use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Deployments and StatefulSets that run at least two replicas — `spec.replicas` of 2 or
    /// more, or a HorizontalPodAutoscaler targeting them with `minReplicas` of 2 or more — but
    /// whose pods no scanned PodDisruptionBudget in the same namespace selects.
    ///
    /// ## Why it matters
    /// Node drains, upgrades and autoscaler scale-downs evict pods without limit unless a
    /// PodDisruptionBudget says how many must stay up. A replicated service can lose all its
    /// replicas at once during routine maintenance.
    ///
    /// ## Example
    /// A `Deployment` with `replicas: 3` and pod label `app: web` passes when a
    /// `PodDisruptionBudget` in its namespace has `selector.matchLabels: {app: web}` and, for
    /// instance, `maxUnavailable: 1`.
    pub static META = CheckMeta {
        id: "WKL-011",
        name: "pdb-missing",
        title: "Replicated workload has no PodDisruptionBudget",
        severity: Severity::Low,
        tags: &["workload", "reliability"],
        kinds: &["PodDisruptionBudget", "HorizontalPodAutoscaler",
                 "Pod", "Deployment", "StatefulSet", "DaemonSet",
                 "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"],
        remediation: "add a PodDisruptionBudget selecting the workload's pods, e.g. with \
                      `maxUnavailable: 1`",
        controls: &[nist("SC-6"), nist("CM-6"), soc2("A1.2"), hipaa("164.308(a)(7)")],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for w in &inv.workloads {
        let r = &w.reference;
        if !matches!(r.kind.as_str(), "Deployment" | "StatefulSet") {
            continue;
        }
        let ns = r.namespace.as_deref();
        let hpa_min = inv
            .of_kind_in("HorizontalPodAutoscaler", ns)
            .filter(|h| {
                h.get("spec/scaleTargetRef/kind").and_then(Value::as_str) == Some(&r.kind)
                    && h.get("spec/scaleTargetRef/name").and_then(Value::as_str) == Some(&r.name)
            })
            .map(|h| {
                h.get("spec/minReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
            })
            .max();
        let replicas = hpa_min.or(w.replicas).unwrap_or(1);
        if replicas < 2 {
            continue;
        }
        let labels = w.pod_labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let covered = inv
            .of_kind_in("PodDisruptionBudget", ns)
            .filter_map(|p| p.get("spec/selector"))
            .any(|sel| selector_matches(sel, labels.clone()));
        if !covered {
            report_workload(
                ctx,
                w,
                &JsonPointer::root().key("metadata"),
                format!(
                    "{} `{}` runs {replicas} replicas but no PodDisruptionBudget selects its pods",
                    r.kind, r.name
                ),
            );
        }
    }
}
