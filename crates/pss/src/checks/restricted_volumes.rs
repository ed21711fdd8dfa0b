//! `restrictedVolumes` (restricted): only ephemeral, projected-data and claim-backed volume
//! types. Replaces `hostPathVolumes` under the restricted level.

use super::host_path_volumes::volume_name;
use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::{join_quote, pluralize};
use serde_json::Value;
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "restrictedVolumes",
        level: Level::Restricted,
        title: "Volume Types",
        min_version: 0,
        versions: &[0],
        overrides: &["hostPathVolumes"],
    },
    revisions: &[v1_0],
};

/// `image` was added to the 1.0 revision in place (Kubernetes 1.33), so it is allowed at every
/// policy version.
pub(crate) const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// In upstream's precedence order: the first set one names the volume's type
const RESTRICTED: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// The restricted type of a volume, if it has one.
///
/// One pass over the volume's fields: any allowed source admits it (upstream checks those
/// first), otherwise the set restricted source earliest in upstream's order names the type.
/// A volume with no known source is allowed: the API server defaults it to `emptyDir` before
/// admission (and drops unknown fields), so upstream never sees it without a source.
fn restricted_type(volume: &Value) -> Option<&'static str> {
    let mut first: Option<usize> = None;
    for (key, v) in volume.as_object()? {
        if v.is_null() {
            continue;
        }
        if ALLOWED.contains(&key.as_str()) {
            return None;
        }
        if let Some(i) = RESTRICTED.iter().position(|r| r == key) {
            first = Some(first.map_or(i, |f| f.min(i)));
        }
    }
    first.and_then(|i| RESTRICTED.get(i).copied())
}

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut pointers = Vec::new();
    for (i, volume) in pod.volumes.iter().enumerate() {
        if let Some(t) = restricted_type(volume) {
            names.push(volume_name(volume));
            types.insert(t);
            pointers.push(pod.spec_pointer(&format!("volumes/{i}/{t}")));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "restricted volume types".to_owned(),
        detail: format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(types)
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
    fn forbids_non_allowed_types() {
        let pod = json!({"spec": {"volumes": [
            {"name": "a", "nfs": {"server": "s", "path": "/"}},
            {"name": "b", "secret": {"secretName": "x"}},
            {"name": "c", "hostPath": {"path": "/"}},
            {"name": "d", "hostPath": {"path": "/d"}},
        ]}});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "restricted volume types",
            r#"volumes "a", "c", "d" use restricted volume types "hostPath", "nfs""#,
        );
        assert_eq!(pointers[0], "/spec/volumes/0/nfs");
        let one = json!({"spec": {"volumes": [{"name": "a", "gitRepo": {"repository": "r"}}]}});
        expect_fail(
            v1_0,
            &one,
            "restricted volume types",
            r#"volume "a" uses restricted volume type "gitRepo""#,
        );
    }

    #[test]
    fn allows_allowed_and_defaulted_volumes() {
        let pod = json!({"spec": {"volumes": [
            {"name": "defaulted"},
            {"name": "i", "image": {"reference": "x"}},
            {"name": "p", "projected": {"sources": []}},
            {"name": "c", "csi": {"driver": "d"}},
        ]}});
        expect_pass(v1_0, &pod);
    }
}
