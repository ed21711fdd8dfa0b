use crate::control_plane::flags::Component;
use crate::control_plane::rules::require_flags;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that do not pass all of `--etcd-certfile`, `--etcd-keyfile` and
    /// `--etcd-cafile`.
    ///
    /// ## Why it matters
    /// etcd holds every Secret of the cluster. Without a client certificate the API server cannot
    /// use a TLS-authenticated etcd, and without the CA it cannot tell the real etcd from an
    /// impostor.
    ///
    /// ## Example
    /// ```yaml
    /// - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    /// - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    /// - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    /// ```
    pub static META = CheckMeta {
        id: "API-021",
        name: "apiserver-etcd-client-tls",
        title: "API server talks to etcd without mutual TLS",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "etcd", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--etcd-certfile`, `--etcd-keyfile` and `--etcd-cafile` to kube-apiserver",
        controls: &[
            cis("1.2.23"),
            cis("1.2.26"),
            nsa("NSA-NET-CP"),
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            nist("SC-8"),
            nist("SC-8(1)"),
            nist("IA-3"),
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
    require_flags(
        ctx,
        res,
        Component::ApiServer,
        &["etcd-certfile", "etcd-keyfile", "etcd-cafile"],
        "its connection to etcd is not mutually authenticated",
    );
}
