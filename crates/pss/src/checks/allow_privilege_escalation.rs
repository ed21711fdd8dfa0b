//! `allowPrivilegeEscalation` (restricted): every container sets
//! `securityContext.allowPrivilegeEscalation: false`.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::containers_phrase;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        title: "Privilege Escalation",
        min_version: 8,
        versions: &[8, 25],
        overrides: &[],
    },
    revisions: &[v1_8, v1_25],
};

/// The field appeared in Kubernetes 1.8, so earlier policies do not require it.
fn v1_8(pod: &PodView<'_>) -> Option<Failure> {
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.allow_privilege_escalation != Some(false))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
    Some(Failure {
        reason: "allowPrivilegeEscalation != false".to_owned(),
        detail: format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
        pointers: bad
            .iter()
            .map(|c| c.pointer(pod, "securityContext/allowPrivilegeEscalation"))
            .collect(),
    })
}

/// API validation forbids the field on Windows pods, so they are admitted without it.
fn v1_25(pod: &PodView<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    v1_8(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn requires_false_on_every_container() {
        let pod = json!({"spec": {"containers": [
            {"name": "a"},
            {"name": "b", "securityContext": {}},
            {"name": "c", "securityContext": {"allowPrivilegeEscalation": true}},
            {"name": "d", "securityContext": {"allowPrivilegeEscalation": false}},
        ]}});
        let pointers = expect_fail(
            v1_25,
            &pod,
            "allowPrivilegeEscalation != false",
            r#"containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false"#,
        );
        assert_eq!(
            pointers[2],
            "/spec/containers/2/securityContext/allowPrivilegeEscalation"
        );
    }

    #[test]
    fn passes_when_false_and_exempts_windows_from_1_25() {
        let ok = json!({"spec": {"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}}]}});
        expect_pass(v1_8, &ok);
        let windows = json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}});
        expect_pass(v1_25, &windows);
        assert!(crate::checks::test_support::run(v1_8, &windows).is_some());
    }
}
