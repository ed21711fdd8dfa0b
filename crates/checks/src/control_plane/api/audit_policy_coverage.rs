use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Audit `Policy` files (`audit.k8s.io`, the file `--audit-policy-file` points at). For each
    /// security-relevant kind of request the check replays the policy the way the API server
    /// does — the first rule whose users, groups, verbs, namespaces and resources match decides
    /// the level — for an ordinary authenticated user in an ordinary namespace, and reports:
    /// - Secrets, ConfigMaps or TokenReviews, pod `exec`/`attach`/`portforward`, or changes to
    ///   Roles, ClusterRoles and their bindings that end at level `None` or match no rule
    ///   (not recorded);
    /// - Secrets or TokenReviews recorded at `Request` or `RequestResponse`, which copies
    ///   secret values and bearer tokens into the audit log.
    ///
    /// ## Why it matters
    /// These are the requests an investigation needs first: who read credentials, who ran
    /// commands in containers, who granted themselves permissions. Logging secret bodies, on the
    /// other hand, turns the audit log into a credential store.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    /// - level: Metadata
    ///   resources:
    ///   - group: ""
    ///     resources: ["secrets", "configmaps"]
    /// - level: Metadata          # covers everything else, exec and RBAC included
    /// ```
    pub static META = CheckMeta {
        id: "API-031",
        name: "audit-policy-coverage",
        title: "Audit policy misses key security events",
        severity: Severity::Medium,
        tags: &["control-plane", "apiserver", "audit", "logging"],
        kinds: &["Policy"],
        remediation: "log Secrets, ConfigMaps and TokenReviews at `Metadata`, and pod exec/attach/portforward and RBAC changes at `Metadata` or above, before any rule that sets `None`",
        controls: &[
            cis("3.2.2"),
            nsa("NSA-LOG"),
            attack("T1070"),
            nist("AU-2"),
            nist("AU-3"),
            nist("AU-12"),
            pci("10.2.1"),
            pci("10.2.2"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// A kind of request the audit log must record
struct Concern {
    what: &'static str,
    group: &'static str,
    resources: &'static [&'static str],
    subresource: &'static str,
    namespaced: bool,
    verbs: &'static [&'static str],
    /// Recording the request body leaks credentials
    body_is_secret: bool,
}

const ALL_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
const WRITE_VERBS: &[&str] = &["create", "update", "patch", "delete"];

const CONCERNS: &[Concern] = &[
    Concern {
        what: "Secret",
        group: "",
        resources: &["secrets"],
        subresource: "",
        namespaced: true,
        verbs: ALL_VERBS,
        body_is_secret: true,
    },
    Concern {
        what: "ConfigMap",
        group: "",
        resources: &["configmaps"],
        subresource: "",
        namespaced: true,
        verbs: ALL_VERBS,
        body_is_secret: false,
    },
    Concern {
        what: "TokenReview",
        group: "authentication.k8s.io",
        resources: &["tokenreviews"],
        subresource: "",
        namespaced: false,
        verbs: &["create"],
        body_is_secret: true,
    },
    Concern {
        what: "pod exec",
        group: "",
        resources: &["pods"],
        subresource: "exec",
        namespaced: true,
        verbs: &["create", "get"],
        body_is_secret: false,
    },
    Concern {
        what: "pod attach",
        group: "",
        resources: &["pods"],
        subresource: "attach",
        namespaced: true,
        verbs: &["create", "get"],
        body_is_secret: false,
    },
    Concern {
        what: "pod port-forward",
        group: "",
        resources: &["pods"],
        subresource: "portforward",
        namespaced: true,
        verbs: &["create", "get"],
        body_is_secret: false,
    },
    Concern {
        what: "RBAC change",
        group: "rbac.authorization.k8s.io",
        resources: &[
            "roles",
            "rolebindings",
            "clusterroles",
            "clusterrolebindings",
        ],
        subresource: "",
        namespaced: true,
        verbs: WRITE_VERBS,
        body_is_secret: false,
    },
];

/// The simulated requester: an ordinary authenticated user
const USER: &str = "palisade:audit-probe";
const USER_GROUPS: &[&str] = &["system:authenticated"];
const NAMESPACE: &str = "palisade-probe";

/// One request to replay against the policy
struct Request<'c> {
    group: &'c str,
    resource: &'c str,
    subresource: &'c str,
    namespace: &'c str,
    verb: &'c str,
}

fn contains(list: Option<&Value>, item: &str) -> bool {
    strings(list).any(|s| s == item)
}

fn non_empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

/// Does one policy rule match the request (the API server's rule matching)?
fn rule_matches(rule: &Value, req: &Request<'_>) -> bool {
    if non_empty(rule.get("users")) && !contains(rule.get("users"), USER) {
        return false;
    }
    if non_empty(rule.get("userGroups"))
        && !USER_GROUPS
            .iter()
            .any(|g| contains(rule.get("userGroups"), g))
    {
        return false;
    }
    if non_empty(rule.get("verbs")) && !contains(rule.get("verbs"), req.verb) {
        return false;
    }
    let namespaces = rule.get("namespaces");
    let resources = rule.get("resources");
    if non_empty(namespaces) || non_empty(resources) {
        if non_empty(namespaces) && !contains(namespaces, req.namespace) {
            return false;
        }
        if !non_empty(resources) {
            return true;
        }
        return resources
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|gr| group_resources_match(gr, req));
    }
    // a rule for non-resource URLs only does not match resource requests
    !non_empty(rule.get("nonResourceURLs"))
}

