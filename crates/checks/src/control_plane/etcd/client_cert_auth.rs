use super::etcd_bool_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// etcd containers whose `--client-cert-auth` (or `ETCD_CLIENT_CERT_AUTH`) is `false`,
    /// explicitly or by default (the default is `false`). Containers started with `--config-file`
    /// are skipped.
    ///
    /// ## Why it matters
    /// Without client certificate authentication anyone who can reach etcd's client port can
    /// read and write the whole cluster state, bypassing the API server, RBAC and audit.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - etcd
    /// - --client-cert-auth=true
    /// - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    pub static META = CheckMeta {
        id: "ETCD-002",
        name: "etcd-client-cert-auth",
        title: "etcd does not authenticate clients",
        severity: Severity::High,
        tags: &["control-plane", "etcd", "authentication", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--client-cert-auth=true` and `--trusted-ca-file` to etcd",
        controls: &[
            cis("2.2"),
            nsa("NSA-NET-CP"),
            attack("T1552.007"),
            nist("IA-3"),
            nist("AC-3"),
            sp190("4.3.2"),
            pci("8.3.2"),
            soc2("CC6.1"),
            hipaa("164.312(a)(2)(iv)"),
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
        "client-cert-auth",
        false,
        false,
        "accepts clients without a certificate",
    );
}
