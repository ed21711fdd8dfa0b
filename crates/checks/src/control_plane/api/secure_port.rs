use crate::control_plane::flags::{Component, invocations};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that pass `--secure-port=0`.
    ///
    /// ## Why it matters
    /// Port 0 turns the HTTPS endpoint off; the API server is then either unreachable or reached
    /// only through some unauthenticated, unencrypted path.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --secure-port=0   # fails; use 6443 (or leave the default)
    /// ```
    pub static META = CheckMeta {
        id: "API-028",
        name: "apiserver-secure-port",
        title: "API server secure port disabled",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `--secure-port=0` (the default is 6443)",
        controls: &[
            nsa("NSA-NET-CP"),
            nist("SC-8"),
            nist("CM-7"),
            pci("2.2.7"),
            soc2("CC6.7"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for inv in invocations(res, Component::ApiServer) {
        if let Some(flag) = inv.flags.get("secure-port")
            && flag.value().map(str::trim) == Some("0")
        {
            ctx.report(
                res,
                &flag.pointer,
                format!("{} turns its HTTPS port off: `{}`", inv.who(), flag.shown()),
            );
        }
    }
}
