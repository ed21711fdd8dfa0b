//! `hostPorts` (baseline): containers do not bind host ports.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PodView, field};
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, pluralize};
use serde_json::Value;
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "hostPorts",
        level: Level::Baseline,
        title: "Host Ports",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

/// A set, non-zero `hostPort`
fn host_port(port: &Value) -> Option<&serde_json::Number> {
    let n = field(port, "hostPort")?.as_number()?;
    let zero = n.as_i64() == Some(0) || n.as_f64() == Some(0.0);
    (!zero).then_some(n)
}

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    // Upstream keeps the ports in a string set, so they sort as text ("10" < "9").
    let mut ports = BTreeSet::new();
    let mut pointers = Vec::new();
    for c in pod.containers() {
        let mut bad = false;
        for (i, port) in c.ports.iter().enumerate() {
            if let Some(n) = host_port(port) {
                bad = true;
                ports.insert(n.as_i64().map_or_else(|| n.to_string(), |i| i.to_string()));
                pointers.push(c.pointer(pod, &format!("ports/{i}/hostPort")));
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
        reason: "hostPort".to_owned(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.into_iter().collect::<Vec<_>>().join(", ")
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
    fn forbids_host_ports() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "ports": [{"containerPort": 80, "hostPort": 9000}, {"containerPort": 81}]},
            {"name": "b", "ports": [{"hostPort": 10000}, {"hostPort": 9000}]},
        ]}});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "hostPort",
            r#"containers "a", "b" use hostPorts 10000, 9000"#,
        );
        assert_eq!(pointers[0], "/spec/containers/0/ports/0/hostPort");
        let one = json!({"spec": {"containers": [{"name": "a", "ports": [{"hostPort": 8080}]}]}});
        expect_fail(
            v1_0,
            &one,
            "hostPort",
            r#"container "a" uses hostPort 8080"#,
        );
    }

    #[test]
    fn allows_unset_or_zero() {
        let pod = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 0}]}]}});
        expect_pass(v1_0, &pod);
    }
}
