use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// `Pod` objects with no `metadata.ownerReferences`, i.e. not created by a controller.
    /// Static and mirror pods of the control plane (a `kubernetes.io/config.mirror`
    /// annotation, or `tier: control-plane` in `kube-system`) are skipped.
    ///
    /// ## Why it matters
    /// Nobody recreates a bare Pod when its node fails, is drained or upgraded: the
    /// application just disappears. Bare pods also escape rollout history and are a favourite
    /// way to start an ad-hoc container inside a cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod            # fails: wrap it in a Deployment, StatefulSet or Job
    /// metadata:
    ///   name: api
    /// ```
    pub static META = CheckMeta {
        id: "WKL-009",
        name: "naked-pod",
        title: "Pod is not managed by a controller",
        severity: Severity::Low,
        tags: &["workload", "reliability"],
        kinds: &["Pod"],
        remediation: "run the pod through a Deployment, StatefulSet, DaemonSet or Job",
        controls: &[
            attack("T1610"),
            nist("CM-6"),
            nist("SA-8"),
            soc2("A1.2"),
            hipaa("164.308(a)(7)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let owned = res
        .get("metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|o| !o.is_empty());
    if owned || res.annotation("kubernetes.io/config.mirror").is_some() {
        return;
    }
    if res.namespace.as_deref() == Some("kube-system") && res.label("tier") == Some("control-plane")
    {
        return;
    }
    ctx.report(
        res,
        &JsonPointer::root().key("metadata").key("ownerReferences"),
        format!("Pod `{}` is not managed by a controller", res.name),
    );
}
