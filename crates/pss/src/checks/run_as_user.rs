//! `runAsUser` (restricted, policy 1.23+): nothing sets `runAsUser: 0`. From policy 1.35, pods
//! in their own user namespace are exempt.

use super::{CheckDef, Failure, flag_setters};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "runAsUser",
        level: Level::Restricted,
        title: "Running as Non-root user",
        min_version: 23,
        versions: &[23, 35],
        overrides: &[],
    },
    revisions: &[v1_23, v1_35],
};

const FIELD: &str = "securityContext/runAsUser";

fn v1_23(pod: &PodView<'_>) -> Option<Failure> {
    let (who, pointers) = flag_setters(
        pod,
        pod.sc.run_as_user_zero,
        |c| c.sc.run_as_user_zero,
        FIELD,
    )?;
    Some(Failure {
        reason: "runAsUser=0".to_owned(),
        detail: format!("{who} must not set runAsUser=0"),
        pointers,
    })
}

/// UID 0 in a user namespace maps to an unprivileged host UID (KEP-127).
fn v1_35(pod: &PodView<'_>) -> Option<Failure> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_23(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass, run};
    use serde_json::json;

    #[test]
    fn forbids_root_uid() {
        let pod = json!({"spec": {"securityContext": {"runAsUser": 0}, "containers": [
            {"name": "a", "securityContext": {"runAsUser": 0}},
            {"name": "b", "securityContext": {"runAsUser": 1000}},
        ]}});
        let pointers = expect_fail(
            v1_35,
            &pod,
            "runAsUser=0",
            r#"pod and container "a" must not set runAsUser=0"#,
        );
        assert_eq!(
            pointers,
            [
                "/spec/securityContext/runAsUser",
                "/spec/containers/0/securityContext/runAsUser"
            ]
        );
    }

    #[test]
    fn allows_non_zero_and_user_namespaces() {
        expect_pass(
            v1_23,
            &json!({"spec": {"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a"}]}}),
        );
        let userns = json!({"spec": {"hostUsers": false, "securityContext": {"runAsUser": 0}}});
        expect_pass(v1_35, &userns);
        assert!(run(v1_23, &userns).is_some());
    }
}