fn group_resources_match(gr: &Value, req: &Request<'_>) -> bool {
    let group = gr.get("group").and_then(Value::as_str).unwrap_or("");
    if group != req.group {
        return false;
    }
    if non_empty(gr.get("resourceNames")) {
        return false; // the simulated request names no particular object
    }
    if !non_empty(gr.get("resources")) {
        return true;
    }
    let combined = if req.subresource.is_empty() {
        req.resource.to_owned()
    } else {
        format!("{}/{}", req.resource, req.subresource)
    };
    strings(gr.get("resources")).any(|r| {
        r == combined
            || r == "*"
            || (!req.subresource.is_empty() && r.strip_prefix("*/") == Some(req.subresource))
            || r.strip_suffix("/*") == Some(req.resource)
    })
}

/// Outcome of a replayed request: the rule that decided it and its level
enum Outcome<'p> {
    Unmatched,
    Level(usize, &'p str),
}

fn outcome<'p>(rules: &'p [Value], req: &Request<'_>) -> Outcome<'p> {
    rules
        .iter()
        .enumerate()
        .find(|(_, r)| rule_matches(r, req))
        .map_or(Outcome::Unmatched, |(i, r)| {
            Outcome::Level(i, r.get("level").and_then(Value::as_str).unwrap_or("None"))
        })
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if res.group() != "audit.k8s.io" {
        return;
    }
    let rules: &[Value] = res
        .get("rules")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    for concern in CONCERNS {
        // verbs not recorded, grouped by the rule responsible (None: no rule matched)
        let mut unlogged: Vec<(Option<usize>, Vec<&str>)> = Vec::new();
        let mut leaking: Vec<(usize, &str)> = Vec::new();
        for resource in concern.resources {
            for verb in concern.verbs {
                let req = Request {
                    group: concern.group,
                    resource,
                    subresource: concern.subresource,
                    namespace: if concern.namespaced && !resource.starts_with("cluster") {
                        NAMESPACE
                    } else {
                        ""
                    },
                    verb,
                };
                let (rule, level) = match outcome(rules, &req) {
                    Outcome::Unmatched => (None, "None"),
                    Outcome::Level(i, level) => (Some(i), level),
                };
                if level == "None" {
                    match unlogged.iter_mut().find(|(r, _)| *r == rule) {
                        Some((_, verbs)) => {
                            if !verbs.contains(verb) {
                                verbs.push(verb);
                            }
                        }
                        None => unlogged.push((rule, vec![verb])),
                    }
                } else if let Some(i) = rule
                    && concern.body_is_secret
                    && matches!(level, "Request" | "RequestResponse")
                    && !leaking.iter().any(|(r, _)| *r == i)
                {
                    leaking.push((i, level));
                }
            }
        }
        for (rule, verbs) in unlogged {
            let (pointer, why) = match rule {
                Some(i) => (
                    JsonPointer::root().key("rules").index(i).key("level"),
                    format!("rule {} sets level `None`", i + 1),
                ),
                None => (
                    JsonPointer::root().key("rules"),
                    "no rule matches them".to_owned(),
                ),
            };
            ctx.report(
                res,
                &pointer,
                format!(
                    "the audit policy does not record {} requests (`{}`): {why}",
                    concern.what,
                    verbs.join("`, `")
                ),
            );
        }
        for (i, level) in leaking {
            ctx.report(
                res,
                &JsonPointer::root().key("rules").index(i).key("level"),
                format!(
                    "the audit policy records {} requests at `{level}`, which copies credentials into the audit log; use `Metadata`",
                    concern.what
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req<'a>(group: &'a str, resource: &'a str, sub: &'a str, verb: &'a str) -> Request<'a> {
        Request {
            group,
            resource,
            subresource: sub,
            namespace: NAMESPACE,
            verb,
        }
    }

    #[test]
    fn matches_like_the_api_server() {
        let r = json!({"level": "None", "resources": [{"group": "", "resources": ["pods"]}]});
        assert!(rule_matches(&r, &req("", "pods", "", "get")));
        assert!(!rule_matches(&r, &req("", "pods", "exec", "create")));
        let sub = json!({"level": "None", "resources": [{"group": "", "resources": ["pods/*"]}]});
        assert!(rule_matches(&sub, &req("", "pods", "exec", "create")));
        let star = json!({"level": "None", "resources": [{"group": "", "resources": ["*/exec"]}]});
        assert!(rule_matches(&star, &req("", "pods", "exec", "create")));
        let named = json!({"level": "None", "resources": [{"group": "", "resources": ["secrets"], "resourceNames": ["x"]}]});
        assert!(!rule_matches(&named, &req("", "secrets", "", "get")));
        let users = json!({"level": "None", "users": ["system:kube-proxy"]});
        assert!(!rule_matches(&users, &req("", "secrets", "", "get")));
        let ns = json!({"level": "None", "namespaces": ["kube-system"]});
        assert!(!rule_matches(&ns, &req("", "secrets", "", "get")));
        let urls = json!({"level": "None", "nonResourceURLs": ["/healthz*"]});
        assert!(!rule_matches(&urls, &req("", "secrets", "", "get")));
        let verbs = json!({"level": "None", "verbs": ["watch"]});
        assert!(rule_matches(&verbs, &req("", "secrets", "", "watch")));
        assert!(!rule_matches(&verbs, &req("", "secrets", "", "get")));
        assert!(rule_matches(
            &json!({"level": "Metadata"}),
            &req("x", "y", "", "get")
        ));
    }
}
