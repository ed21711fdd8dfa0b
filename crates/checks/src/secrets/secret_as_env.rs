use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Containers, init containers and ephemeral containers that read a Secret into environment
    /// variables, through `env[].valueFrom.secretKeyRef` or `envFrom[].secretRef`.
    ///
    /// ## Why it matters
    /// Environment variables leak easily: they are inherited by every child process, dumped in
    /// crash reports and debug endpoints, visible in `/proc/<pid>/environ`, and often logged by
    /// frameworks at start-up. Secrets mounted as files can be given tight file permissions and
    /// are updated in place when the Secret rotates.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: DB_PASSWORD
    ///   valueFrom:
    ///     secretKeyRef: {name: db, key: password}   # fails
    /// envFrom:
    /// - secretRef: {name: api-keys}                 # fails
    /// ```
    pub static META = CheckMeta {
        id: "SEC-003",
        name: "secret-as-env",
        title: "Secret consumed through environment variables",
        severity: Severity::Low,
        tags: &["secrets"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "mount the Secret as a volume (read-only) and read it from a file instead of \
                      an environment variable",
        controls: &[
            cis("5.4.1"),
            nsa("NSA-NET-SECRETS"),
            attack("T1552.001"),
            nist("IA-5"),
            nist("SC-28"),
            sp190("4.1.4"),
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
    for c in pod.all_containers() {
        let env = c.get("env").and_then(Value::as_array).into_iter().flatten();
        for (i, var) in env.enumerate() {
            let Some(secret_ref) = var.get("valueFrom").and_then(|v| v.get("secretKeyRef")) else {
                continue;
            };
            let name = var.get("name").and_then(Value::as_str).unwrap_or("");
            let secret = secret_ref.get("name").and_then(Value::as_str).unwrap_or("");
            ctx.report(
                res,
                &c.pointer()
                    .key("env")
                    .index(i)
                    .key("valueFrom")
                    .key("secretKeyRef"),
                format!(
                    "container `{}` reads Secret `{secret}` into env `{name}`",
                    c.name()
                ),
            );
        }
        let env_from = c
            .get("envFrom")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (i, source) in env_from.enumerate() {
            let Some(secret_ref) = source.get("secretRef") else {
                continue;
            };
            let secret = secret_ref.get("name").and_then(Value::as_str).unwrap_or("");
            ctx.report(
                res,
                &c.pointer().key("envFrom").index(i).key("secretRef"),
                format!(
                    "container `{}` loads all of Secret `{secret}` into its environment",
                    c.name()
                ),
            );
        }
    }
}
