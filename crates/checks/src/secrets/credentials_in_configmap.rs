use super::patterns::{Credential, named_credential, sensitive_assignment};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Entries of a ConfigMap's `data` that hold credentials: a value that is recognisably one
    /// (a private key, a JSON web token, an AWS access key, a GitHub/Slack/Google/Stripe token,
    /// a URL with an embedded password), a single-line value whose key names a credential
    /// (`db_password`, `apiKey`, …), or an embedded configuration file with a literal
    /// credential assignment (`password = …`, `"apiKey": "…"`, `token: …`). References such as
    /// `${DB_PASSWORD}` or `{{ … }}` are not reported, and messages never repeat the value.
    ///
    /// ## Why it matters
    /// ConfigMaps are meant for non-confidential data: they are readable by far more subjects
    /// than Secrets, are not covered by encryption at rest for Secrets, and are routinely
    /// printed in logs, dashboards and `kubectl describe` output.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   db_password: hunter2        # fails
    ///   app.properties: |           # fails: password assignment inside
    ///     db.url=jdbc:postgresql://db/app
    ///     db.password=hunter2
    /// ```
    pub static META = CheckMeta {
        id: "SEC-002",
        name: "credentials-in-configmap",
        title: "Credential stored in a ConfigMap",
        severity: Severity::High,
        tags: &["secrets", "credentials"],
        kinds: &["ConfigMap"],
        remediation: "move the credential into a Secret (or an external secret store) and mount \
                      or reference it from there; rotate the exposed credential",
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
    let Some(data) = res.get("data").and_then(Value::as_object) else {
        return;
    };
    for (key, value) in data {
        let Some(value) = value.as_str() else {
            continue;
        };
        let message = match named_credential(key, value) {
            Some(Credential::Value(kind)) => {
                format!("ConfigMap `{}` key `{key}` holds {kind}", res.name)
            }
            // a multi-line value is a file: judged by its assignments below
            Some(Credential::NamedLiteral) if !value.contains('\n') => format!(
                "ConfigMap `{}` key `{key}` holds a literal credential-like value",
                res.name
            ),
            _ => match sensitive_assignment(value) {
                Some(field) => format!(
                    "ConfigMap `{}` key `{key}` sets `{field}` to a literal value",
                    res.name
                ),
                None => continue,
            },
        };
        ctx.report(res, &JsonPointer::root().key("data").key(key), message);
    }
}
