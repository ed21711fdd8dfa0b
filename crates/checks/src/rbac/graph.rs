//! The RBAC model shared by the RBAC checks: policy rules and how they match a permission, the
//! built-in ClusterRoles, bindings, their subjects and the roles they resolve to.

use crate::prelude::*;

/// Names of objects Kubernetes creates itself (`system:` prefix) or labels as bootstrap
/// defaults; users cannot change these, so the checks leave them out.
pub(super) fn is_default_object(res: &Resource) -> bool {
    res.name.starts_with("system:")
        || res.label("kubernetes.io/bootstrapping") == Some("rbac-defaults")
}

/// The kube-system namespace: rights there reach every control-plane credential
pub(super) const KUBE_SYSTEM: &str = "kube-system";

/// A permission a check looks for: any verb on any resource in any of the groups
#[derive(Debug)]
pub(super) struct Perm {
    /// API groups (`""` is the core group)
    pub(super) groups: &'static [&'static str],
    /// Resources, `resource/subresource` for subresources
    pub(super) resources: &'static [&'static str],
    /// Verbs
    pub(super) verbs: &'static [&'static str],
    /// The resources are cluster-scoped: a namespaced Role (or a RoleBinding) cannot grant them
    pub(super) cluster_scoped: bool,
    /// Rules limited by `resourceNames` do not count (the risk is the unrestricted grant)
    pub(super) unrestricted_only: bool,
}

/// get/list/watch on Secrets
pub(super) const SECRETS_READ: Perm = Perm {
    groups: &[""],
    resources: &["secrets"],
    verbs: &["get", "list", "watch"],
    cluster_scoped: false,
    unrestricted_only: true,
};

/// Creating pods directly or through a workload controller
pub(super) const POD_CREATE: Perm = Perm {
    groups: &["", "apps", "batch"],
    resources: &[
        "pods",
        "replicationcontrollers",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
    ],
    verbs: &["create"],
    cluster_scoped: false,
    unrestricted_only: false,
};

/// exec / attach into running containers (websocket exec only needs `get`)
pub(super) const EXEC_ATTACH: Perm = Perm {
    groups: &[""],
    resources: &["pods/exec", "pods/attach"],
    verbs: &["create", "get"],
    cluster_scoped: false,
    unrestricted_only: false,
};

/// `bind` / `escalate` on roles
pub(super) const BIND_ESCALATE: Perm = Perm {
    groups: &["rbac.authorization.k8s.io"],
    resources: &["roles", "clusterroles"],
    verbs: &["bind", "escalate"],
    cluster_scoped: false,
    unrestricted_only: true,
};

/// Writing RoleBindings
pub(super) const ROLEBINDING_WRITE: Perm = Perm {
    groups: &["rbac.authorization.k8s.io"],
    resources: &["rolebindings"],
    verbs: &["create", "update", "patch"],
    cluster_scoped: false,
    unrestricted_only: false,
};

/// Writing ClusterRoleBindings
pub(super) const CLUSTERROLEBINDING_WRITE: Perm = Perm {
    groups: &["rbac.authorization.k8s.io"],
    resources: &["clusterrolebindings"],
    verbs: &["create", "update", "patch"],
    cluster_scoped: true,
    unrestricted_only: false,
};

/// `impersonate` on identities
pub(super) const IMPERSONATE: Perm = Perm {
    groups: &["", "authentication.k8s.io"],
    resources: &["users", "groups", "serviceaccounts", "uids", "userextras/*"],
    verbs: &["impersonate"],
    cluster_scoped: false,
    unrestricted_only: false,
};

/// Creating PersistentVolumes
pub(super) const PV_CREATE: Perm = Perm {
    groups: &[""],
    resources: &["persistentvolumes"],
    verbs: &["create"],
    cluster_scoped: true,
    unrestricted_only: false,
};

/// Any kubelet API call through `nodes/proxy`
pub(super) const NODES_PROXY: Perm = Perm {
    groups: &[""],
    resources: &["nodes/proxy"],
    verbs: &["get", "create", "update", "patch", "delete"],
    cluster_scoped: true,
    unrestricted_only: false,
};

/// Setting the approval condition of a CertificateSigningRequest
pub(super) const CSR_APPROVAL: Perm = Perm {
    groups: &["certificates.k8s.io"],
    resources: &["certificatesigningrequests/approval"],
    verbs: &["update", "patch"],
    cluster_scoped: true,
    unrestricted_only: false,
};

