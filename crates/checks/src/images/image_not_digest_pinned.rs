use super::reference::container_images;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers whose `image` is not pinned by a
    /// digest (`name@sha256:…` or `name:tag@sha256:…`). Templated references (`{{ … }}`,
    /// `${…}`) are skipped.
    ///
    /// ## Why it matters
    /// Any tag, not only `latest`, can be moved to another image by whoever can push to the
    /// repository. A digest names exactly one image, so what was scanned, signed and approved is
    /// what runs, and a compromised registry cannot swap it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: nginx:1.27.3   # fails
    /// - name: pinned
    ///   image: nginx:1.27.3@sha256:<64 hex digits>   # passes
    /// ```
    pub static META = CheckMeta {
        id: "IMG-002",
        name: "image-not-digest-pinned",
        title: "Image is not pinned by digest",
        severity: Severity::Low,
        tags: &["images", "supply-chain"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "reference the image by digest (`image:tag@sha256:…`), e.g. let your CI or \
                      a tool like Renovate resolve tags to digests",
        controls: &[
            nsa("NSA-POD-IMAGES"),
            attack("T1525"),
            attack("T1195.002"),
            nist("SI-7"),
            nist("CM-2"),
            sp190("4.1.5"),
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
        if r.digest.is_none() {
            ctx.report(
                res,
                &c.pointer_to("image"),
                format!(
                    "container `{}` uses image `{image}`, which is not pinned by digest",
                    c.name()
                ),
            );
        }
    }
}
