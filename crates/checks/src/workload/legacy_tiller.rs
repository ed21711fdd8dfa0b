use crate::images::reference::container_images;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Helm v2's server component, Tiller: workloads running a `…/tiller` image or whose pods
    /// carry the `app: helm` + `name: tiller` labels Helm v2 installs, and Services exposing
    /// such pods (`tiller-deploy`).
    ///
    /// ## Why it matters
    /// Tiller is unmaintained since Helm v2's end of life (2020). It usually runs with
    /// cluster-admin rights and, by default, serves an unauthenticated gRPC API inside the
    /// cluster: any pod that can reach it can install anything, anywhere.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: tiller
    ///   image: gcr.io/kubernetes-helm/tiller:v2.16.12   # fails
    /// ```
    pub static META = CheckMeta {
        id: "WKL-025",
        name: "legacy-tiller",
        title: "Helm v2 Tiller is deployed",
        severity: Severity::High,
        tags: &["workload", "upgrade", "rbac"],
        kinds: &[
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
        ],
        remediation: "migrate releases to Helm 3 (which needs no in-cluster component) and \
                      delete the Tiller Deployment, Service and its ServiceAccount bindings",
        controls: &[
            nsa("NSA-UPGRADE"),
            attack("T1609"),
            attack("T1610"),
            nist("CM-2"),
            nist("CM-6"),
            nist("SA-8"),
            pci("2.2.1"),
            soc2("CC8.1"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// `app: helm` and `name: tiller` in a label map or selector map
fn tiller_labels(map: Option<&Value>) -> bool {
    let get = |k: &str| map.and_then(|m| m.get(k)).and_then(Value::as_str);
    get("app") == Some("helm") && get("name") == Some("tiller")
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if res.kind == "Service" {
        let selector = res.get("spec/selector");
        if tiller_labels(selector) || tiller_labels(res.get("metadata/labels")) {
            let pointer = if tiller_labels(selector) {
                JsonPointer::root().key("spec").key("selector")
            } else {
                JsonPointer::root().key("metadata").key("labels")
            };
            ctx.report(
                res,
                &pointer,
                format!("Service `{}` exposes Helm v2 Tiller", res.name),
            );
        }
        return;
    }
    let Some(pod) = res.pod_template() else {
        return;
    };
    let tiller = container_images(&pod).find(|(_, _, r)| r.short_name() == "tiller");
    if let Some((c, image, _)) = tiller {
        ctx.report(
            res,
            &c.pointer_to("image"),
            format!("container `{}` runs Helm v2 Tiller (`{image}`)", c.name()),
        );
        return;
    }
    if tiller_labels(pod.metadata.and_then(|m| m.get("labels"))) {
        ctx.report(
            res,
            &pod.pointer().key("metadata").key("labels"),
            format!("{} `{}` runs Helm v2 Tiller", res.kind, res.name),
        );
    }
}