/// `approve` on a signer
pub(super) const SIGNER_APPROVE: Perm = Perm {
    groups: &["certificates.k8s.io"],
    resources: &["signers"],
    verbs: &["approve"],
    cluster_scoped: true,
    unrestricted_only: false,
};

/// Writing admission webhook configurations
pub(super) const WEBHOOK_WRITE: Perm = Perm {
    groups: &["admissionregistration.k8s.io"],
    resources: &[
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    ],
    verbs: &["create", "update", "patch", "delete", "deletecollection"],
    cluster_scoped: true,
    unrestricted_only: false,
};

/// Requesting ServiceAccount tokens
pub(super) const TOKEN_CREATE: Perm = Perm {
    groups: &[""],
    resources: &["serviceaccounts/token"],
    verbs: &["create"],
    cluster_scoped: false,
    unrestricted_only: false,
};

/// Writing ConfigMaps
pub(super) const CONFIGMAP_WRITE: Perm = Perm {
    groups: &[""],
    resources: &["configmaps"],
    verbs: &["create", "update", "patch", "delete"],
    cluster_scoped: false,
    unrestricted_only: false,
};

/// One policy rule of a role
#[derive(Debug, Clone)]
pub(super) struct Rule<'a> {
    /// Index in the role's `rules` (meaningless for built-in roles)
    pub(super) index: usize,
    pub(super) groups: Vec<&'a str>,
    pub(super) resources: Vec<&'a str>,
    pub(super) verbs: Vec<&'a str>,
    pub(super) resource_names: Vec<&'a str>,
}

/// Where a rule matched a permission
#[derive(Debug, Clone, Copy)]
pub(super) struct Grant<'a> {
    /// Index of the matching entry in the rule's `verbs`
    pub(super) verb_index: usize,
    /// The rule's verb (may be `*`)
    pub(super) verb: &'a str,
    /// The permission's resource that matched
    pub(super) resource: &'static str,
}

/// Kubernetes resource matching: exact, `*`, or `*/subresource`
fn resource_matches(rule_resource: &str, wanted: &str) -> bool {
    if rule_resource == "*" || rule_resource == wanted {
        return true;
    }
    if let Some(wanted_prefix) = wanted.strip_suffix("/*") {
        // a permission over every subresource (`userextras/*`) matches any of them
        return rule_resource
            .split_once('/')
            .is_some_and(|(r, _)| r == wanted_prefix);
    }
    match (wanted.split_once('/'), rule_resource.strip_prefix("*/")) {
        (Some((_, sub)), Some(rule_sub)) => sub == rule_sub,
        _ => false,
    }
}

/// The entries of a string list, a non-string entry as `""` so indexes stay those of the file
fn entries(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| e.as_str().unwrap_or_default())
        .collect()
}

impl<'a> Rule<'a> {
    /// A rule from a role's `rules/<index>`
    pub(super) fn from_value(index: usize, v: &'a Value) -> Self {
        Self {
            index,
            groups: entries(field(v, "apiGroups")),
            resources: entries(field(v, "resources")),
            verbs: entries(field(v, "verbs")),
            resource_names: entries(field(v, "resourceNames")),
        }
    }

    /// `*` verbs on `*` resources in `*` API groups: everything
    pub(super) fn is_full_wildcard(&self) -> bool {
        self.groups.contains(&"*") && self.resources.contains(&"*") && self.verbs.contains(&"*")
    }

    /// Does the rule grant the permission?
    pub(super) fn grants(&self, perm: &Perm) -> Option<Grant<'a>> {
        if perm.unrestricted_only && !self.resource_names.is_empty() {
            return None;
        }
        if !self
            .groups
            .iter()
            .any(|g| *g == "*" || perm.groups.contains(g))
        {
            return None;
        }
        let resource = self
            .resources
            .iter()
            .find_map(|r| perm.resources.iter().find(|want| resource_matches(r, want)))?;
        let (verb_index, verb) = self
            .verbs
            .iter()
            .enumerate()
            .find(|(_, v)| **v == "*" || perm.verbs.contains(v))?;
        Some(Grant {
            verb_index,
            verb,
            resource,
        })
    }

    /// Pointer to the matched verb of a scanned rule
    pub(super) fn verb_pointer(&self, grant: &Grant<'_>) -> JsonPointer {
        JsonPointer::root()
            .key("rules")
            .index(self.index)
            .key("verbs")
            .index(grant.verb_index)
    }
}

/// A rule of a built-in role
type BuiltinRule = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ: &[&str] = &["get", "list", "watch"];

