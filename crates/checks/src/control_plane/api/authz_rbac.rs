use super::{AUTHZ_KINDS, require_authz_mode};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers whose `--authorization-mode` (default `AlwaysAllow`) does not
    /// include `RBAC`, and structured `AuthorizationConfiguration` files with no `RBAC`
    /// authorizer.
    ///
    /// ## Why it matters
    /// Without RBAC, Roles and RoleBindings have no effect: access is decided by whatever else is
    /// configured, usually something far coarser, and least privilege cannot be expressed.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --authorization-mode=Node,Webhook   # fails; add RBAC
    /// ```
    pub static META = CheckMeta {
        id: "API-008",
        name: "apiserver-authz-rbac",
        title: "API server does not use RBAC",
        severity: Severity::High,
        tags: &["control-plane", "apiserver", "authorization", "rbac"],
        kinds: AUTHZ_KINDS,
        remediation: "include `RBAC` in kube-apiserver's `--authorization-mode` (e.g. `Node,RBAC`)",
        controls: &[
            cis("1.2.8"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            nist("AC-3"),
            nist("AC-6"),
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
    require_authz_mode(ctx, res, "RBAC", "Roles and RoleBindings are not enforced");
}
