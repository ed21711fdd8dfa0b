use super::etcd_bool_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// etcd containers that set `--auto-tls=true` (or `ETCD_AUTO_TLS=true`). Containers started
    /// with `--config-file` are skipped.
    ///
    /// ## Why it matters
    /// Auto TLS makes etcd generate a self-signed client certificate that nobody can verify:
    /// traffic is encrypted but clients have no way to tell etcd from an impostor.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - etcd
    /// - --auto-tls=true   # fails; use --cert-file/--key-file from the etcd CA
    /// ```
    pub static META = CheckMeta {
        id: "ETCD-003",
        name: "etcd-auto-tls",
        title: "etcd uses self-signed client certificates",
        severity: Severity::Medium,
        tags: &["control-plane", "etcd", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `--auto-tls` and give etcd a certificate signed by the etcd CA",
        controls: &[
            cis("2.3"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-12"),
            pci("2.2.7"),
            soc2("CC6.7"),
            hipaa("164.312(e)(2)(ii)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    etcd_bool_flag(
        ctx,
        res,
        "auto-tls",
        false,
        true,
        "serves clients with an unverifiable self-signed certificate",
    );
}
