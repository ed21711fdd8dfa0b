//! `hostNamespaces` (baseline): the pod does not share the host's network, PID or IPC
//! namespaces.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "hostNamespaces",
        level: Level::Baseline,
        title: "Host Namespaces",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    if !(pod.host_network || pod.host_pid || pod.host_ipc) {
        return None;
    }
    // Sorted like upstream's string set: hostIPC < hostNetwork < hostPID.
    let fields: Vec<&str> = [
        ("hostIPC", pod.host_ipc),
        ("hostNetwork", pod.host_network),
        ("hostPID", pod.host_pid),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    Some(Failure {
        reason: "host namespaces".to_owned(),
        detail: fields.join(", "),
        pointers: fields.iter().map(|f| pod.spec_pointer(f)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn forbids_host_namespaces() {
        let pod = json!({"spec": {"hostPID": true, "hostNetwork": true, "hostIPC": true}});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "host namespaces",
            "hostIPC, hostNetwork, hostPID",
        );
        assert_eq!(
            pointers,
            ["/spec/hostIPC", "/spec/hostNetwork", "/spec/hostPID"]
        );
    }

    #[test]
    fn allows_false() {
        expect_pass(
            v1_0,
            &json!({"spec": {"hostNetwork": false, "hostPID": false}}),
        );
    }
}
