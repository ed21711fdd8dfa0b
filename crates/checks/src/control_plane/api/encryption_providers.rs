use crate::prelude::*;

/// Providers that actually encrypt
const ENCRYPTING: &[&str] = &["kms", "aesgcm", "aescbc", "secretbox"];

declare_check! {
    /// ## What it checks
    /// `EncryptionConfiguration` files (the file `--encryption-provider-config` points at) whose
    /// entry for `secrets` — the first entry naming `secrets`, `*.` or `*.*` — has `identity` (or
    /// anything other than `kms`, `aesgcm`, `aescbc` or `secretbox`) as its first provider, has no
    /// providers, or that have no entry covering `secrets` at all.
    ///
    /// ## Why it matters
    /// The first provider encrypts new writes. With `identity` first, Secrets are still written
    /// to etcd in plain text even though an encryption config exists.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    /// - resources: [secrets]
    ///   providers:
    ///   - identity: {}          # fails: must come last
    ///   - aescbc: {keys: [...]}
    /// ```
    pub static META = CheckMeta {
        id: "API-025",
        name: "apiserver-encryption-providers",
        title: "Encryption config does not encrypt Secrets",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "encryption", "secrets"],
        kinds: &["EncryptionConfiguration", "EncryptionConfig"],
        remediation: "list `secrets` with an encrypting provider first (kms v2 preferred, or aesgcm/aescbc/secretbox) and `identity` only last",
        controls: &[
            cis("1.2.28"),
            nsa("NSA-NET-ENC"),
            nsa("NSA-NET-SECRETS"),
            attack("T1552.007"),
            nist("SC-28"),
            nist("SC-13"),
            pci("3.5.1"),
            soc2("CC6.1"),
            hipaa("164.312(a)(2)(iv)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn covers_secrets(resource: &str) -> bool {
    matches!(resource, "secrets" | "secrets." | "*." | "*.*")
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let entries = res.get("resources").and_then(Value::as_array);
    let entry = entries
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, e)| strings(e.get("resources")).any(covers_secrets));
    let Some((i, entry)) = entry else {
        ctx.report(
            res,
            &JsonPointer::root().key("resources"),
            "the encryption config has no entry for `secrets`, so Secrets are stored unencrypted",
        );
        return;
    };
    let at = JsonPointer::root().key("resources").index(i);
    let first = entry
        .get("providers")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(Value::as_object)
        .and_then(|o| o.keys().next());
    match first {
        None => ctx.report(
            res,
            &at.key("providers"),
            "the encryption config lists no provider for `secrets`",
        ),
        Some(name) if ENCRYPTING.contains(&name.as_str()) => {}
        Some(name) => ctx.report(
            res,
            &at.key("providers").index(0),
            format!(
                "the first provider for `secrets` is `{name}`, so new Secrets are written to etcd unencrypted"
            ),
        ),
    }
}
