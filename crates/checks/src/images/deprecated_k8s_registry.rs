use super::reference::container_images;
use crate::prelude::*;

/// Registry prefixes of the frozen legacy Kubernetes registries
const LEGACY: &[&str] = &[
    "k8s.gcr.io",
    "gcr.io/google_containers",
    "gcr.io/google-containers",
];

declare_check! {
    /// ## What it checks
    /// Containers whose image comes from the legacy Kubernetes project registry `k8s.gcr.io`
    /// (or its older `gcr.io/google_containers` path).
    ///
    /// ## Why it matters
    /// The Kubernetes project froze `k8s.gcr.io` in April 2023 and moved to `registry.k8s.io`:
    /// no new versions or security fixes are published there, so images from it only get
    /// older, and the legacy registry may stop serving them at all.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: pause
    ///   image: k8s.gcr.io/pause:3.2   # fails: use registry.k8s.io/pause
    /// ```
    pub static META = CheckMeta {
        id: "IMG-006",
        name: "deprecated-k8s-registry",
        title: "Image comes from the frozen k8s.gcr.io registry",
        severity: Severity::Low,
        tags: &["images", "supply-chain"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pull the image from `registry.k8s.io` instead (same paths, maintained \
                      versions)",
        controls: &[
            nsa("NSA-UPGRADE"),
            nist("SI-2"),
            nist("CM-2"),
            sp190("4.1.1"),
            pci("6.3.3"),
            soc2("CC7.1"),
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
        let Some(registry) = r.registry else {
            continue;
        };
        let legacy = LEGACY.iter().any(|prefix| match prefix.split_once('/') {
            Some((host, path)) => {
                registry == host
                    && r.repository
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
            None => registry == *prefix,
        });
        if legacy {
            ctx.report(
                res,
                &c.pointer_to("image"),
                format!(
                    "container `{}` pulls `{image}` from the frozen legacy registry",
                    c.name()
                ),
            );
        }
    }
}
