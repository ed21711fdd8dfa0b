use super::etcd_require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// etcd containers that do not set both `--cert-file` and `--key-file` (on the command line or
    /// as `ETCD_CERT_FILE` / `ETCD_KEY_FILE`). Containers started with `--config-file` are
    /// skipped: etcd then ignores flags and variables.
    ///
    /// ## Why it matters
    /// Without a serving certificate etcd speaks plain HTTP to its clients, so every Secret the
    /// API server reads or writes crosses the network in clear text.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - etcd
    /// - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    /// - --key-file=/etc/kubernetes/pki/etcd/server.key
    /// ```
    pub static META = CheckMeta {
        id: "ETCD-001",
        name: "etcd-client-tls",
        title: "etcd serves clients without TLS",
        severity: Severity::High,
        tags: &["control-plane", "etcd", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--cert-file` and `--key-file` to etcd (and use https:// client URLs)",
        controls: &[
            cis("2.1"),
            nsa("NSA-NET-CP"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            attack("T1552.007"),
            nist("SC-8"),
            nist("SC-8(1)"),
            sp190("4.3.5"),
            pci("2.2.7"),
            soc2("CC6.7"),
            hipaa("164.312(e)(1)"),
            hipaa("164.312(e)(2)(ii)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    etcd_require_flags(
        ctx,
        res,
        &["cert-file", "key-file"],
        "clients talk to it in clear text",
    );
}
