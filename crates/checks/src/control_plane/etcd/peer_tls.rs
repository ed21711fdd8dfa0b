use super::etcd_require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// etcd containers that do not set both `--peer-cert-file` and `--peer-key-file` (on the
    /// command line or as `ETCD_PEER_CERT_FILE` / `ETCD_PEER_KEY_FILE`). Containers started with
    /// `--config-file` are skipped.
    ///
    /// ## Why it matters
    /// Members replicate the whole keyspace to each other; without peer TLS that replication —
    /// every Secret — travels in clear text between control-plane nodes.
    ///
    /// ## Example
    /// ```yaml
    /// - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    /// - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    /// ```
    pub static META = CheckMeta {
        id: "ETCD-004",
        name: "etcd-peer-tls",
        title: "etcd peers replicate without TLS",
        severity: Severity::High,
        tags: &["control-plane", "etcd", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--peer-cert-file` and `--peer-key-file` to etcd (and use https:// peer URLs)",
        controls: &[
            cis("2.4"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
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
        &["peer-cert-file", "peer-key-file"],
        "replication between members is not encrypted",
    );
}
