//! `seccompProfile_restricted` (restricted, policy 1.19+): seccomp must be set, to
//! `RuntimeDefault` or `Localhost`, at pod level or on every container. Replaces
//! `seccompProfile_baseline` under the restricted level.

use super::seccomp_profile_baseline::{explicitly_bad, valid_type};
use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::containers_phrase;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        title: "Seccomp",
        min_version: 19,
        versions: &[19, 25],
        overrides: &["seccompProfile_baseline"],
    },
    revisions: &[v1_19, v1_25],
};

fn v1_19(pod: &PodView<'_>) -> Option<Failure> {
    let pod_bad = pod.sc.seccomp_type.filter(|t| !valid_type(t));
    let pod_set = pod.sc.seccomp_type.is_some_and(valid_type);
    let explicit: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.seccomp_type.is_some_and(|t| !valid_type(t)))
        .collect();
    if pod_bad.is_some() || !explicit.is_empty() {
        return Some(explicitly_bad(pod, pod_bad, &explicit));
    }
    if pod_set {
        return None;
    }
    let implicit: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.seccomp_type.is_none())
        .collect();
    if implicit.is_empty() {
        return None;
    }
    let names: Vec<&str> = implicit.iter().map(|c| c.name).collect();
    Some(Failure {
        reason: "seccompProfile".to_owned(),
        detail: format!(
            r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
            containers_phrase(&names)
        ),
        pointers: implicit
            .iter()
            .map(|c| c.pointer(pod, "securityContext/seccompProfile/type"))
            .collect(),
    })
}

/// API validation forbids seccomp on Windows pods, so they are admitted without it.
fn v1_25(pod: &PodView<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    v1_19(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass, run};
    use serde_json::json;

    #[test]
    fn requires_a_profile() {
        let pod = json!({"spec": {"containers": [
            {"name": "a"},
            {"name": "b", "securityContext": {"seccompProfile": {"type": "Localhost"}}},
            {"name": "c", "securityContext": {}},
        ]}});
        let pointers = expect_fail(
            v1_25,
            &pod,
            "seccompProfile",
            r#"pod or containers "a", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
        );
        assert_eq!(
            pointers[0],
            "/spec/containers/0/securityContext/seccompProfile/type"
        );
        let unconfined = json!({"spec": {
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}],
        }});
        expect_fail(
            v1_19,
            &unconfined,
            "seccompProfile",
            r#"container "a" must not set securityContext.seccompProfile.type to "Unconfined""#,
        );
    }

    #[test]
    fn pod_level_profile_covers_containers_and_windows_is_exempt() {
        let pod = json!({"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a"}]}});
        expect_pass(v1_19, &pod);
        let windows = json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}});
        expect_pass(v1_25, &windows);
        assert!(run(v1_19, &windows).is_some());
    }
}
