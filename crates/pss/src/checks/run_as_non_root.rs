//! `runAsNonRoot` (restricted): the pod, or every container, sets `runAsNonRoot: true`, and
//! nothing sets it to false. From policy 1.35, pods in their own user namespace are exempt.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::containers_phrase;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "runAsNonRoot",
        level: Level::Restricted,
        title: "Running as Non-root",
        min_version: 0,
        versions: &[0, 35],
        overrides: &[],
    },
    revisions: &[v1_0, v1_35],
};

const FIELD: &str = "securityContext/runAsNonRoot";

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let pod_true = pod.sc.run_as_non_root == Some(true);
    let pod_false = pod.sc.run_as_non_root == Some(false);
    let explicit: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.run_as_non_root == Some(false))
        .collect();
    if pod_false || !explicit.is_empty() {
        // An explicit false wins over a missing value: report only the explicit setters.
        let mut setters = Vec::new();
        let mut pointers = Vec::new();
        if pod_false {
            setters.push("pod".to_owned());
            pointers.push(pod.spec_pointer(FIELD));
        }
        if !explicit.is_empty() {
            let names: Vec<&str> = explicit.iter().map(|c| c.name).collect();
            setters.push(containers_phrase(&names));
            pointers.extend(explicit.iter().map(|c| c.pointer(pod, FIELD)));
        }
        return Some(Failure {
            reason: "runAsNonRoot != true".to_owned(),
            detail: format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
            pointers,
        });
    }
    if pod_true {
        return None;
    }
    let implicit: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.run_as_non_root.is_none())
        .collect();
    if implicit.is_empty() {
        return None;
    }
    let names: Vec<&str> = implicit.iter().map(|c| c.name).collect();
    Some(Failure {
        reason: "runAsNonRoot != true".to_owned(),
        detail: format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&names)
        ),
        pointers: implicit.iter().map(|c| c.pointer(pod, FIELD)).collect(),
    })
}

/// Root in a user namespace is not root on the host (KEP-127).
fn v1_35(pod: &PodView<'_>) -> Option<Failure> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_0(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass, run};
    use serde_json::json;

    #[test]
    fn explicit_false_is_reported_first() {
        let pod = json!({"spec": {"securityContext": {"runAsNonRoot": false}, "containers": [
            {"name": "a"},
            {"name": "c", "securityContext": {"runAsNonRoot": false}},
            {"name": "d", "securityContext": {"runAsNonRoot": false}},
        ]}});
        let pointers = expect_fail(
            v1_35,
            &pod,
            "runAsNonRoot != true",
            r#"pod and containers "c", "d" must not set securityContext.runAsNonRoot=false"#,
        );
        assert_eq!(pointers[0], "/spec/securityContext/runAsNonRoot");
    }

    #[test]
    fn unset_containers_need_pod_level_true() {
        let pod = json!({"spec": {"containers": [
            {"name": "a"},
            {"name": "b", "securityContext": {}},
            {"name": "d", "securityContext": {"runAsNonRoot": true}},
        ]}});
        expect_fail(
            v1_0,
            &pod,
            "runAsNonRoot != true",
            r#"pod or containers "a", "b" must set securityContext.runAsNonRoot=true"#,
        );
        let ok = json!({"spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]}});
        expect_pass(v1_0, &ok);
    }

    #[test]
    fn user_namespaces_relax_from_1_35() {
        let pod = json!({"spec": {"hostUsers": false, "containers": [{"name": "a"}]}});
        expect_pass(v1_35, &pod);
        assert!(run(v1_0, &pod).is_some());
    }
}
