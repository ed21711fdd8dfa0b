//! The roles of who makes a request, from RoleBindings and ClusterRoleBindings, as Kyverno's
//! webhook resolves them for `roles`/`clusterRoles` in `match`/`exclude` and for
//! `request.roles`/`request.clusterRoles` (`pkg/userinfo`): a RoleBinding gives
//! `namespace:name` for a Role and the name for a ClusterRole; a ClusterRoleBinding gives its
//! ClusterRole. Subjects match by user name, group, or service account
//! (`system:serviceaccount:<namespace>:<name>`, where a RoleBinding's subject without a
//! namespace is in the binding's). The lists are sorted, without repeats.

use crate::policy::Policy;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// What a binding grants its subjects
#[derive(Debug, Clone, PartialEq, Eq)]
enum Grant {
    /// A Role, as `namespace:name`
    Role(String),
    /// A ClusterRole, by name
    ClusterRole(String),
}

/// RoleBindings and ClusterRoleBindings by subject, built once per set of bindings.
///
/// Resolving the roles of who asks ran through every binding per request that needed them
/// (a policy excluding `clusterRoles: [cluster-admin]` needs them for every request it
/// selects): thousands of bindings in a large cluster made each such review cost
/// milliseconds. Here a request looks up its user and its groups only.
#[derive(Debug, Default)]
pub struct RoleIndex {
    /// By user name; a service account subject is filed under its user name
    /// (`system:serviceaccount:<namespace>:<name>`)
    users: HashMap<String, Vec<Grant>>,
    groups: HashMap<String, Vec<Grant>>,
    /// Bindings read
    bindings: usize,
}

impl RoleIndex {
    /// Index `bindings` (documents of any kind; those that are not `rbac.authorization.k8s.io`
    /// bindings are skipped)
    pub fn new<'b>(bindings: impl IntoIterator<Item = &'b Value>) -> Self {
        fn text(v: Option<&Value>) -> &str {
            v.and_then(Value::as_str).unwrap_or_default()
        }
        let mut index = Self::default();
        for binding in bindings {
            if !text(binding.get("apiVersion")).starts_with("rbac.authorization.k8s.io/") {
                continue;
            }
            let cluster_wide = match text(binding.get("kind")) {
                "RoleBinding" => false,
                "ClusterRoleBinding" => true,
                _ => continue,
            };
            index.bindings += 1;
            let namespace = text(binding.get("metadata").and_then(|m| m.get("namespace")));
            let role_ref = binding.get("roleRef");
            let role = text(role_ref.and_then(|r| r.get("name")));
            let grant = match (text(role_ref.and_then(|r| r.get("kind"))), cluster_wide) {
                ("Role", false) => Grant::Role(format!("{namespace}:{role}")),
                ("ClusterRole", _) => Grant::ClusterRole(role.to_owned()),
                _ => continue,
            };
            let subjects = binding.get("subjects").and_then(Value::as_array);
            for subject in subjects.into_iter().flatten() {
                let name = text(subject.get("name"));
                let (map, key) = match text(subject.get("kind")) {
                    "User" => (&mut index.users, name.to_owned()),
                    "Group" => (&mut index.groups, name.to_owned()),
                    "ServiceAccount" => {
                        // without a namespace: the RoleBinding's (a ClusterRoleBinding's
                        // names nobody)
                        let ns = match text(subject.get("namespace")) {
                            "" if cluster_wide => continue,
                            "" => namespace,
                            ns => ns,
                        };
                        if ns.is_empty() {
                            continue;
                        }
                        (
                            &mut index.users,
                            format!("system:serviceaccount:{ns}:{name}"),
                        )
                    }
                    _ => continue,
                };
                let grants = map.entry(key).or_default();
                if !grants.contains(&grant) {
                    grants.push(grant.clone());
                }
            }
        }
        index
    }

    /// How many bindings it holds
    pub fn len(&self) -> usize {
        self.bindings
    }

    /// True when it holds no binding
    pub fn is_empty(&self) -> bool {
        self.bindings == 0
    }

    fn grants_of<'s>(
        &'s self,
        username: &str,
        groups: &'s [String],
    ) -> impl Iterator<Item = &'s Grant> + 's {
        let user = self.users.get(username).into_iter().flatten();
        let by_group = groups.iter().filter_map(|g| self.groups.get(g)).flatten();
        user.chain(by_group)
    }
}

/// `(roles, cluster_roles)` of the user `username` in `groups`, from the bindings of every
/// index: sorted, without repeats
pub fn roles_of(
    indexes: &[&RoleIndex],
    username: &str,
    groups: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut roles = BTreeSet::new();
    let mut cluster_roles = BTreeSet::new();
    for grant in indexes.iter().flat_map(|i| i.grants_of(username, groups)) {
        match grant {
            Grant::Role(r) => roles.insert(r.as_str()),
            Grant::ClusterRole(r) => cluster_roles.insert(r.as_str()),
        };
    }
    (
        roles.into_iter().map(str::to_owned).collect(),
        cluster_roles.into_iter().map(str::to_owned).collect(),
    )
}

