//! The roles of who makes a request, from RoleBindings and ClusterRoleBindings, as Kyverno's
//! webhook resolves them for `roles`/`clusterRoles` in `match`/`exclude` and for
//! `request.roles`/`request.clusterRoles` (`pkg/userinfo`): a RoleBinding gives
//! `namespace:name` for a Role and the name for a ClusterRole; a ClusterRoleBinding gives its
//! ClusterRole. Subjects match by user name, group, or service account
//! (`system:serviceaccount:<namespace>:<name>`, where a RoleBinding's subject without a
//! namespace is in the binding's). The lists are sorted, without repeats.

use crate::policy::Policy;
use serde_json::Value;
use std::collections::BTreeSet;

/// `(roles, cluster_roles)` of the user `username` in `groups`, from `bindings` (documents
/// of any kind; those that are not `rbac.authorization.k8s.io` bindings are skipped)
pub fn roles_of<'b>(
    bindings: impl IntoIterator<Item = &'b Value>,
    username: &str,
    groups: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut roles = BTreeSet::new();
    let mut cluster_roles = BTreeSet::new();
    fn text(v: Option<&Value>) -> &str {
        v.and_then(Value::as_str).unwrap_or_default()
    }
    for binding in bindings {
        if !text(binding.get("apiVersion")).starts_with("rbac.authorization.k8s.io/") {
            continue;
        }
        let cluster_wide = match text(binding.get("kind")) {
            "RoleBinding" => false,
            "ClusterRoleBinding" => true,
            _ => continue,
        };
        let namespace = text(binding.pointer("/metadata/namespace"));
        let subjects = binding.get("subjects").and_then(Value::as_array);
        let names_the_user = subjects.into_iter().flatten().any(|subject| {
            let name = text(subject.get("name"));
            match text(subject.get("kind")) {
                "User" => name == username,
                "Group" => groups.iter().any(|g| g == name),
                "ServiceAccount" => {
                    let ns = match text(subject.get("namespace")) {
                        "" if cluster_wide => "",
                        "" => namespace,
                        ns => ns,
                    };
                    // `system:serviceaccount:<ns>:<name>`, compared in place
                    !ns.is_empty()
                        && username
                            .strip_prefix("system:serviceaccount:")
                            .and_then(|rest| rest.strip_prefix(ns))
                            .and_then(|rest| rest.strip_prefix(':'))
                            == Some(name)
                }
                _ => false,
            }
        });
        if !names_the_user {
            continue;
        }
        let role = text(binding.pointer("/roleRef/name"));
        match (text(binding.pointer("/roleRef/kind")), cluster_wide) {
            ("Role", false) => {
                roles.insert(format!("{namespace}:{role}"));
            }
            ("ClusterRole", _) => {
                cluster_roles.insert(role.to_owned());
            }
            _ => {}
        }
    }
    (
        roles.into_iter().collect(),
        cluster_roles.into_iter().collect(),
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
    }) || crate::value::any_string(&policy.value, &|text| {
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
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
        ]
    }

    #[test]
    fn roles_come_from_the_bindings_naming_the_user() {
        let none: &[String] = &[];
        assert_eq!(
            roles_of(&bindings(), "dana", none),
            (vec!["dev:deployer".to_owned()], vec!["view".to_owned()])
        );
        assert_eq!(
            roles_of(&bindings(), "erin", &["admins".to_owned()]),
            (vec![], vec!["cluster-admin".to_owned()])
        );
        // a RoleBinding's service account without a namespace is in the binding's
        assert_eq!(
            roles_of(&bindings(), "system:serviceaccount:dev:ci", none).0,
            vec!["dev:deployer".to_owned()]
        );
        assert_eq!(
            roles_of(&bindings(), "system:serviceaccount:prod:ci", none),
            (vec![], vec![])
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
