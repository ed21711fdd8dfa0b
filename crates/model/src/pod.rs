use crate::{field, field_path};
use palisade_source::JsonPointer;
use serde_json::Value;

/// Kinds that carry a pod template (plus `Pod` itself)
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// The pod of a workload: its metadata and spec, and where the pod object sits in the resource
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    /// `metadata` of the pod (template), if present
    pub metadata: Option<&'a Value>,
    /// The pod spec
    pub spec: &'a Value,
    /// Path segments from the resource root to the pod object (empty for a Pod)
    pub base: &'static [&'static str],
    /// True for a bare Pod, false for templates inside controllers
    pub is_pod: bool,
}

/// Which container list a container is in
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    /// `spec.initContainers`
    Init,
    /// `spec.containers`
    Regular,
    /// `spec.ephemeralContainers`
    Ephemeral,
}

impl ContainerKind {
    /// The field name of the list
    pub fn field(self) -> &'static str {
        match self {
            Self::Init => "initContainers",
            Self::Regular => "containers",
            Self::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod, with its position in the resource
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    /// Which list
    pub kind: ContainerKind,
    /// Index in that list
    pub index: usize,
    /// The container object
    pub value: &'a Value,
    base: &'static [&'static str],
}

impl<'a> Container<'a> {
    /// `name` of the container (empty if missing)
    pub fn name(&self) -> &'a str {
        field(self.value, "name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Field at a `/`-separated path inside the container
    pub fn get(&self, path: &str) -> Option<&'a Value> {
        field_path(self.value, path)
    }

    /// Pointer (from the resource root) to this container
    pub fn pointer(&self) -> JsonPointer {
        let mut p = pointer_below(self.base);
        p.push_key("spec");
        p.push_key(self.kind.field());
        p.push_index(self.index);
        p
    }

    /// Pointer to a `/`-separated path inside this container
    pub fn pointer_to(&self, path: &str) -> JsonPointer {
        let mut p = self.pointer();
        p.push_path(path);
        p
    }
}

impl<'a> PodTemplate<'a> {
    /// The pod template of a workload object, by kind
    pub fn of(kind: &str, object: &'a Value) -> Option<Self> {
        let base: &'static [&'static str] = match kind {
            "Pod" => &[],
            "PodTemplate" => &["template"],
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => &["spec", "template"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template"],
            _ => return None,
        };
        let pod = base.iter().try_fold(object, |v, k| field(v, k))?;
        let spec = field(pod, "spec").filter(|s| s.is_object())?;
        Some(Self {
            metadata: field(pod, "metadata"),
            spec,
            base,
            is_pod: kind == "Pod",
        })
    }

    /// Field of the pod spec at a `/`-separated path
    pub fn get(&self, path: &str) -> Option<&'a Value> {
        field_path(self.spec, path)
    }

    /// Annotation of the pod (template)
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        field(field(self.metadata?, "annotations")?, key)?.as_str()
    }

    /// Pointer (from the resource root) to the pod object
    pub fn pointer(&self) -> JsonPointer {
        pointer_below(self.base)
    }

    /// Pointer (from the resource root) to a `/`-separated path in the pod spec
    pub fn spec_pointer(&self, path: &str) -> JsonPointer {
        let mut spec = self.pointer();
        spec.push_key("spec");
        if !path.is_empty() {
            spec.push_path(path);
        }
        spec
    }

    /// Containers of one list
    pub fn containers_of(&self, kind: ContainerKind) -> impl Iterator<Item = Container<'a>> + 'a {
        let base = self.base;
        field(self.spec, kind.field())
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(index, value)| Container {
                kind,
                index,
                value,
                base,
            })
    }

    /// Init containers, then containers, then ephemeral containers (the order PSA reports in)
    pub fn all_containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        self.containers_of(ContainerKind::Init)
            .chain(self.containers_of(ContainerKind::Regular))
            .chain(self.containers_of(ContainerKind::Ephemeral))
    }
}

/// Pointer to the pod object below the resource root
fn pointer_below(base: &[&str]) -> JsonPointer {
    let mut p = JsonPointer::root();
    for key in base {
        p.push_key(key);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_templates_of_every_workload_kind() {
        let pod =
            json!({"spec": {"containers": [{"name": "a"}], "initContainers": [{"name": "i"}]}});
        let cron = json!({"spec": {"jobTemplate": {"spec": {"template": pod.clone()}}}});
        let t = PodTemplate::of("CronJob", &cron).unwrap();
        let names: Vec<_> = t.all_containers().map(|c| c.name()).collect();
        assert_eq!(names, ["i", "a"]);
        assert_eq!(
            t.all_containers()
                .nth(1)
                .unwrap()
                .pointer_to("securityContext/privileged")
                .to_string(),
            "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/privileged"
        );
        assert!(PodTemplate::of("Pod", &pod).unwrap().is_pod);
        assert!(PodTemplate::of("Service", &pod).is_none());
    }
}
