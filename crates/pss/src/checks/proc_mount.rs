//! `procMount` (baseline): containers keep the default `/proc` masks. From policy 1.35, pods in
//! their own user namespace (`hostUsers: false`) may use any `procMount`.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, join_quote};
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "procMount",
        level: Level::Baseline,
        title: "/proc Mount Type",
        min_version: 0,
        versions: &[0, 35],
        overrides: &[],
    },
    revisions: &[v1_0, v1_35],
};

/// Unconditional: only unset or `Default`. Also the `procMount_restricted` rule.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.proc_mount.is_some_and(|m| m != "Default"))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
    let types: BTreeSet<&str> = bad.iter().filter_map(|c| c.sc.proc_mount).collect();
    Some(Failure {
        reason: "procMount".to_owned(),
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(types)
        ),
        pointers: bad
            .iter()
            .map(|c| c.pointer(pod, "securityContext/procMount"))
            .collect(),
    })
}

/// A user namespace already isolates `/proc`, so any value is allowed there.
fn v1_35(pod: &PodView<'_>) -> Option<Failure> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_0(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn forbids_unmasked() {
        let pod = json!({"spec": {"hostUsers": true, "containers": [
            {"name": "a", "securityContext": {"procMount": "Unmasked"}},
            {"name": "b", "securityContext": {"procMount": "Default"}},
            {"name": "c", "securityContext": {"procMount": "other"}},
        ]}});
        let pointers = expect_fail(
            v1_35,
            &pod,
            "procMount",
            r#"containers "a", "c" must not set securityContext.procMount to "Unmasked", "other""#,
        );
        assert_eq!(pointers[0], "/spec/containers/0/securityContext/procMount");
    }

    #[test]
    fn user_namespaces_relax_from_1_35() {
        let pod = json!({"spec": {"hostUsers": false, "containers": [
            {"name": "a", "securityContext": {"procMount": "Unmasked"}},
        ]}});
        expect_pass(v1_35, &pod);
        assert!(crate::checks::test_support::run(v1_0, &pod).is_some());
    }
}
