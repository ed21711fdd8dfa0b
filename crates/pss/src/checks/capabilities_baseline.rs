//! `capabilities_baseline` (baseline): containers may only add capabilities from the default
//! container runtime set.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PodView, field};
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, join_quote};
use serde_json::Value;
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "capabilities_baseline",
        level: Level::Baseline,
        title: "Capabilities",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

/// Sorted, so membership is a binary search
pub(crate) const ALLOWED: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// `capabilities.add` entries (strings only; anything else would not decode upstream)
pub(crate) fn added(caps: &Value) -> impl Iterator<Item = (usize, &str)> {
    field(caps, "add")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.as_str()?)))
}

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut caps = BTreeSet::new();
    let mut pointers = Vec::new();
    for c in pod.containers() {
        let Some(capabilities) = c.sc.capabilities else {
            continue;
        };
        let mut bad = false;
        for (i, cap) in added(capabilities) {
            if ALLOWED.binary_search(&cap).is_err() {
                bad = true;
                caps.insert(cap);
                pointers.push(c.pointer(pod, &format!("securityContext/capabilities/add/{i}")));
            }
        }
        if bad {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "non-default capabilities".to_owned(),
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(caps)
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
    fn allow_list_is_sorted() {
        assert!(ALLOWED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn forbids_non_default_capabilities() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ["NET_RAW", "CHOWN"]}}},
            {"name": "b", "securityContext": {"capabilities": {"add": ["chown", "NET_RAW"]}}},
            {"name": "c", "securityContext": {"capabilities": {"add": ["KILL"]}}},
        ]}});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "non-default capabilities",
            r#"containers "a", "b" must not include "NET_RAW", "chown" in securityContext.capabilities.add"#,
        );
        assert_eq!(
            pointers[0],
            "/spec/containers/0/securityContext/capabilities/add/0"
        );
    }

    #[test]
    fn allows_default_set() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ALLOWED, "drop": ["ALL"]}}},
        ]}});
        expect_pass(v1_0, &pod);
    }
}
