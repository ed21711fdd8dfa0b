use super::{AUTHZ_KINDS, require_authz_mode};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers whose `--authorization-mode` (default `AlwaysAllow`) does not
    /// include `Node`, and structured `AuthorizationConfiguration` files with no `Node`
    /// authorizer.
    ///
    /// ## Why it matters
    /// The Node authorizer limits each kubelet to the Secrets, ConfigMaps and volumes of the pods
    /// bound to its own node. Without it a kubelet needs broad RBAC grants, so one compromised
    /// node can read every Secret in the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --authorization-mode=RBAC   # fails; use Node,RBAC
    /// ```
    pub static META = CheckMeta {
        id: "API-007",
        name: "apiserver-authz-node",
        title: "API server does not use the Node authorizer",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "authorization"],
        kinds: AUTHZ_KINDS,
        remediation: "include `Node` in kube-apiserver's `--authorization-mode` (e.g. `Node,RBAC`)",
        controls: &[
            cis("1.2.7"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            nist("AC-3"),
            nist("AC-6"),
            sp190("4.3.5"),
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
    require_authz_mode(
        ctx,
        res,
        "Node",
        "kubelets are not confined to the objects of their own node",
    );
}
