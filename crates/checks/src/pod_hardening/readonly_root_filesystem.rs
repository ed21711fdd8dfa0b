use crate::pod::common::{describe, is_windows};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers that do not set
    /// `securityContext.readOnlyRootFilesystem: true`. The field has no pod-level equivalent.
    /// Windows pods (`spec.os.name: windows`) are exempt, since Windows does not support it.
    ///
    /// ## Why it matters
    /// A writable root file system lets an attacker who gets code execution drop tools, modify
    /// binaries or configuration and persist until the container restarts. With a read-only root
    /// the application writes only to explicit volumes (`emptyDir` for scratch space), which also
    /// makes drift visible.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     readOnlyRootFilesystem: true   # passes
    ///   volumeMounts:
    ///   - name: tmp
    ///     mountPath: /tmp
    /// ```
    pub static META = CheckMeta {
        id: "PSR-008",
        name: "readonly-root-filesystem",
        title: "Container root file system is writable",
        severity: Severity::Medium,
        tags: &["pod-hardening", "immutability"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` \
                      where the application needs to write",
        controls: &[
            cis("5.6.3"),
            nsa("NSA-POD-IMMUTABLE"),
            attack("T1525"),
            attack("T1543.005"),
            nist("CM-6"),
            nist("SI-7"),
            sp190("4.4.3"),
            pci("2.2.6"),
            soc2("CC6.8"),
            soc2("CC7.1"),
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
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        if bool_at(c.get("securityContext/readOnlyRootFilesystem")) != Some(true) {
            ctx.report(
                res,
                &c.pointer_to("securityContext/readOnlyRootFilesystem"),
                format!("{} has a writable root file system", describe(&c)),
            );
        }
    }
}
