//! `privileged` (baseline): no privileged containers.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::containers_phrase;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "privileged",
        level: Level::Baseline,
        title: "Privileged Containers",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.privileged)
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
    Some(Failure {
        reason: "privileged".to_owned(),
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
        pointers: bad
            .iter()
            .map(|c| c.pointer(pod, "securityContext/privileged"))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn forbids_privileged() {
        let pod = json!({"spec": {
            "initContainers": [{"name": "i", "securityContext": {"privileged": true}}],
            "containers": [{"name": "a", "securityContext": {"privileged": false}}],
            "ephemeralContainers": [{"name": "e", "securityContext": {"privileged": true}}],
        }});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "privileged",
            r#"containers "i", "e" must not set securityContext.privileged=true"#,
        );
        assert_eq!(
            pointers[1],
            "/spec/ephemeralContainers/0/securityContext/privileged"
        );
    }

    #[test]
    fn allows_unprivileged() {
        expect_pass(
            v1_0,
            &json!({"spec": {"containers": [{"name": "a", "securityContext": {"privileged": false}}]}}),
        );
    }
}