/// Whether the policy can depend on the roles of who asks: a rule's `match` or `exclude`
/// names `roles` or `clusterRoles`, or a string reads `request.roles`,
/// `request.clusterRoles` or the whole `request` (`{{ request }}` shows the roles too). A
/// caller need not resolve roles for policies that do not.
pub fn reads_roles(policy: &Policy) -> bool {
    fn names_roles(v: &Value) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| {
                (matches!(k.as_str(), "roles" | "clusterRoles")
                    && v.as_array().is_some_and(|a| !a.is_empty()))
                    || names_roles(v)
            }),
            Value::Array(a) => a.iter().any(names_roles),
            _ => false,
        }
    }
    policy.rules().iter().any(|rule| {
        ["match", "exclude"]
            .iter()
            .any(|k| rule.get(*k).is_some_and(names_roles))
    }) || palisade_model::any_string(&policy.value, &|text| {
        crate::engine::request_mentions(text)
            .any(|field| matches!(field, None | Some("roles" | "clusterRoles")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bindings() -> Vec<Value> {
        vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "admins"},
                "subjects": [{"kind": "Group", "name": "admins"}],
                "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "deployers", "namespace": "dev"},
                "subjects": [{"kind": "User", "name": "dana"},
                    {"kind": "ServiceAccount", "name": "ci"}],
                "roleRef": {"kind": "Role", "name": "deployer"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "viewers", "namespace": "prod"},
                "subjects": [{"kind": "User", "name": "dana"}],
                "roleRef": {"kind": "ClusterRole", "name": "view"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "operators"},
                "subjects": [{"kind": "ServiceAccount", "name": "op", "namespace": "ops"},
                    {"kind": "ServiceAccount", "name": "ci"}],
                "roleRef": {"kind": "ClusterRole", "name": "operator"}}),
            // a ClusterRoleBinding cannot grant a Role
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "odd"},
                "subjects": [{"kind": "User", "name": "dana"}],
                "roleRef": {"kind": "Role", "name": "deployer"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
        ]
    }

    #[test]
    fn roles_come_from_the_bindings_naming_the_user() {
        let none: &[String] = &[];
        let all = bindings();
        let index = RoleIndex::new(&all);
        let roles_of = |user: &str, groups: &[String]| roles_of(&[&index], user, groups);
        assert_eq!(index.len(), 5, "the ConfigMap is no binding");
        assert_eq!(
            roles_of("dana", none),
            (vec!["dev:deployer".to_owned()], vec!["view".to_owned()])
        );
        assert_eq!(
            roles_of("erin", &["admins".to_owned()]),
            (vec![], vec!["cluster-admin".to_owned()])
        );
        // a RoleBinding's service account without a namespace is in the binding's
        assert_eq!(
            roles_of("system:serviceaccount:dev:ci", none).0,
            vec!["dev:deployer".to_owned()]
        );
        assert_eq!(
            roles_of("system:serviceaccount:prod:ci", none),
            (vec![], vec![])
        );
        // a ClusterRoleBinding's service account needs its namespace
        assert_eq!(
            roles_of("system:serviceaccount:ops:op", none),
            (vec![], vec!["operator".to_owned()])
        );
        // user and groups together, each role once, sorted
        let both = RoleIndex::new(&all);
        assert_eq!(
            super::roles_of(&[&index, &both], "dana", &["admins".to_owned()]),
            (
                vec!["dev:deployer".to_owned()],
                vec!["cluster-admin".to_owned(), "view".to_owned()]
            )
        );
    }

    #[test]
    fn policies_reading_roles_are_recognised() {
        let policy = |spec: Value| {
            Policy::from_value(
                json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
                "metadata": {"name": "p"}, "spec": spec}),
            )
            .unwrap()
        };
        let rule = |extra: Value| {
            let mut r = json!({"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                "validate": {"message": "m", "pattern": {"spec": {}}}});
            if let (Some(r), Some(extra)) = (r.as_object_mut(), extra.as_object()) {
                r.extend(extra.clone());
            }
            json!({"rules": [r]})
        };
        assert!(reads_roles(&policy(rule(
            json!({"exclude": {"any": [{"clusterRoles": ["cluster-admin"]}]}})
        ))));
        assert!(reads_roles(&policy(rule(
            json!({"match": {"roles": ["dev:deployer"]}})
        ))));
        assert!(reads_roles(&policy(rule(
            json!({"preconditions": {"all": [{"key": "{{ request.clusterRoles }}", "operator": "AnyIn", "value": ["x"]}]}})
        ))));
        assert!(reads_roles(&policy(rule(
            json!({"validate": {"message": "{{ request }}", "deny": {}}})
        ))));
        assert!(!reads_roles(&policy(rule(
            json!({"validate": {"message": "{{ request.userInfo.username }} {{ requests }}", "deny": {}}})
        ))));
        assert!(!reads_roles(&policy(rule(json!({})))));
        assert!(!reads_roles(&policy(rule(
            json!({"exclude": {"any": [{"clusterRoles": []}]}})
        ))));
    }
}
