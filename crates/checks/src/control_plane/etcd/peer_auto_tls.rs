use super::etcd_bool_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// etcd containers that set `--peer-auto-tls=true` (or `ETCD_PEER_AUTO_TLS=true`). Containers
    /// started with `--config-file` are skipped.
    ///
    /// ## Why it matters
    /// Peer auto TLS generates self-signed peer certificates, so members cannot verify each
    /// other and an impostor can join replication.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - etcd
    /// - --peer-auto-tls=true   # fails
    /// ```
    pub static META = CheckMeta {
        id: "ETCD-006",
        name: "etcd-peer-auto-tls",
        title: "etcd peers use self-signed certificates",
        severity: Severity::Medium,
        tags: &["control-plane", "etcd", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `--peer-auto-tls` and give each member a peer certificate signed by the etcd CA",
        controls: &[
            cis("2.6"),
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
        "peer-auto-tls",
        false,
        true,
        "uses unverifiable self-signed peer certificates",
    );
}
