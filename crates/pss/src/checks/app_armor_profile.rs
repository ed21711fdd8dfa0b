//! `appArmorProfile` (baseline): AppArmor may not be disabled or overridden, through the
//! `appArmorProfile` fields or the deprecated per-container annotations.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::PodView;
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, go_quote, join_quote, pluralize};
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "appArmorProfile",
        level: Level::Baseline,
        title: "AppArmor",
        min_version: 0,
        versions: &[0],
        overrides: &[],
    },
    revisions: &[v1_0],
};

pub(crate) const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

pub(crate) fn allowed_type(profile_type: &str) -> bool {
    matches!(profile_type, "RuntimeDefault" | "Localhost")
}

pub(crate) fn allowed_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

/// Upstream amended the 1.0 revision in place for the 1.30 fields, so the fields are checked
/// at every policy version.
fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    let pod_bad = pod.sc.app_armor_type.is_some_and(|t| !allowed_type(t));
    let bad_containers: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| c.sc.app_armor_type.is_some_and(|t| !allowed_type(t)))
        .collect();
    let bad_annotations: Vec<(&str, &str)> = pod
        .annotations()
        .filter(|(k, v)| k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v))
        .collect();
    if !pod_bad && bad_containers.is_empty() && bad_annotations.is_empty() {
        return None;
    }

    let mut setters = Vec::new();
    let mut pointers = Vec::new();
    let mut bad_types = BTreeSet::new();
    if let Some(t) = pod.sc.app_armor_type.filter(|t| !allowed_type(t)) {
        setters.push("pod".to_owned());
        bad_types.insert(t);
        pointers.push(pod.spec_pointer("securityContext/appArmorProfile/type"));
    }
    if !bad_containers.is_empty() {
        let names: Vec<&str> = bad_containers.iter().map(|c| c.name).collect();
        setters.push(containers_phrase(&names));
        for c in &bad_containers {
            bad_types.extend(c.sc.app_armor_type);
            pointers.push(c.pointer(pod, "securityContext/appArmorProfile/type"));
        }
    }
    let mut values: Vec<String> = bad_types.into_iter().map(str::to_owned).collect();
    if !bad_annotations.is_empty() {
        // Sorted as rendered text, like upstream.
        let mut rendered: Vec<(String, &str)> = bad_annotations
            .iter()
            .map(|(k, v)| (format!("{k}={}", go_quote(v)), *k))
            .collect();
        rendered.sort_unstable();
        setters.push(pluralize("annotation", "annotations", rendered.len()).to_owned());
        for (text, key) in rendered {
            pointers.push(pod.annotation_pointer(key));
            values.push(text);
        }
    }
    Some(Failure {
        reason: pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        )
        .to_owned(),
        detail: format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
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
    fn forbids_unconfined_fields() {
        let pod = json!({"spec": {
            "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "foo"}],
            "initContainers": [{"name": "bar", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}],
        }});
        let pointers = expect_fail(
            v1_0,
            &pod,
            "forbidden AppArmor profile",
            r#"container "bar" must not set AppArmor profile type to "Unconfined""#,
        );
        assert_eq!(
            pointers,
            ["/spec/initContainers/0/securityContext/appArmorProfile/type"]
        );
    }

    #[test]
    fn forbids_bad_annotations_sorted() {
        let pod = json!({"metadata": {"annotations": {
            "container.apparmor.security.beta.kubernetes.io/": "bogus",
            "container.apparmor.security.beta.kubernetes.io/a": "",
            "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
            "container.apparmor.security.beta.kubernetes.io/d": "localhost/foo",
            "container.apparmor.security.beta.kubernetes.io/f": "unknown",
            "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
        }}, "spec": {}});
        expect_fail(
            v1_0,
            &pod,
            "forbidden AppArmor profiles",
            r#"annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", "container.apparmor.security.beta.kubernetes.io/e="unconfined"", "container.apparmor.security.beta.kubernetes.io/f="unknown"""#,
        );
    }

    #[test]
    fn allows_default_and_localhost() {
        let pod = json!({
            "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "localhost/x", "env": "prod"}},
            "spec": {"securityContext": {"appArmorProfile": {"type": "Localhost"}},
                     "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}]},
        });
        expect_pass(v1_0, &pod);
    }
}
