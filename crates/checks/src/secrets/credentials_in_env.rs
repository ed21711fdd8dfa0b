use super::patterns::{Credential, named_credential};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Literal `env[].value`s of containers, init containers and ephemeral containers that are
    /// credentials: either the value is recognisably one whatever the variable's name (a private
    /// key, a JSON web token, an AWS access key, a GitHub/Slack/Google/Stripe token, a URL with
    /// an embedded password), or the variable's name says it holds one (`DB_PASSWORD`,
    /// `API_KEY`, `jwtSecret`, …) and the value is a literal. Names that describe a secret
    /// rather than hold it (`PASSWORD_FILE`, `TOKEN_TTL`, `SECRET_NAME`), references
    /// (`$(VAR)`, `${VAR}`, `{{ … }}`), booleans and file paths are not reported. Messages never
    /// repeat the value.
    ///
    /// ## Why it matters
    /// A credential written into a manifest is stored in plain text in Git, in CI logs, in etcd
    /// (pod specs are not encrypted like Secrets can be) and is shown to anyone who can read the
    /// workload — a far wider audience than those allowed to read Secrets.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: DB_PASSWORD
    ///   value: hunter2            # fails
    /// - name: DB_PASSWORD
    ///   valueFrom:                # passes: read from a Secret
    ///     secretKeyRef: {name: db, key: password}
    /// ```
    pub static META = CheckMeta {
        id: "SEC-001",
        name: "credentials-in-env",
        title: "Plain-text credential in container environment",
        severity: Severity::High,
        tags: &["secrets", "credentials"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "move the value into a Secret (or an external secret store) and reference it \
                      with `valueFrom.secretKeyRef` or a mounted volume; rotate the exposed \
                      credential",
        controls: &[
            nsa("NSA-NET-SECRETS"),
            attack("T1552.001"),
            nist("IA-5"),
            nist("IA-5(7)"),
            nist("SC-28"),
            sp190("4.1.4"),
            pci("8.6.2"),
            soc2("CC6.1"),
            soc2("C1.1"),
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
            let name = field(var, "name").and_then(Value::as_str).unwrap_or("");
            let Some(value) = field(var, "value").and_then(Value::as_str) else {
                continue;
            };
            let message = match named_credential(name, value) {
                Some(Credential::Value(kind)) => format!(
                    "container `{}` puts {kind} in plain text into env `{name}`",
                    c.name()
                ),
                Some(Credential::NamedLiteral) => format!(
                    "container `{}` sets credential-like env `{name}` to a literal value",
                    c.name()
                ),
                None => continue,
            };
            ctx.report(res, &c.pointer().key("env").index(i).key("value"), message);
        }
    }
}
