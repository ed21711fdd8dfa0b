//! `windowsHostProcess` (baseline): no Windows HostProcess containers, which run with host
//! privileges.

use super::{CheckDef, Failure, flag_setters};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "windowsHostProcess",
        level: Level::Baseline,
        title: "HostProcess",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

const FIELD: &str = "securityContext/windowsOptions/hostProcess";

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let (who, pointers) = flag_setters(pod, pod.sc.host_process, |c| c.sc.host_process, FIELD)?;
    Some(Failure {
        reason: "hostProcess".to_owned(),
        detail: format!("{who} must not set securityContext.windowsOptions.hostProcess=true"),
        pointers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn forbids_host_process() {
        let pod = json!({"spec": {
            "securityContext": {"windowsOptions": {"hostProcess": true}},
            "containers": [
                {"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}},
                {"name": "b", "securityContext": {"windowsOptions": {}}},
            ],
        }});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "hostProcess",
            r#"pod and container "a" must not set securityContext.windowsOptions.hostProcess=true"#,
        );
        assert_eq!(
            pointers[1],
            "/spec/containers/0/securityContext/windowsOptions/hostProcess"
        );
    }

    #[test]
    fn allows_false() {
        expect_pass(
            v1_0,
            &json!({"spec": {"securityContext": {"windowsOptions": {"hostProcess": false}}}}),
        );
    }
}
