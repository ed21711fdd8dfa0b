use super::graph::is_default_object;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Rules of Roles and ClusterRoles that use a wildcard — `*` (or `*/subresource`) — in
    /// `verbs`, `resources`, `apiGroups` or `nonResourceURLs`. One finding per rule, on its first
    /// wildcard. Kubernetes' own `system:` roles and aggregated ClusterRoles (whose rules are
    /// copies of other roles) are left out.
    ///
    /// ## Why it matters
    /// A wildcard grants more than anyone reviewed: every verb includes `escalate`, `bind` and
    /// `impersonate`, every resource includes Secrets, and both grow silently as new APIs and
    /// CRDs are installed. Least privilege needs explicit lists.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["configmaps"]
    ///   verbs: ["*"]        # fails: list the verbs (get, list, …)
    /// ```
    pub static META = CheckMeta {
        id: "RBAC-002",
        name: "wildcard-rbac",
        title: "Role or ClusterRole uses a wildcard",
        severity: Severity::High,
        tags: &["rbac", "least-privilege"],
        kinds: &["Role", "ClusterRole"],
        remediation: "replace `*` with the explicit verbs, resources and API groups the role \
                      needs",
        controls: &[
            cis("5.1.3"),
            nsa("NSA-AUTH-RBAC"),
            attack("T1078"),
            attack("T1098.006"),
            nist("AC-6"),
            nist("AC-6(1)"),
            sp190("4.3.1"),
            pci("7.2.1"),
            pci("7.2.2"),
            soc2("CC6.1"),
            soc2("CC6.3"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// The rule fields a wildcard can appear in, in report order
const FIELDS: [&str; 4] = ["verbs", "resources", "apiGroups", "nonResourceURLs"];

fn is_wildcard(entry: &str) -> bool {
    entry == "*" || entry.starts_with("*/")
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if is_default_object(res) || res.get("aggregationRule").is_some() {
        return;
    }
    let Some(rules) = res.get("rules").and_then(Value::as_array) else {
        return;
    };
    for (i, rule) in rules.iter().enumerate() {
        let mut first = None;
        let mut fields = Vec::new();
        for field in FIELDS {
            let position = rule
                .get(field)
                .and_then(Value::as_array)
                .and_then(|a| a.iter().position(|v| v.as_str().is_some_and(is_wildcard)));
            if let Some(j) = position {
                first.get_or_insert((field, j));
                fields.push(format!("`{field}`"));
            }
        }
        if let Some((field, j)) = first {
            ctx.report(
                res,
                &JsonPointer::root()
                    .key("rules")
                    .index(i)
                    .key(field)
                    .index(j),
                format!(
                    "{} `{}` rule {i} uses a wildcard in {}",
                    res.kind,
                    res.name,
                    fields.join(", ")
                ),
            );
        }
    }
}
