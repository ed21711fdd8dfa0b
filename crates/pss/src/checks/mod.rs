//! One file per upstream check (`policy/check_*.go`), each with its revisions by policy version.

use crate::pod::{ContainerView, PodView};
use crate::registry::CheckInfo;
use palisade_source::JsonPointer;

pub(crate) mod allow_privilege_escalation;
pub(crate) mod app_armor_profile;
pub(crate) mod capabilities_baseline;
pub(crate) mod capabilities_restricted;
pub(crate) mod host_namespaces;
pub(crate) mod host_path_volumes;
pub(crate) mod host_ports;
pub(crate) mod host_probes_and_host_lifecycle;
pub(crate) mod privileged;
pub(crate) mod proc_mount;
pub(crate) mod proc_mount_restricted;
pub(crate) mod restricted_volumes;
pub(crate) mod run_as_non_root;
pub(crate) mod run_as_user;
pub(crate) mod se_linux_options;
pub(crate) mod seccomp_profile_baseline;
pub(crate) mod seccomp_profile_restricted;
pub(crate) mod sysctls;
pub(crate) mod windows_host_process;

/// Why one check forbids a pod; built only when the check fails
#[derive(Debug)]
pub(crate) struct Failure {
    pub reason: String,
    pub detail: String,
    pub pointers: Vec<JsonPointer>,
}

/// Who sets a forbidden security-context flag: `pod` and/or the named containers (joined with
/// `and`, as upstream words it) with a pointer to each setting; `None` when nobody does
pub(crate) fn flag_setters(
    pod: &PodView<'_>,
    pod_sets: bool,
    container_sets: impl Fn(&ContainerView<'_>) -> bool,
    field: &str,
) -> Option<(String, Vec<JsonPointer>)> {
    let bad: Vec<_> = pod
        .containers()
        .iter()
        .filter(|c| container_sets(c))
        .collect();
    if !pod_sets && bad.is_empty() {
        return None;
    }
    let mut setters = Vec::new();
    let mut pointers = Vec::new();
    if pod_sets {
        setters.push("pod".to_owned());
        pointers.push(pod.spec_pointer(field));
    }
    if !bad.is_empty() {
        let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
        setters.push(crate::text::containers_phrase(&names));
        pointers.extend(bad.iter().map(|c| c.pointer(pod, field)));
    }
    Some((setters.join(" and "), pointers))
}

/// One revision of a check: `None` when the pod is allowed
pub(crate) type CheckFn = fn(&PodView<'_>) -> Option<Failure>;

/// A check: its metadata and one function per revision (`revisions[i]` applies from policy
/// minor `info.versions[i]` up to the next revision)
pub(crate) struct CheckDef {
    pub info: CheckInfo,
    pub revisions: &'static [CheckFn],
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Run one revision against a pod written as JSON.

    use super::{CheckFn, Failure};
    use crate::pod::PodView;
    use palisade_model::PodTemplate;
    use serde_json::Value;

    /// Run `check` on a Pod with this `spec` (and optional `metadata`)
    pub fn run(check: CheckFn, pod: &Value) -> Option<Failure> {
        let template = PodTemplate::of("Pod", pod).expect("pod has a spec");
        check(&PodView::new(&template))
    }

    /// Assert the exact reason and detail, and return the pointers as strings
    #[track_caller]
    pub fn expect_fail(check: CheckFn, pod: &Value, reason: &str, detail: &str) -> Vec<String> {
        let failure = run(check, pod).expect("check should fail");
        assert_eq!(failure.reason, reason);
        assert_eq!(failure.detail, detail);
        failure.pointers.iter().map(ToString::to_string).collect()
    }

    /// Assert the check allows the pod
    #[track_caller]
    pub fn expect_pass(check: CheckFn, pod: &Value) {
        if let Some(f) = run(check, pod) {
            panic!("expected allowed, got {} ({})", f.reason, f.detail);
        }
    }
}