/// The rules of the built-in `edit` ClusterRole that matter to the checks
static EDIT_RULES: &[BuiltinRule] = &[
    (
        &[""],
        &[
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
            "secrets",
            "services/proxy",
        ],
        READ,
    ),
    (&[""], &["serviceaccounts"], &["impersonate"]),
    (
        &[""],
        &[
            "pods",
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
        ],
        WRITE,
    ),
    (
        &[""],
        &[
            "configmaps",
            "events",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "secrets",
            "serviceaccounts",
            "services",
        ],
        WRITE,
    ),
    (&[""], &["serviceaccounts/token"], &["create"]),
    (
        &["apps"],
        &["daemonsets", "deployments", "replicasets", "statefulsets"],
        WRITE,
    ),
    (&["batch"], &["cronjobs", "jobs"], WRITE),
    (
        &["networking.k8s.io"],
        &["ingresses", "networkpolicies"],
        WRITE,
    ),
];

/// What the built-in `admin` ClusterRole adds to `edit`
static ADMIN_EXTRA_RULES: &[BuiltinRule] = &[(
    &["rbac.authorization.k8s.io"],
    &["roles", "rolebindings"],
    &[
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ],
)];

static CLUSTER_ADMIN_RULES: &[BuiltinRule] = &[(&["*"], &["*"], &["*"])];

fn builtin_rules(name: &str) -> Option<Vec<Rule<'static>>> {
    let sets: &[&[BuiltinRule]] = match name {
        "cluster-admin" => &[CLUSTER_ADMIN_RULES],
        "admin" => &[EDIT_RULES, ADMIN_EXTRA_RULES],
        "edit" => &[EDIT_RULES],
        // `view` reads everything but Secrets: nothing the checks look for
        "view" => &[],
        _ => return None,
    };
    Some(
        sets.iter()
            .flat_map(|s| s.iter())
            .map(|(groups, resources, verbs)| Rule {
                index: 0,
                groups: groups.to_vec(),
                resources: resources.to_vec(),
                verbs: verbs.to_vec(),
                resource_names: Vec::new(),
            })
            .collect(),
    )
}

/// A role's rules: a scanned Role/ClusterRole or a built-in ClusterRole
#[derive(Debug)]
pub(super) struct RoleRules<'a> {
    /// `Role` or `ClusterRole`
    pub(super) kind: &'a str,
    /// Its name
    pub(super) name: &'a str,
    /// The scanned object, `None` for a built-in ClusterRole
    pub(super) object: Option<&'a Resource>,
    /// Its rules
    pub(super) rules: Vec<Rule<'a>>,
}

impl<'a> RoleRules<'a> {
    /// Rules of a scanned Role/ClusterRole
    pub(super) fn scanned(role: &'a Resource) -> Self {
        let rules = role
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, r)| Rule::from_value(i, r))
            .collect();
        Self {
            kind: role.kind.as_str(),
            name: role.name.as_str(),
            object: Some(role),
            rules,
        }
    }

    /// A rule granting everything, if any
    pub(super) fn full_wildcard(&self) -> Option<&Rule<'a>> {
        self.rules.iter().find(|r| r.is_full_wildcard())
    }

    /// Human label, e.g. ``ClusterRole `edit` (built-in)``
    pub(super) fn label(&self) -> String {
        let builtin = if self.object.is_none() {
            " (built-in)"
        } else {
            ""
        };
        format!("{} `{}`{builtin}", self.kind, self.name)
    }
}

/// Scanned Roles and ClusterRoles the checks judge: user-defined, with their own rules (an
/// aggregated ClusterRole's rules are copies of the roles it aggregates, which are judged
/// themselves)
pub(super) fn user_roles(inv: &Inventory) -> impl Iterator<Item = &Resource> {
    user_roles_of_kind(inv, "Role").chain(user_roles_of_kind(inv, "ClusterRole"))
}

/// [`user_roles`] of one kind (`Role` or `ClusterRole`): a check reading only one kind must
/// not have the inventory parse the other
pub(super) fn user_roles_of_kind<'i>(
    inv: &'i Inventory,
    kind: &str,
) -> impl Iterator<Item = &'i Resource> {
    inv.of_kind(kind)
        .filter(|r| !is_default_object(r) && r.get("aggregationRule").is_none())
}

/// Scanned RoleBindings and ClusterRoleBindings, bootstrap defaults left out
pub(super) fn user_bindings(inv: &Inventory) -> impl Iterator<Item = &Resource> {
    inv.of_kind("RoleBinding")
        .chain(inv.of_kind("ClusterRoleBinding"))
        .filter(|b| !is_default_object(b))
}

