use crate::control_plane::flags::Component;
use crate::control_plane::rules::forbid_flag;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that pass `--token-auth-file`.
    ///
    /// ## Why it matters
    /// Static bearer tokens live in clear text in a file on the control-plane node, never expire,
    /// and can only be changed by restarting the API server; a leaked token stays valid until
    /// someone notices.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --token-auth-file=/etc/kubernetes/tokens.csv   # fails
    /// ```
    pub static META = CheckMeta {
        id: "API-002",
        name: "apiserver-token-auth-file",
        title: "API server accepts static token file",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "authentication"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `--token-auth-file` and authenticate users with certificates, OIDC or a webhook",
        controls: &[
            cis("1.2.2"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1078"),
            nist("IA-2"),
            nist("IA-5"),
            sp190("4.3.2"),
            pci("8.3.1"),
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
    forbid_flag(
        ctx,
        res,
        Component::ApiServer,
        "token-auth-file",
        "accepts long-lived static bearer tokens",
    );
}
