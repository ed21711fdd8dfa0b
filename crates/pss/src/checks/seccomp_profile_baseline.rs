//! `seccompProfile_baseline` (baseline): seccomp, when set, is `RuntimeDefault` or `Localhost`.
//! Policies before 1.19 read the alpha annotations; 1.19+ read `securityContext.seccompProfile`.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, go_quote, join_quote, pluralize};
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        title: "Seccomp",
        min_version: 0,
        versions: &[0, 19],
        overrides: &[],
    },
    revisions: &[v1_0, v1_19],
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Unlike AppArmor, an empty annotation value is not allowed.
fn valid_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// A valid `seccompProfile.type`
pub(crate) fn valid_type(profile_type: &str) -> bool {
    matches!(profile_type, "RuntimeDefault" | "Localhost")
}

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    // Upstream looks up the pod key and one key per container name; walking the annotations
    // once gives the same set without building keys.
    let is_container_key = |key: &str| {
        key.strip_prefix(CONTAINER_ANNOTATION_PREFIX)
            .is_some_and(|name| pod.containers().iter().any(|c| c.name == name))
    };
    let bad: Vec<(&str, &str)> = pod
        .annotations()
        .filter(|(k, v)| (*k == POD_ANNOTATION || is_container_key(k)) && !valid_annotation(v))
        .collect();
    if bad.is_empty() {
        return None;
    }
    // Sorted as rendered text, like upstream's string set.
    let mut rendered: Vec<(String, &str)> = bad
        .iter()
        .map(|(k, v)| (format!("{k}={}", go_quote(v)), *k))
        .collect();
    rendered.sort_unstable();
    Some(Failure {
        reason: "seccompProfile".to_owned(),
        detail: format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", rendered.len()),
            rendered
                .iter()
                .map(|(text, _)| text.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        pointers: rendered
            .iter()
            .map(|(_, k)| pod.annotation_pointer(k))
            .collect(),
    })
}

fn v1_19(pod: &PodView<'_>) -> Option<Failure> {
    let pod_bad = pod.sc.seccomp_type.filter(|t| !valid_type(t));
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.seccomp_type.is_some_and(|t| !valid_type(t)))
        .collect();
    if pod_bad.is_none() && bad.is_empty() {
        return None;
    }
    Some(explicitly_bad(pod, pod_bad, &bad))
}

/// The message for the pod and/or containers that set an invalid `seccompProfile.type`
/// (shared with `seccompProfile_restricted`)
pub(crate) fn explicitly_bad(
    pod: &PodView<'_>,
    pod_bad: Option<&str>,
    bad: &[&crate::pod::ContainerView<'_>],
) -> Failure {
    const FIELD: &str = "securityContext/seccompProfile/type";
    let mut setters = Vec::new();
    let mut values = BTreeSet::new();
    let mut pointers = Vec::new();
    if let Some(t) = pod_bad {
        setters.push("pod".to_owned());
        values.insert(t);
        pointers.push(pod.spec_pointer(FIELD));
    }
    if !bad.is_empty() {
        let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
        setters.push(containers_phrase(&names));
        values.extend(bad.iter().filter_map(|c| c.sc.seccomp_type));
        pointers.extend(bad.iter().map(|c| c.pointer(pod, FIELD)));
    }
    Failure {
        reason: "seccompProfile".to_owned(),
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(values)
        ),
        pointers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn annotations_before_1_19() {
        let pod = json!({
            "metadata": {"annotations": {
                "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                "container.seccomp.security.alpha.kubernetes.io/a": "",
                "container.seccomp.security.alpha.kubernetes.io/b": "docker/default",
            }},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        });
        let pointers = expect_fail(
            v1_0,
            &pod,
            "seccompProfile",
            r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="", seccomp.security.alpha.kubernetes.io/pod="unconfined""#,
        );
        assert_eq!(
            pointers[0],
            "/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1a"
        );
        expect_pass(v1_19, &pod);
    }

    #[test]
    fn fields_from_1_19() {
        let pod = json!({"spec": {
            "securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": [
                {"name": "a", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
                {"name": "b", "securityContext": {"seccompProfile": {}}},
            ],
        }});
        expect_fail(
            v1_19,
            &pod,
            "seccompProfile",
            r#"pod and container "b" must not set securityContext.seccompProfile.type to "", "Unconfined""#,
        );
        expect_pass(v1_19, &json!({"spec": {"containers": [{"name": "a"}]}}));
    }
}
