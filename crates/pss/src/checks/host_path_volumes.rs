//! `hostPathVolumes` (baseline): no `hostPath` volumes. Replaced by `restrictedVolumes` under
//! the restricted level.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PodView, field, str_field};
use crate::registry::CheckInfo;
use crate::text::{join_quote, pluralize};
use serde_json::Value;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "hostPathVolumes",
        level: Level::Baseline,
        title: "HostPath Volumes",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

/// `name` of a volume (empty if missing)
pub(crate) fn volume_name(volume: &Value) -> &str {
    str_field(volume, "name")
}

/// A volume source field that is set (`null` reads as unset, like a nil pointer)
fn has_source(volume: &Value, name: &str) -> bool {
    field(volume, name).is_some_and(|v| !v.is_null())
}

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let bad: Vec<(usize, &str)> = pod
        .volumes
        .iter()
        .enumerate()
        .filter(|(_, v)| has_source(v, "hostPath"))
        .map(|(i, v)| (i, volume_name(v)))
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostPath volumes".to_owned(),
        detail: format!(
            "{} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(bad.iter().map(|(_, name)| name))
        ),
        pointers: bad
            .iter()
            .map(|(i, _)| pod.spec_pointer(&format!("volumes/{i}/hostPath")))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn forbids_host_path() {
        let pod = json!({"spec": {"volumes": [
            {"name": "a", "hostPath": {"path": "/a"}},
            {"name": "b", "emptyDir": {}},
            {"name": "c", "hostPath": {"path": "/c"}},
        ]}});
        let pointers = expect_fail(v1_0, &pod, "hostPath volumes", r#"volumes "a", "c""#);
        assert_eq!(
            pointers,
            ["/spec/volumes/0/hostPath", "/spec/volumes/2/hostPath"]
        );
    }

    #[test]
    fn allows_other_volumes() {
        let pod = json!({"spec": {"volumes": [{"name": "b", "emptyDir": {}}, {"name": "n", "hostPath": null}]}});
        expect_pass(v1_0, &pod);
    }
}
