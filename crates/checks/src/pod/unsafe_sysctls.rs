use super::common::shown;
use crate::prelude::*;
use palisade_pss::SAFE_SYSCTLS;

declare_check! {
    /// ## What it checks
    /// Entries of the pod's `securityContext.sysctls` whose name is outside the safe set of the
    /// Pod Security Standards Baseline (latest version): `kernel.shm_rmid_forced`,
    /// `net.ipv4.ip_local_port_range`, `net.ipv4.ip_local_reserved_ports`,
    /// `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`,
    /// `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_keepalive_time`,
    /// `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`,
    /// `net.ipv4.tcp_keepalive_probes`, `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`,
    /// `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat`.
    ///
    /// ## Why it matters
    /// Safe sysctls are namespaced and isolated between pods. Any other kernel parameter either
    /// changes the whole node (affecting every other pod) or can be used to weaken kernel
    /// defences or exhaust node resources.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   sysctls:
    ///   - name: kernel.msgmax   # fails
    ///     value: "65536"
    /// ```
    pub static META = CheckMeta {
        id: "POD-017",
        name: "unsafe-sysctls",
        title: "Pod sets sysctls outside the safe set",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "sysctls", "linux-hardening"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove the sysctl from `securityContext.sysctls`; tune node-level kernel \
                      parameters on the node itself",
        controls: &[
            pss("sysctls"),
            cis("5.6.3"),
            nsa("NSA-POD-HARDEN"),
            attack("T1611"),
            nist("CM-6"),
            nist("SC-39"),
            sp190("4.4.3"),
            sp190("4.5.2"),
            pci("2.2.1"),
            pci("2.2.6"),
            soc2("CC6.8"),
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
    let sysctls = pod.get("securityContext/sysctls").and_then(Value::as_array);
    for (i, sysctl) in sysctls.into_iter().flatten().enumerate() {
        let name = sysctl.get("name");
        if name
            .and_then(Value::as_str)
            .is_some_and(|n| SAFE_SYSCTLS.contains(&n))
        {
            continue;
        }
        ctx.report(
            res,
            &pod.spec_pointer(&format!("securityContext/sysctls/{i}/name")),
            format!(
                "pod sets sysctl `{}`, which is not in the safe set",
                shown(name)
            ),
        );
    }
}
