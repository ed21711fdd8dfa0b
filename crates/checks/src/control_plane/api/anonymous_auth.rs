use crate::control_plane::flags::{Component, invocations};
use crate::control_plane::rules::bool_flag_of;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers (static pod manifests or any workload running the binary) whose
    /// `--anonymous-auth` is `true`, either explicitly or because the flag is absent (its default
    /// is `true`). When anonymous access is configured in an `--authentication-config` file
    /// instead, the check stays silent.
    ///
    /// ## Why it matters
    /// With anonymous access on, any request that no authenticator claims is served as
    /// `system:anonymous`; one careless RoleBinding to that user or to `system:unauthenticated`
    /// then opens the API to the whole network.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --anonymous-auth=true   # fails; use --anonymous-auth=false
    /// ```
    pub static META = CheckMeta {
        id: "API-001",
        name: "apiserver-anonymous-auth",
        title: "API server accepts anonymous requests",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "authentication"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "pass `--anonymous-auth=false` to kube-apiserver (or restrict anonymous access to health endpoints in the authentication config)",
        controls: &[
            cis("1.2.1"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1078.001"),
            attack("T1190"),
            nist("AC-3"),
            nist("IA-2"),
            nist("CM-6"),
            sp190("4.3.2"),
            pci("8.2.1"),
            pci("2.2.6"),
            soc2("CC6.1"),
            hipaa("164.312(d)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for inv in invocations(res, Component::ApiServer) {
        if !inv.flags.has("anonymous-auth") && inv.flags.has("authentication-config") {
            continue; // configured in the authentication config file
        }
        bool_flag_of(
            ctx,
            res,
            &inv,
            "anonymous-auth",
            true,
            true,
            "serves unauthenticated requests as `system:anonymous`",
        );
    }
}
