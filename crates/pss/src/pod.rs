//! A typed view of the pod, read in one pass before the checks run.
//!
//! Upstream decodes the pod into Go structs once and every check reads fields; this is the same
//! idea over `serde_json`: one walk over the spec and each container collects the fields the
//! checks read, iterating object entries (no hashing) and allocating nothing for ordinary pods.
//! Values of the wrong JSON type would fail Go decoding; here they read as unset.

use palisade_model::{ContainerKind, PodTemplate};
use palisade_source::JsonPointer;
use serde_json::{Map, Value};

/// Field of an object by linear scan.
///
/// Pod objects are small, and comparing a few keys is several times cheaper than hashing one
/// (`serde_json`'s map hashes with SipHash); this halved the cost of a compliant pod.
pub(crate) fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// String field of an object (`""` when missing or not a string)
pub(crate) fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    field(value, key).and_then(Value::as_str).unwrap_or("")
}

/// Containers kept inline; pods with more spill to the heap
const INLINE_CONTAINERS: usize = 8;

/// The `securityContext` fields the checks read (pod or container level)
#[derive(Debug, Clone, Copy)]
pub(crate) struct SecurityContext<'a> {
    /// `privileged: true`
    pub privileged: bool,
    /// `allowPrivilegeEscalation`
    pub allow_privilege_escalation: Option<bool>,
    /// `capabilities` when it is an object
    pub capabilities: Option<&'a Value>,
    /// `procMount` (`Some("")` when set to the empty string)
    pub proc_mount: Option<&'a str>,
    /// `runAsNonRoot`
    pub run_as_non_root: Option<bool>,
    /// `runAsUser: 0`
    pub run_as_user_zero: bool,
    /// `seccompProfile.type` when `seccompProfile` is an object (`""` if `type` is unset)
    pub seccomp_type: Option<&'a str>,
    /// `seLinuxOptions` when it is an object
    pub se_linux: Option<&'a Value>,
    /// `appArmorProfile.type` when `appArmorProfile` is an object (`""` if `type` is unset)
    pub app_armor_type: Option<&'a str>,
    /// `windowsOptions.hostProcess: true`
    pub host_process: bool,
    /// `sysctls` (pod level only)
    pub sysctls: &'a [Value],
}

impl SecurityContext<'_> {
    const EMPTY: Self = Self {
        privileged: false,
        allow_privilege_escalation: None,
        capabilities: None,
        proc_mount: None,
        run_as_non_root: None,
        run_as_user_zero: false,
        seccomp_type: None,
        se_linux: None,
        app_armor_type: None,
        host_process: false,
        sysctls: &[],
    };
}

impl<'a> SecurityContext<'a> {
    /// Read the fields from `value` (in place: these structs are copied often otherwise)
    fn fill(&mut self, value: &'a Value) {
        let sc = self;
        let Some(map) = value.as_object() else {
            return;
        };
        for (key, v) in map {
            match key.as_str() {
                "privileged" => sc.privileged = v.as_bool() == Some(true),
                "allowPrivilegeEscalation" => sc.allow_privilege_escalation = v.as_bool(),
                "capabilities" => sc.capabilities = v.is_object().then_some(v),
                "procMount" => sc.proc_mount = v.as_str(),
                "runAsNonRoot" => sc.run_as_non_root = v.as_bool(),
                "runAsUser" => sc.run_as_user_zero = is_zero(v),
                "seccompProfile" => sc.seccomp_type = profile_type(v),
                "seLinuxOptions" => sc.se_linux = v.is_object().then_some(v),
                "appArmorProfile" => sc.app_armor_type = profile_type(v),
                "windowsOptions" => {
                    sc.host_process =
                        field(v, "hostProcess").and_then(Value::as_bool) == Some(true);
                }
                "sysctls" => sc.sysctls = v.as_array().map_or(&[], Vec::as_slice),
                _ => {}
            }
        }
    }
}

/// `type` of a profile object; `""` when the object has no string `type`
fn profile_type(v: &Value) -> Option<&str> {
    v.is_object().then(|| str_field(v, "type"))
}

fn is_zero(v: &Value) -> bool {
    v.as_number()
        .is_some_and(|n| n.as_i64() == Some(0) || n.as_u64() == Some(0) || n.as_f64() == Some(0.0))
}

