//! `sysctls` (baseline): only namespaced sysctls that are isolated from other pods.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PodView, str_field};
use crate::registry::CheckInfo;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "sysctls",
        level: Level::Baseline,
        title: "Sysctls",
        min_version: 0,
        versions: &[0, 27, 29, 32, 37],
        overrides: &[],
    },
    revisions: &[v1_0, v1_27, v1_29, v1_32, v1_37],
};

/// Each revision allows a prefix of this list, which grew over time.
pub(crate) const SAFE: [&str; 14] = [
    // 1.0
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    // 1.27
    "net.ipv4.ip_local_reserved_ports",
    // 1.29
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    // 1.32
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    // 1.37
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, 5)
}

fn v1_27(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, 6)
}

fn v1_29(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, 10)
}

fn v1_32(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, 12)
}

fn v1_37(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, 14)
}

/// Sysctls are pod-level only; names are kept in pod order, duplicates included.
fn check(pod: &PodView<'_>, safe: usize) -> Option<Failure> {
    let allowed = SAFE.get(..safe).unwrap_or(&SAFE);
    let bad: Vec<(usize, &str)> = pod
        .sc
        .sysctls
        .iter()
        .enumerate()
        .map(|(i, s)| (i, str_field(s, "name")))
        .filter(|(_, name)| !allowed.contains(name))
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "forbidden sysctls".to_owned(),
        detail: bad.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", "),
        pointers: bad
            .iter()
            .map(|(i, _)| pod.spec_pointer(&format!("securityContext/sysctls/{i}/name")))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass, run};
    use serde_json::{Value, json};

    fn pod(names: &[&str]) -> Value {
        let sysctls: Vec<_> = names
            .iter()
            .map(|n| json!({"name": n, "value": "1"}))
            .collect();
        json!({"spec": {"securityContext": {"sysctls": sysctls}}})
    }

    #[test]
    fn forbids_unsafe_sysctls() {
        let pointers = expect_fail(
            v1_37,
            &pod(&["b", "kernel.shm_rmid_forced", "a"]),
            "forbidden sysctls",
            "b, a",
        );
        assert_eq!(pointers[1], "/spec/securityContext/sysctls/2/name");
    }

    #[test]
    fn safe_list_grows_by_version() {
        let newer = pod(&["net.ipv4.tcp_rmem", "net.ipv4.tcp_notsent_lowat"]);
        expect_pass(v1_37, &newer);
        assert_eq!(
            run(v1_32, &newer).map(|f| f.detail).as_deref(),
            Some("net.ipv4.tcp_notsent_lowat")
        );
        assert!(run(v1_29, &pod(&["net.ipv4.tcp_wmem"])).is_some());
        expect_pass(v1_27, &pod(&["net.ipv4.ip_local_reserved_ports"]));
        assert!(run(v1_0, &pod(&["net.ipv4.ip_local_reserved_ports"])).is_some());
    }
}
