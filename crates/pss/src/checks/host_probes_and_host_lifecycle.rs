//! `hostProbesAndHostLifecycle` (baseline, policy 1.34+): probes and lifecycle handlers do not
//! name a `host`, which would let the kubelet reach arbitrary addresses.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{ContainerView, PROBE_FIELDS, PodView, field, str_field};
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

/// Non-empty `host` of a probe's or lifecycle handler's `httpGet` / `tcpSocket`, with the
/// handler field, in that order
fn hosts(handler: &Value) -> [Option<(&'static str, &str)>; 2] {
    let mut found = [None, None];
    for (key, v) in handler.as_object().into_iter().flatten() {
        let slot = match key.as_str() {
            "httpGet" => 0,
            "tcpSocket" => 1,
            _ => continue,
        };
        let host = str_field(v, "host");
        if !host.is_empty() {
            found[slot] = Some((if slot == 0 { "httpGet" } else { "tcpSocket" }, host));
        }
    }
    found
}

/// Every probe and lifecycle handler of a container, with where it sits
fn handlers<'a>(c: &ContainerView<'a>) -> impl Iterator<Item = (Path, &'a Value)> {
    let probes = PROBE_FIELDS
        .iter()
        .zip(c.probes)
        .filter_map(|(name, probe)| Some((Path::Probe(name), probe?)));
    let lifecycle = c.lifecycle;
    let hooks = ["postStart", "preStop"]
        .into_iter()
        .filter_map(move |event| Some((Path::Lifecycle(event), field(lifecycle?, event)?)));
    probes.chain(hooks)
}

fn v1_34(pod: &PodView<'_>) -> Option<Failure> {
    let has_host =
        |c: &ContainerView<'_>| handlers(c).any(|(_, h)| hosts(h).iter().any(Option::is_some));
    if !pod.containers().iter().any(has_host) {
        return None;
    }
    // Unlike most checks, upstream collects both containers and hosts as sorted sets.
    let mut names = BTreeSet::new();
    let mut bad_hosts = BTreeSet::new();
    let mut pointers = Vec::new();
    for c in pod.containers() {
        for (path, handler) in handlers(c) {
            for (kind, host) in hosts(handler).into_iter().flatten() {
                names.insert(c.name);
                bad_hosts.insert(host);
                let path = match path {
                    Path::Probe(name) => format!("{name}/{kind}/host"),
                    Path::Lifecycle(event) => format!("lifecycle/{event}/{kind}/host"),
                };
                pointers.push(c.pointer(pod, &path));
            }
        }
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

/// Where a handler sits in the container
#[derive(Clone, Copy)]
enum Path {
    Probe(&'static str),
    Lifecycle(&'static str),
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