/// One container (init, regular or ephemeral) as the checks see it
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContainerView<'a> {
    /// Which list it is in
    pub kind: ContainerKind,
    /// Index in that list
    pub index: usize,
    /// `name` (empty if missing)
    pub name: &'a str,
    /// `securityContext`
    pub sc: SecurityContext<'a>,
    /// `ports`
    pub ports: &'a [Value],
    /// `livenessProbe`, `readinessProbe`, `startupProbe`
    pub probes: [Option<&'a Value>; 3],
    /// `lifecycle`
    pub lifecycle: Option<&'a Value>,
}

/// Field names of [`ContainerView::probes`], in order
pub(crate) const PROBE_FIELDS: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

impl ContainerView<'_> {
    const EMPTY: Self = Self {
        kind: ContainerKind::Regular,
        index: 0,
        name: "",
        sc: SecurityContext::EMPTY,
        ports: &[],
        probes: [None; 3],
        lifecycle: None,
    };
}

impl<'a> ContainerView<'a> {
    /// Read one container into an empty slot
    fn fill(&mut self, kind: ContainerKind, index: usize, value: &'a Value) {
        let c = self;
        c.kind = kind;
        c.index = index;
        let Some(map) = value.as_object() else {
            return;
        };
        for (key, v) in map {
            match key.as_str() {
                "name" => c.name = v.as_str().unwrap_or(""),
                "securityContext" => c.sc.fill(v),
                "ports" => c.ports = v.as_array().map_or(&[], Vec::as_slice),
                "livenessProbe" => c.probes[0] = non_null(v),
                "readinessProbe" => c.probes[1] = non_null(v),
                "startupProbe" => c.probes[2] = non_null(v),
                "lifecycle" => c.lifecycle = non_null(v),
                _ => {}
            }
        }
    }

    /// Pointer (from the resource root) to `path` inside this container
    pub fn pointer(&self, pod: &PodView<'_>, path: &str) -> JsonPointer {
        let mut base = pod.spec_base();
        base.push_key(self.kind.field());
        base.push_index(self.index);
        extend(base, path)
    }
}

/// `pointer` extended by a `/`-separated path
fn extend(mut pointer: JsonPointer, path: &str) -> JsonPointer {
    pointer.push_path(path);
    pointer
}

fn non_null(v: &Value) -> Option<&Value> {
    (!v.is_null()).then_some(v)
}

/// The pod as the checks see it
#[derive(Debug)]
pub(crate) struct PodView<'a> {
    /// Where the pod sits in its resource, for pointers
    pub template: PodTemplate<'a>,
    /// `metadata.annotations`
    pub annotations: Option<&'a Map<String, Value>>,
    /// `hostNetwork: true`
    pub host_network: bool,
    /// `hostPID: true`
    pub host_pid: bool,
    /// `hostIPC: true`
    pub host_ipc: bool,
    /// `hostUsers`
    pub host_users: Option<bool>,
    /// `os.name` (empty if unset)
    pub os_name: &'a str,
    /// `securityContext`
    pub sc: SecurityContext<'a>,
    /// `volumes`
    pub volumes: &'a [Value],
    inline: [ContainerView<'a>; INLINE_CONTAINERS],
    len: usize,
    spill: Vec<ContainerView<'a>>,
}

