use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// The `default` ServiceAccount of a namespace, when it does not set
    /// `automountServiceAccountToken: false`.
    ///
    /// ## Why it matters
    /// Every pod that names no ServiceAccount runs as `default`. Unless the `default` account
    /// opts out, all those pods get an API token mounted, and any permission ever granted to
    /// `default` silently extends to all of them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    /// automountServiceAccountToken: false   # passes; absent or true fails
    /// ```
    pub static META = CheckMeta {
        id: "SEC-005",
        name: "default-sa-automount",
        title: "Default ServiceAccount automounts its token",
        severity: Severity::Low,
        tags: &["secrets", "service-account"],
        kinds: &["ServiceAccount"],
        remediation: "set `automountServiceAccountToken: false` on the `default` ServiceAccount \
                      and give workloads that need API access their own ServiceAccount",
        controls: &[
            cis("5.1.5"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            nist("AC-6"),
            nist("IA-5"),
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
    if res.name != "default" {
        return;
    }
    let ns = res.namespace.as_deref().unwrap_or("(unset)");
    match bool_at(res.get("automountServiceAccountToken")) {
        Some(false) => {}
        Some(true) => ctx.report(
            res,
            &JsonPointer::root().key("automountServiceAccountToken"),
            format!("default ServiceAccount of namespace `{ns}` automounts its token"),
        ),
        None => ctx.report(
            res,
            &JsonPointer::root().key("metadata").key("name"),
            format!(
                "default ServiceAccount of namespace `{ns}` does not set \
                 `automountServiceAccountToken: false`"
            ),
        ),
    }
}
