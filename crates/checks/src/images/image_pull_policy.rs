use super::reference::container_images;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers whose image has no tag or the `latest` tag (and no digest) but whose
    /// `imagePullPolicy` is set to `IfNotPresent` or `Never`. When `imagePullPolicy` is absent
    /// Kubernetes already uses `Always` for such images, so that case passes here (IMG-001 still
    /// reports the tag).
    ///
    /// ## Why it matters
    /// With a moving tag and a policy that reuses the node's cached copy, each node runs
    /// whatever `latest` meant when it first pulled it: pods of one workload silently run
    /// different, possibly long-outdated builds, and a fixed image never reaches nodes that
    /// already have an old one.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:latest
    ///   imagePullPolicy: IfNotPresent   # fails
    /// ```
    pub static META = CheckMeta {
        id: "IMG-003",
        name: "image-pull-policy",
        title: "Image with a moving tag is not always pulled",
        severity: Severity::Low,
        tags: &["images", "supply-chain"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pin the image to a version tag or digest; otherwise set \
                      `imagePullPolicy: Always`",
        controls: &[
            nsa("NSA-POD-IMAGES"),
            attack("T1525"),
            nist("CM-2"),
            nist("SI-7"),
            sp190("4.1.1"),
            pci("6.3.3"),
            soc2("CC8.1"),
            hipaa("164.312(c)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for (c, image, r) in container_images(&pod) {
        if !r.is_mutable_latest() {
            continue;
        }
        let Some(policy) = c.get("imagePullPolicy").and_then(Value::as_str) else {
            continue;
        };
        if policy != "Always" {
            ctx.report(
                res,
                &c.pointer_to("imagePullPolicy"),
                format!(
                    "container `{}` uses moving image `{image}` with `imagePullPolicy: {policy}`",
                    c.name()
                ),
            );
        }
    }
}
