use super::{AUTHZ_KINDS, AuthzModes, authorizer_types, authz_modes};
use crate::control_plane::flags::{Component, invocations};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers whose `--authorization-mode` includes `AlwaysAllow` or is absent
    /// (its default is `AlwaysAllow`), and structured `AuthorizationConfiguration` files with an
    /// `AlwaysAllow` authorizer.
    ///
    /// ## Why it matters
    /// `AlwaysAllow` authorizes every request that reaches it: every authenticated user — and,
    /// with anonymous access, everyone — is effectively cluster-admin.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --authorization-mode=AlwaysAllow   # fails; use Node,RBAC
    /// ```
    pub static META = CheckMeta {
        id: "API-006",
        name: "apiserver-authz-alwaysallow",
        title: "API server authorizes every request",
        severity: Severity::Critical,
        tags: &["control-plane", "apiserver", "authorization"],
        kinds: AUTHZ_KINDS,
        remediation: "set `--authorization-mode=Node,RBAC` (or list Node and RBAC authorizers in the authorization config)",
        controls: &[
            cis("1.2.6"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            nist("AC-3"),
            nist("AC-6"),
            sp190("4.3.1"),
            sp190("4.3.2"),
            pci("7.2.1"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if let Some(types) = authorizer_types(res) {
        for (i, t) in types {
            if t == "AlwaysAllow" {
                ctx.report(
                    res,
                    &JsonPointer::root().key("authorizers").index(i).key("type"),
                    "the AuthorizationConfiguration has an `AlwaysAllow` authorizer, which allows every request",
                );
            }
        }
        return;
    }
    for inv in invocations(res, Component::ApiServer) {
        match authz_modes(&inv) {
            AuthzModes::ConfigFile => {}
            AuthzModes::Default => ctx.report(
                res,
                &inv.anchor,
                format!(
                    "{} does not set `--authorization-mode`, which defaults to `AlwaysAllow`: every request is allowed",
                    inv.who()
                ),
            ),
            AuthzModes::Flag(modes) => {
                for (mode, flag) in modes {
                    if mode == "AlwaysAllow" {
                        ctx.report(
                            res,
                            &flag.pointer,
                            format!(
                                "{} authorizes every request: `{}`",
                                inv.who(),
                                flag.shown()
                            ),
                        );
                    }
                }
            }
        }
    }
}
