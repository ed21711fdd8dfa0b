use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers whose `env` list defines the same
    /// variable name more than once. Every repeated definition after the first is reported.
    ///
    /// ## Why it matters
    /// Only the last definition takes effect, silently. Duplicates usually come from merged
    /// overlays or copy-paste, and the value a reviewer reads may not be the one that runs.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: LOG_LEVEL
    ///   value: info
    /// - name: LOG_LEVEL     # fails
    ///   value: debug
    /// ```
    pub static META = CheckMeta {
        id: "WKL-020",
        name: "duplicate-env",
        title: "Container defines an environment variable twice",
        severity: Severity::Low,
        tags: &["workload", "correctness"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "keep one definition per variable name",
        controls: &[nist("CM-6"), soc2("CC8.1")],
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
    for c in pod.all_containers() {
        let mut seen = std::collections::HashSet::new();
        let env = c.get("env").and_then(Value::as_array).into_iter().flatten();
        for (i, var) in env.enumerate() {
            let Some(name) = var.get("name").and_then(Value::as_str) else {
                continue;
            };
            if !seen.insert(name) {
                ctx.report(
                    res,
                    &c.pointer().key("env").index(i).key("name"),
                    format!(
                        "container `{}` defines env `{name}` more than once",
                        c.name()
                    ),
                );
            }
        }
    }
}
