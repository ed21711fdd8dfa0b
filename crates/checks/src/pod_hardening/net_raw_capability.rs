use crate::pod::common::{
    added_capabilities, describe, dropped_capabilities, is_windows, normalize_capability,
};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers that keep the `NET_RAW` capability:
    /// those that add `NET_RAW` or `ALL`, run privileged, or do not drop `NET_RAW` (or `ALL`).
    /// Names are matched the way container runtimes read them: case-insensitive, with or without
    /// `CAP_`. Windows pods (`spec.os.name: windows`) are exempt.
    ///
    /// ## Why it matters
    /// `NET_RAW` is in the default capability set of container runtimes. It lets a process craft
    /// arbitrary packets: spoof addresses, poison ARP or DNS on the node's network and intercept
    /// traffic of other pods. Only tools such as `ping` need it.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: ["NET_RAW"]   # passes (so does dropping ALL)
    /// ```
    pub static META = CheckMeta {
        id: "PSR-006",
        name: "net-raw-capability",
        title: "Container keeps the NET_RAW capability",
        severity: Severity::Medium,
        tags: &["pod-hardening", "pss-restricted", "capabilities", "network"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "drop `NET_RAW` (or `ALL`) in `securityContext.capabilities.drop` and do not \
                      add it back",
        controls: &[
            pss("capabilities_restricted"),
            cis("5.2.8"),
            nsa("NSA-POD-HARDEN"),
            attack("T1557"),
            attack("T1040"),
            nist("AC-6"),
            nist("CM-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn grants_net_raw(cap: &str) -> bool {
    matches!(normalize_capability(cap).as_str(), "NET_RAW" | "ALL")
}

fn added_message(c: &Container<'_>, cap: &str) -> String {
    if normalize_capability(cap) == "ALL" {
        format!(
            "{} adds `{cap}` capabilities, which include `NET_RAW`",
            describe(c)
        )
    } else {
        format!("{} adds capability `{cap}`", describe(c))
    }
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    if is_windows(&pod) {
        return;
    }
    for c in pod.all_containers() {
        if bool_at(c.get("securityContext/privileged")) == Some(true) {
            ctx.report(
                res,
                &c.pointer_to("securityContext/privileged"),
                format!("{} runs privileged, which grants `NET_RAW`", describe(&c)),
            );
            continue;
        }
        let mut added = false;
        for (pointer, cap) in added_capabilities(&c) {
            if grants_net_raw(cap) {
                added = true;
                ctx.report(res, &pointer, added_message(&c, cap));
            }
        }
        if !added && !dropped_capabilities(&c).any(grants_net_raw) {
            ctx.report(
                res,
                &c.pointer_to("securityContext/capabilities/drop"),
                format!("{} does not drop `NET_RAW`", describe(&c)),
            );
        }
    }
}