impl<'a> PodView<'a> {
    /// Read the fields every check needs
    pub fn new(template: &PodTemplate<'a>) -> Self {
        let mut pod = Self {
            template: *template,
            annotations: template
                .metadata
                .and_then(|m| field(m, "annotations"))
                .and_then(Value::as_object),
            host_network: false,
            host_pid: false,
            host_ipc: false,
            host_users: None,
            os_name: "",
            sc: SecurityContext::EMPTY,
            volumes: &[],
            inline: [ContainerView::EMPTY; INLINE_CONTAINERS],
            len: 0,
            spill: Vec::new(),
        };
        let mut lists: [&'a [Value]; 3] = [&[]; 3];
        if let Some(spec) = template.spec.as_object() {
            for (key, v) in spec {
                match key.as_str() {
                    "hostNetwork" => pod.host_network = v.as_bool() == Some(true),
                    "hostPID" => pod.host_pid = v.as_bool() == Some(true),
                    "hostIPC" => pod.host_ipc = v.as_bool() == Some(true),
                    "hostUsers" => pod.host_users = v.as_bool(),
                    "os" => pod.os_name = str_field(v, "name"),
                    "securityContext" => pod.sc.fill(v),
                    "volumes" => pod.volumes = v.as_array().map_or(&[], Vec::as_slice),
                    "initContainers" => lists[0] = v.as_array().map_or(&[], Vec::as_slice),
                    "containers" => lists[1] = v.as_array().map_or(&[], Vec::as_slice),
                    "ephemeralContainers" => lists[2] = v.as_array().map_or(&[], Vec::as_slice),
                    _ => {}
                }
            }
        }
        // Upstream visits init containers, then containers, then ephemeral containers.
        let kinds = [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ];
        let total: usize = lists.iter().map(|l| l.len()).sum();
        if total > INLINE_CONTAINERS {
            pod.spill.reserve_exact(total);
        }
        for (kind, list) in kinds.into_iter().zip(lists) {
            for (index, value) in list.iter().enumerate() {
                let slot = if total > INLINE_CONTAINERS {
                    pod.spill.push(ContainerView::EMPTY);
                    pod.spill.last_mut()
                } else {
                    pod.len += 1;
                    pod.inline.get_mut(pod.len - 1)
                };
                if let Some(slot) = slot {
                    slot.fill(kind, index, value);
                }
            }
        }
        pod
    }

    /// Every container, in upstream's visiting order
    pub fn containers(&self) -> &[ContainerView<'a>] {
        if self.spill.is_empty() {
            self.inline.get(..self.len).unwrap_or(&[])
        } else {
            &self.spill
        }
    }

    /// `spec.os.name == "windows"`
    pub fn is_windows(&self) -> bool {
        self.os_name == "windows"
    }

    /// `spec.hostUsers == false`: the pod runs in its own user namespace
    pub fn in_user_namespace(&self) -> bool {
        self.host_users == Some(false)
    }

    /// Pointer to the pod spec
    fn spec_base(&self) -> JsonPointer {
        let mut pointer = JsonPointer::root();
        for key in self.template.base {
            pointer.push_key(key);
        }
        pointer.push_key("spec");
        pointer
    }

    /// Pointer (from the resource root) to `path` in the pod spec
    pub fn spec_pointer(&self, path: &str) -> JsonPointer {
        extend(self.spec_base(), path)
    }

    /// Pointer (from the resource root) to one annotation of the pod
    pub fn annotation_pointer(&self, key: &str) -> JsonPointer {
        self.template
            .pointer()
            .key("metadata")
            .key("annotations")
            .key(key)
    }

    /// String-valued annotations (Go's `map[string]string`)
    pub fn annotations(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.annotations
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_containers_in_upstream_order() {
        let pod = json!({"spec": {
            "ephemeralContainers": [{"name": "e"}],
            "containers": [{"name": "c", "securityContext": {"privileged": true, "runAsUser": 0}}],
            "initContainers": [{"name": "i"}],
            "hostUsers": false,
            "os": {"name": "windows"},
        }});
        let t = PodTemplate::of("Pod", &pod).unwrap();
        let view = PodView::new(&t);
        let names: Vec<_> = view.containers().iter().map(|c| c.name).collect();
        assert_eq!(names, ["i", "c", "e"]);
        assert!(view.containers()[1].sc.privileged && view.containers()[1].sc.run_as_user_zero);
        assert!(view.in_user_namespace() && view.is_windows());
        assert_eq!(
            view.containers()[1]
                .pointer(&view, "securityContext/privileged")
                .to_string(),
            "/spec/containers/0/securityContext/privileged"
        );
    }

    #[test]
    fn spills_large_pods() {
        let containers: Vec<_> = (0..20).map(|i| json!({"name": format!("c{i}")})).collect();
        let pod = json!({"spec": {"containers": containers}});
        let t = PodTemplate::of("Pod", &pod).unwrap();
        let view = PodView::new(&t);
        assert_eq!(view.containers().len(), 20);
        assert_eq!(view.containers()[19].name, "c19");
    }
}
