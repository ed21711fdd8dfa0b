use super::reference::container_images;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers whose `image` has no tag or the
    /// `latest` tag and is not pinned by a digest (`@sha256:…`). Templated references
    /// (`{{ … }}`, `${…}`) are skipped.
    ///
    /// ## Why it matters
    /// `latest` (and an absent tag, which means `latest`) moves whenever someone pushes. Two
    /// nodes can run different code under the same manifest, a rollback does not roll anything
    /// back, and nobody can tell from the manifest which build is running or whether it was
    /// reviewed.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: nginx          # fails: no tag
    /// - name: sidecar
    ///   image: envoy:latest   # fails
    /// - name: ok
    ///   image: nginx:1.27.3   # passes
    /// ```
    pub static META = CheckMeta {
        id: "IMG-001",
        name: "image-tag-mutable",
        title: "Image uses the latest tag or no tag",
        severity: Severity::Medium,
        tags: &["images", "supply-chain"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "reference a specific version tag (better: a digest, `image@sha256:…`)",
        controls: &[
            nsa("NSA-POD-IMAGES"),
            attack("T1525"),
            attack("T1204.003"),
            nist("CM-2"),
            nist("SI-7"),
            sp190("4.1.2"),
            pci("6.3.2"),
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
        if r.is_mutable_latest() {
            let what = if r.tag.is_some() {
                "the `latest` tag"
            } else {
                "no tag"
            };
            ctx.report(
                res,
                &c.pointer_to("image"),
                format!("container `{}` uses image `{image}` with {what}", c.name()),
            );
        }
    }
}
