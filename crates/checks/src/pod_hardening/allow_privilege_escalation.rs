use crate::pod::common::{describe, is_windows};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers that do not set
    /// `securityContext.allowPrivilegeEscalation: false` explicitly, as in the Pod Security
    /// Standards Restricted level. The field has no pod-level equivalent. Windows pods
    /// (`spec.os.name: windows`) are exempt.
    ///
    /// ## Why it matters
    /// Unless the `no_new_privs` flag is set, a process in the container can gain privileges
    /// through setuid/setgid binaries or file capabilities, turning a foothold as an
    /// unprivileged user into root inside the container. Kubernetes only sets the flag when the
    /// field is `false`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     allowPrivilegeEscalation: true   # fails (so does leaving it unset)
    /// ```
    pub static META = CheckMeta {
        id: "PSR-001",
        name: "allow-privilege-escalation",
        title: "Container allows privilege escalation",
        severity: Severity::High,
        tags: &["pod-hardening", "pss-restricted", "privilege-escalation"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `securityContext.allowPrivilegeEscalation: false` on every container",
        controls: &[
            pss("allowPrivilegeEscalation"),
            cis("5.2.6"),
            nsa("NSA-POD-PSA"),
            nsa("NSA-POD-NONROOT"),
            attack("T1548.001"),
            attack("T1068"),
            nist("AC-6"),
            nist("AC-6(10)"),
            sp190("4.4.3"),
            sp190("4.5.4"),
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
        let message = match bool_at(c.get("securityContext/allowPrivilegeEscalation")) {
            Some(false) => continue,
            Some(true) => format!("{} allows privilege escalation", describe(&c)),
            None => format!(
                "{} does not set `allowPrivilegeEscalation: false`",
                describe(&c)
            ),
        };
        ctx.report(
            res,
            &c.pointer_to("securityContext/allowPrivilegeEscalation"),
            message,
        );
    }
}