/// The role a binding refers to: scanned, else built-in, else unknown (`None`)
pub(super) fn resolve_role<'a>(inv: &'a Inventory, binding: &'a Resource) -> Option<RoleRules<'a>> {
    let kind = binding.get("roleRef/kind").and_then(Value::as_str)?;
    let name = binding.get("roleRef/name").and_then(Value::as_str)?;
    match kind {
        "ClusterRole" => {
            if let Some(role) = inv.of_kind_in("ClusterRole", None).find(|r| r.name == name) {
                return Some(RoleRules::scanned(role));
            }
            builtin_rules(name).map(|rules| RoleRules {
                kind: "ClusterRole",
                name,
                object: None,
                rules,
            })
        }
        "Role" if binding.kind == "RoleBinding" => inv
            .of_kind_in("Role", binding.namespace.as_deref())
            .find(|r| r.name == name)
            .map(RoleRules::scanned),
        _ => None,
    }
}

/// Where a binding's grant applies
pub(super) fn binding_scope(binding: &Resource) -> String {
    if binding.kind == "ClusterRoleBinding" {
        "cluster-wide".to_owned()
    } else {
        format!(
            "in namespace `{}`",
            ns_or_default(binding.namespace.as_deref())
        )
    }
}

/// Does the binding grant cluster-wide or in kube-system (where every credential lives)?
pub(super) fn binding_is_broad(binding: &Resource) -> bool {
    binding.kind == "ClusterRoleBinding" || binding.namespace.as_deref() == Some(KUBE_SYSTEM)
}

/// One subject of a binding
#[derive(Debug, Clone, Copy)]
pub(super) struct Subject<'a> {
    /// Index in `subjects`
    pub(super) index: usize,
    /// `User`, `Group` or `ServiceAccount`
    pub(super) kind: &'a str,
    /// Its name
    pub(super) name: &'a str,
    /// Namespace of a ServiceAccount (defaulted to the RoleBinding's)
    pub(super) namespace: Option<&'a str>,
}

impl Subject<'_> {
    /// Pointer to the subject's name in the binding
    pub(super) fn pointer(&self) -> JsonPointer {
        JsonPointer::root()
            .key("subjects")
            .index(self.index)
            .key("name")
    }

    /// Human label, e.g. ``ServiceAccount `ci/deployer` ``
    pub(super) fn label(&self) -> String {
        match (self.kind, self.namespace) {
            ("ServiceAccount", Some(ns)) => format!("ServiceAccount `{ns}/{}`", self.name),
            (kind, _) => format!("{kind} `{}`", self.name),
        }
    }

    /// Is this a ServiceAccount (`ns`, `name`) or a group containing it?
    pub(super) fn covers_service_account(&self, ns: &str, name: &str) -> bool {
        match self.kind {
            "ServiceAccount" => self.name == name && ns_or_default(self.namespace) == ns,
            "Group" => {
                self.name == "system:serviceaccounts"
                    || self.name == "system:authenticated"
                    || self
                        .name
                        .strip_prefix("system:serviceaccounts:")
                        .is_some_and(|n| n == ns)
            }
            _ => false,
        }
    }
}

/// Groups/users that stand for everyone (or every workload) rather than for a component
pub(super) const BROAD_GROUPS: &[&str] = &[
    "system:authenticated",
    "system:unauthenticated",
    "system:anonymous",
    "system:serviceaccounts",
];

/// A Kubernetes component identity (`system:` user or group other than the broad groups)
pub(super) fn is_system_subject(s: &Subject<'_>) -> bool {
    s.kind != "ServiceAccount"
        && s.name.starts_with("system:")
        && !BROAD_GROUPS.contains(&s.name)
        && !s.name.starts_with("system:serviceaccounts:")
}

/// Roles Kubernetes itself grants to everyone: public info, discovery, self-reviews
const PUBLIC_ROLES: &[&str] = &[
    "system:public-info-viewer",
    "system:discovery",
    "system:basic-user",
];

