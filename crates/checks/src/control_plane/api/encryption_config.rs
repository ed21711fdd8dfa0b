use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass `--encryption-provider-config`.
    ///
    /// ## Why it matters
    /// Without an encryption config, Secrets are stored in etcd as plain base64: anyone with a
    /// copy of the etcd data directory or a backup reads every credential of the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml
    /// ```
    pub static META = CheckMeta {
        id: "API-024",
        name: "apiserver-encryption-config",
        title: "Secrets not encrypted at rest",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "encryption", "secrets"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "write an EncryptionConfiguration (kms v2, aesgcm, aescbc or secretbox for `secrets`) and pass it with `--encryption-provider-config`",
        controls: &[
            cis("1.2.27"),
            nsa("NSA-NET-ENC"),
            nsa("NSA-NET-SECRETS"),
            attack("T1552.007"),
            nist("SC-28"),
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

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    require_flags(
        ctx,
        res,
        Component::ApiServer,
        &["encryption-provider-config"],
        "Secrets are stored unencrypted in etcd",
    );
}
