//! `hostProbesAndHostLifecycle` (baseline, policy 1.34+): probes and lifecycle handlers do not
//! name a `host`, which would let the kubelet reach arbitrary addresses.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PROBE_FIELDS, PodView};
use crate::registry::CheckInfo;
use crate::text::{join_quote, pluralize};
use serde_json::Value;
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        title: "Host Probes / Lifecycle Hooks",
        min_version: 34,
        versions: &[34],
        overrides: &[],
    },
    revisions: &[v1_34],
};

const HANDLERS: [&str; 2] = ["httpGet", "tcpSocket"];

/// Non-empty `host` values of one probe or lifecycle handler, with the handler field
fn hosts(handler: Option<&Value>) -> impl Iterator<Item = (&'static str, &str)> {
    HANDLERS.into_iter().filter_map(move |field| {
        let host = handler?.get(field)?.get("host")?.as_str()?;
        (!host.is_empty()).then_some((field, host))
    })
}

fn v1_34(pod: &PodView<'_>) -> Option<Failure> {
    // Unlike most checks, upstream collects both containers and hosts as sorted sets.
    let mut names = BTreeSet::new();
    let mut bad_hosts = BTreeSet::new();
    let mut pointers = Vec::new();
    for c in pod.containers() {
        let lifecycle = c.lifecycle;
        let handlers = PROBE_FIELDS
            .iter()
            .zip(c.probes)
            .map(|(field, probe)| ((*field, None), probe))
            .chain(["postStart", "preStop"].into_iter().map(|event| {
                (
                    ("lifecycle", Some(event)),
                    lifecycle.and_then(|l| l.get(event)),
                )
            }));
        for ((field, event), handler) in handlers {
            for (kind, host) in hosts(handler) {
                names.insert(c.name);
                bad_hosts.insert(host);
                let path = match event {
                    Some(event) => format!("{field}/{event}/{kind}/host"),
                    None => format!("{field}/{kind}/host"),
                };
                pointers.push(c.pointer(pod, &path));
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "probe or lifecycle host".to_owned(),
        detail: format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                bad_hosts.len()
            ),
            join_quote(&bad_hosts)
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
    fn forbids_hosts() {
        let pod = json!({"spec": {"containers": [
            {"name": "b", "livenessProbe": {"httpGet": {"host": "bad.host", "port": 80}},
             "lifecycle": {"preStop": {"tcpSocket": {"host": "8.8.8.8"}}}},
            {"name": "a", "readinessProbe": {"tcpSocket": {"host": "bad.host"}}},
        ]}});
        let pointers = expect_fail(
            v1_34,
            &pod,
            "probe or lifecycle host",
            r#"containers "a", "b" use probe or lifecycle hosts "8.8.8.8", "bad.host""#,
        );
        assert_eq!(
            pointers,
            [
                "/spec/containers/0/livenessProbe/httpGet/host",
                "/spec/containers/0/lifecycle/preStop/tcpSocket/host",
                "/spec/containers/1/readinessProbe/tcpSocket/host",
            ]
        );
    }

    #[test]
    fn allows_empty_host() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "livenessProbe": {"httpGet": {"host": "", "port": 80}}, "startupProbe": {"tcpSocket": {"port": 80}}},
        ]}});
        expect_pass(v1_34, &pod);
    }
}