/// Name of the role a binding grants (empty when unset)
pub(super) fn role_ref_name(binding: &Resource) -> &str {
    binding
        .get("roleRef/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// User bindings with the name of the role each grants, leaving out [`PUBLIC_ROLES`]
pub(super) fn non_public_bindings(inv: &Inventory) -> impl Iterator<Item = (&Resource, &str)> {
    user_bindings(inv)
        .map(|b| (b, role_ref_name(b)))
        .filter(|(_, role)| !PUBLIC_ROLES.contains(role))
}

/// The subjects of a binding
pub(super) fn subjects(binding: &Resource) -> impl Iterator<Item = Subject<'_>> {
    let default_ns = if binding.kind == "RoleBinding" {
        binding.namespace.as_deref()
    } else {
        None
    };
    binding
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(move |(index, s)| {
            let kind = s.get("kind").and_then(Value::as_str).unwrap_or_default();
            Subject {
                index,
                kind,
                name: s.get("name").and_then(Value::as_str).unwrap_or_default(),
                namespace: s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .or(if kind == "ServiceAccount" {
                        default_ns
                    } else {
                        None
                    }),
            }
        })
}

/// The permission checks' common logic. Reports
/// * every rule of a user-defined Role/ClusterRole granting one of `perms` (on the matching
///   verb), except rules granting everything (`*` on `*`), which RBAC-002 and RBAC-001 report;
/// * every binding of a built-in ClusterRole (`admin`, `edit`) that grants one of `perms`
///   cluster-wide or in kube-system (on `roleRef/name`).
///
/// `what` names the risk in messages, e.g. `read Secrets`.
pub(super) fn report_grants(ctx: &mut CheckCtx<'_>, inv: &Inventory, perms: &[&Perm], what: &str) {
    for role in user_roles(inv) {
        let rr = RoleRules::scanned(role);
        for rule in &rr.rules {
            if rule.is_full_wildcard() {
                continue;
            }
            if let Some(grant) = first_grant(rule, perms, role.kind == "Role") {
                ctx.report(
                    role,
                    &rule.verb_pointer(&grant),
                    format!(
                        "{} grants `{}` on `{}`: its subjects can {what}",
                        rr.label(),
                        grant.verb,
                        grant.resource
                    ),
                );
            }
        }
    }
    for binding in user_bindings(inv) {
        if !binding_is_broad(binding) {
            continue;
        }
        let Some(rr) = resolve_role(inv, binding) else {
            continue;
        };
        if rr.object.is_some() || rr.full_wildcard().is_some() {
            continue;
        }
        let namespaced = binding.kind == "RoleBinding";
        if let Some(grant) = rr
            .rules
            .iter()
            .find_map(|r| first_grant(r, perms, namespaced))
        {
            ctx.report(
                binding,
                &JsonPointer::root().key("roleRef").key("name"),
                format!(
                    "{} `{}` binds {} {}, which grants `{}` on `{}`: its subjects can {what}",
                    binding.kind,
                    binding.name,
                    rr.label(),
                    binding_scope(binding),
                    grant.verb,
                    grant.resource
                ),
            );
        }
    }
}

/// The first permission of `perms` a rule grants; `namespaced` leaves out cluster-scoped ones
pub(super) fn first_grant<'a>(
    rule: &Rule<'a>,
    perms: &[&Perm],
    namespaced: bool,
) -> Option<Grant<'a>> {
    perms
        .iter()
        .filter(|p| !(namespaced && p.cluster_scoped))
        .find_map(|p| rule.grants(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rule_matching_follows_kubernetes() {
        let v = json!({"apiGroups": [""], "resources": ["*/exec"], "verbs": ["get"]});
        let r = Rule::from_value(0, &v);
        assert!(r.grants(&EXEC_ATTACH).is_some());
        assert!(r.grants(&SECRETS_READ).is_none());
        let v = json!({"apiGroups": ["*"], "resources": ["secrets"], "verbs": ["*"], "resourceNames": ["x"]});
        let r = Rule::from_value(0, &v);
        assert!(r.grants(&SECRETS_READ).is_none());
        assert!(r.grants(&CONFIGMAP_WRITE).is_none());
        let v = json!({"apiGroups": ["authentication.k8s.io"], "resources": ["userextras/scopes"], "verbs": ["impersonate"]});
        assert!(Rule::from_value(0, &v).grants(&IMPERSONATE).is_some());
        let v = json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create"]});
        assert!(Rule::from_value(0, &v).grants(&POD_CREATE).is_some());
    }

    #[test]
    fn builtins() {
        let edit = builtin_rules("edit").unwrap_or_default();
        assert!(edit.iter().any(|r| r.grants(&SECRETS_READ).is_some()));
        assert!(edit.iter().all(|r| r.grants(&ROLEBINDING_WRITE).is_none()));
        let admin = builtin_rules("admin").unwrap_or_default();
        assert!(admin.iter().any(|r| r.grants(&ROLEBINDING_WRITE).is_some()));
        assert!(builtin_rules("view").is_some_and(|r| r.is_empty()));
        assert!(builtin_rules("custom").is_none());
    }
}
