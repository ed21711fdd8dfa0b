use super::graph::{CSR_APPROVAL, RoleRules, SIGNER_APPROVE, first_grant, user_roles_of_kind};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// ClusterRoles that grant both `update`/`patch` on `certificatesigningrequests/approval` and
    /// `approve` on `signers` (directly or through `*`) — together these approve certificate
    /// requests. A `signers` rule limited by `resourceNames` to signers outside
    /// `kubernetes.io/` (a custom signer) does not count. The finding is on the approval rule.
    ///
    /// ## Why it matters
    /// Approving a request for the `kubernetes.io/kube-apiserver-client` signer issues a client
    /// certificate for any user and group named in it — `system:masters` included — which the
    /// API server trusts until it expires and which cannot be revoked.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    /// - apiGroups: ["certificates.k8s.io"]
    ///   resources: ["certificatesigningrequests/approval"]
    ///   verbs: ["update"]          # fails (with the rule below)
    /// - apiGroups: ["certificates.k8s.io"]
    ///   resources: ["signers"]
    ///   verbs: ["approve"]
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-011",
        name: "csr-approve",
        title: "ClusterRole lets its subjects approve certificate signing requests",
        severity: Severity::High,
        tags: &["rbac", "certificates"],
        kinds: &["ClusterRole"],
        remediation: "leave CSR approval to the controller manager and cluster administrators; a \
                      custom approver should be limited to its own signer with `resourceNames`",
        controls: &[
            cis("5.1.11"),
            nsa("NSA-AUTH-RBAC"),
            nsa("NSA-AUTH-AUTHN"),
            attack("T1098.006"),
            attack("T1552.004"),
            nist("AC-6"),
            nist("IA-4"),
            sp190("4.3.1"),
            pci("7.2.2"),
            soc2("CC6.1"),
            soc2("CC6.3"),
            hipaa("164.312(d)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

/// A signer rule that can approve built-in (`kubernetes.io/…`) signers
fn approves_builtin_signers(rule: &super::graph::Rule<'_>) -> bool {
    rule.grants(&SIGNER_APPROVE).is_some()
        && (rule.resource_names.is_empty()
            || rule
                .resource_names
                .iter()
                .any(|n| n.starts_with("kubernetes.io/")))
}

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for role in user_roles_of_kind(inv, "ClusterRole") {
        let rr = RoleRules::scanned(role);
        let live: Vec<_> = rr.rules.iter().filter(|r| !r.is_full_wildcard()).collect();
        if !live.iter().any(|r| approves_builtin_signers(r)) {
            continue;
        }
        for rule in &live {
            if let Some(grant) = first_grant(rule, &[&CSR_APPROVAL], false) {
                ctx.report(
                    role,
                    &rule.verb_pointer(&grant),
                    format!(
                        "{} grants `{}` on `{}` and `approve` on `signers`: its subjects can \
                         approve certificate requests",
                        rr.label(),
                        grant.verb,
                        grant.resource
                    ),
                );
            }
        }
    }
}
