use super::etcd_bool_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// etcd containers whose `--peer-client-cert-auth` (or `ETCD_PEER_CLIENT_CERT_AUTH`) is
    /// `false`, explicitly or by default (the default is `false`). Containers started with
    /// `--config-file` are skipped.
    ///
    /// ## Why it matters
    /// Without peer certificate authentication any host that reaches the peer port can join or
    /// impersonate a member and receive the replicated keyspace.
    ///
    /// ## Example
    /// ```yaml
    /// - --peer-client-cert-auth=true
    /// - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    pub static META = CheckMeta {
        id: "ETCD-005",
        name: "etcd-peer-client-cert-auth",
        title: "etcd does not authenticate peers",
        severity: Severity::High,
        tags: &["control-plane", "etcd", "authentication", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--peer-client-cert-auth=true` and `--peer-trusted-ca-file` to etcd",
        controls: &[
            cis("2.5"),
            nsa("NSA-NET-CP"),
            attack("T1557"),
            nist("IA-3"),
            nist("SC-8"),
            sp190("4.3.5"),
            pci("8.3.2"),
            soc2("CC6.1"),
            hipaa("164.312(e)(1)"),
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
        "peer-client-cert-auth",
        false,
        false,
        "accepts peers without a certificate",
    );
}
