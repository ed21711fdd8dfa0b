//! `capabilities_restricted` (restricted): containers drop `ALL` and add at most
//! `NET_BIND_SERVICE`. Replaces `capabilities_baseline` under the restricted level.

use super::capabilities_baseline::added;
use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PodView, field};
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, join_quote};
use serde_json::Value;
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "capabilities_restricted",
        level: Level::Restricted,
        title: "Capabilities",
        min_version: 22,
        versions: &[22, 25],
        overrides: &["capabilities_baseline"],
    },
    revisions: &[v1_22, v1_25],
};

fn v1_22(pod: &PodView<'_>) -> Option<Failure> {
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut forbidden = BTreeSet::new();
    let mut pointers = Vec::new();
    for c in pod.containers() {
        let Some(caps) = c.sc.capabilities else {
            missing_drop.push(c.name);
            pointers.push(c.pointer(pod, "securityContext/capabilities/drop"));
            continue;
        };
        // Exact, case-sensitive "ALL", as upstream compares strings.
        let drops_all = field(caps, "drop")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|v| v.as_str() == Some("ALL")));
        if !drops_all {
            missing_drop.push(c.name);
            pointers.push(c.pointer(pod, "securityContext/capabilities/drop"));
        }
        let mut bad = false;
        for (i, cap) in added(caps) {
            if cap != "NET_BIND_SERVICE" {
                bad = true;
                forbidden.insert(cap);
                pointers.push(c.pointer(pod, &format!("securityContext/capabilities/add/{i}")));
            }
        }
        if bad {
            adding.push(c.name);
        }
    }
    if missing_drop.is_empty() && adding.is_empty() {
        return None;
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            r#"{} must set securityContext.capabilities.drop=["ALL"]"#,
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(forbidden)
        ));
    }
    Some(Failure {
        reason: "unrestricted capabilities".to_owned(),
        detail: details.join("; "),
        pointers,
    })
}

/// API validation forbids capabilities on Windows pods, so they are admitted without them.
fn v1_25(pod: &PodView<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    v1_22(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass, run};
    use serde_json::json;

    #[test]
    fn requires_drop_all_and_limits_add() {
        let pod = json!({"spec": {"containers": [
            {"name": "a"},
            {"name": "b", "securityContext": {"capabilities": {"drop": ["all"]}}},
            {"name": "c", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN"]}}},
            {"name": "d", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_RAW"]}}},
        ]}});
        expect_fail(
            v1_25,
            &pod,
            "unrestricted capabilities",
            r#"containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "c", "d" must not include "CHOWN", "NET_RAW" in securityContext.capabilities.add"#,
        );
    }

    #[test]
    fn allows_drop_all_with_net_bind_service() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}},
        ]}});
        expect_pass(v1_22, &pod);
        let windows = json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}});
        expect_pass(v1_25, &windows);
        assert!(run(v1_22, &windows).is_some());
    }
}
