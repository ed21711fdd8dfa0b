//! `windowsHostProcess` (baseline): no Windows HostProcess containers, which run with host
//! privileges.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::containers_phrase;

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
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.host_process)
        .collect();
    if !pod.sc.host_process && bad.is_empty() {
        return None;
    }
    let mut setters = Vec::new();
    let mut pointers = Vec::new();
    if pod.sc.host_process {
        setters.push("pod".to_owned());
        pointers.push(pod.spec_pointer(FIELD));
    }
    if !bad.is_empty() {
        let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
        setters.push(containers_phrase(&names));
        pointers.extend(bad.iter().map(|c| c.pointer(pod, FIELD)));
    }
    Some(Failure {
        reason: "hostProcess".to_owned(),
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
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
