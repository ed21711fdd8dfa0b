//! `seLinuxOptions` (baseline): only container SELinux types, and no custom user or role.

use super::{CheckDef, Failure};
use crate::Level;
use crate::pod::{PodView, str_field};
use crate::registry::CheckInfo;
use crate::text::{containers_phrase, join_quote, pluralize};
use serde_json::Value;
use std::collections::BTreeSet;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "seLinuxOptions",
        level: Level::Baseline,
        title: "SELinux",
        min_version: 0,
        versions: &[0, 31],
        overrides: &[],
    },
    revisions: &[v1_0, v1_31],
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
pub(crate) const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn v1_0(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, TYPES_1_0)
}

/// 1.31 allows `container_engine_t`, used by container-in-container runtimes.
fn v1_31(pod: &PodView<'_>) -> Option<Failure> {
    check(pod, TYPES_1_31)
}

/// The offending sub-fields of one `seLinuxOptions` (`type`, `user`, `role`)
fn offending(opts: &Value, types: &[&str]) -> [bool; 3] {
    [
        !types.contains(&str_field(opts, "type")),
        !str_field(opts, "user").is_empty(),
        !str_field(opts, "role").is_empty(),
    ]
}

const SUBFIELDS: [&str; 3] = ["type", "user", "role"];

fn check(pod: &PodView<'_>, types: &[&str]) -> Option<Failure> {
    let is_bad =
        |opts: Option<&Value>| opts.is_some_and(|o| offending(o, types).iter().any(|b| *b));
    let pod_bad = is_bad(pod.sc.se_linux);
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| is_bad(c.sc.se_linux))
        .collect();
    if !pod_bad && bad.is_empty() {
        return None;
    }

    let mut setters = Vec::new();
    let mut bad_types = BTreeSet::new();
    let (mut set_user, mut set_role) = (false, false);
    let mut pointers = Vec::new();
    let mut record = |opts: &Value, base: &dyn Fn(&str) -> palisade_source::JsonPointer| {
        let flags = offending(opts, types);
        if flags[0] {
            bad_types.insert(str_field(opts, "type").to_owned());
        }
        set_user |= flags[1];
        set_role |= flags[2];
        for (flag, sub) in flags.iter().zip(SUBFIELDS) {
            if *flag {
                pointers.push(base(&format!("securityContext/seLinuxOptions/{sub}")));
            }
        }
    };
    if let Some(opts) = pod.sc.se_linux.filter(|_| pod_bad) {
        setters.push("pod".to_owned());
        record(opts, &|p| pod.spec_pointer(p));
    }
    if !bad.is_empty() {
        let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
        setters.push(containers_phrase(&names));
        for c in &bad {
            if let Some(opts) = c.sc.se_linux {
                record(opts, &|p| c.pointer(pod, p));
            }
        }
    }

    let mut data = Vec::new();
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", bad_types.len()),
            join_quote(&bad_types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_owned());
    }
    if set_role {
        data.push("role may not be set".to_owned());
    }
    Some(Failure {
        reason: "seLinuxOptions".to_owned(),
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        pointers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass, run};
    use serde_json::json;

    #[test]
    fn forbids_types_users_and_roles() {
        let pod = json!({"spec": {
            "securityContext": {"seLinuxOptions": {"type": "foo", "user": "u", "role": "r"}},
            "containers": [
                {"name": "a", "securityContext": {"seLinuxOptions": {}}},
                {"name": "e", "securityContext": {"seLinuxOptions": {"type": "bar"}}},
                {"name": "f", "securityContext": {"seLinuxOptions": {"user": "bar"}}},
            ],
        }});
        let pointers = expect_fail(
            v1_31,
            &pod,
            "seLinuxOptions",
            r#"pod and containers "e", "f" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set"#,
        );
        assert_eq!(pointers[0], "/spec/securityContext/seLinuxOptions/type");
        let user_only = json!({"spec": {"securityContext": {"seLinuxOptions": {"user": "bad"}}}});
        expect_fail(
            v1_0,
            &user_only,
            "seLinuxOptions",
            "pod set forbidden securityContext.seLinuxOptions: user may not be set",
        );
    }

    #[test]
    fn allows_container_types_and_engine_from_1_31() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"seLinuxOptions": {"type": "container_kvm_t", "level": "s0"}}},
            {"name": "b", "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}},
        ]}});
        expect_pass(v1_31, &pod);
        assert!(run(v1_0, &pod).is_some());
    }
}
