use crate::pod::common::{added_capabilities, describe, dropped_capabilities, is_windows};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Capabilities of containers, init containers and ephemeral containers against the Pod
    /// Security Standards Restricted level: `securityContext.capabilities.drop` must contain
    /// `ALL`, and `capabilities.add` may contain only `NET_BIND_SERVICE`. As in Pod Security
    /// Admission, names are compared exactly (`all` does not count). Windows pods
    /// (`spec.os.name: windows`) are exempt.
    ///
    /// ## Why it matters
    /// Container runtimes grant a default set of capabilities (`CHOWN`, `DAC_OVERRIDE`,
    /// `FOWNER`, `SETUID`, `NET_RAW`, …) that almost no application needs and that turn many
    /// bugs into privilege escalations. Dropping all of them and adding back only what is needed
    /// keeps the container's root, if any, weak.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: ["ALL"]
    ///     add: ["NET_BIND_SERVICE"]   # passes
    /// ```
    pub static META = CheckMeta {
        id: "PSR-005",
        name: "capabilities-not-dropped",
        title: "Container does not drop all capabilities",
        severity: Severity::Medium,
        tags: &["pod-hardening", "pss-restricted", "capabilities"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `securityContext.capabilities.drop: [\"ALL\"]` and add back at most \
                      `NET_BIND_SERVICE`",
        controls: &[
            pss("capabilities_restricted"),
            cis("5.2.9"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            attack("T1068"),
            nist("AC-6"),
            nist("AC-6(10)"),
            nist("CM-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
            pci("7.2.5"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
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
        if !dropped_capabilities(&c).any(|cap| cap == "ALL") {
            ctx.report(
                res,
                &c.pointer_to("securityContext/capabilities/drop"),
                format!("{} does not drop `ALL` capabilities", describe(&c)),
            );
        }
        for (pointer, cap) in added_capabilities(&c) {
            if cap != "NET_BIND_SERVICE" {
                ctx.report(
                    res,
                    &pointer,
                    format!(
                        "{} adds capability `{cap}` (only `NET_BIND_SERVICE` may be added)",
                        describe(&c)
                    ),
                );
            }
        }
    }
}
