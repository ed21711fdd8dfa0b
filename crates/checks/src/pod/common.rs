//! Lookups shared by the pod-security checks (POD and PSR areas)

use crate::prelude::*;

/// `container` / `init container` / `ephemeral container` followed by the name in backticks
pub(crate) fn describe(c: &Container<'_>) -> String {
    let what = match c.kind {
        ContainerKind::Init => "init container",
        ContainerKind::Regular => "container",
        ContainerKind::Ephemeral => "ephemeral container",
    };
    format!("{what} `{}`", c.name())
}

/// True when the pod declares `spec.os.name: windows` (Linux-only controls do not apply)
pub(crate) fn is_windows(pod: &PodTemplate<'_>) -> bool {
    pod.get("os/name").and_then(Value::as_str) == Some("windows")
}

/// True when the pod runs in a user namespace (`spec.hostUsers: false`)
pub(crate) fn in_user_namespace(pod: &PodTemplate<'_>) -> bool {
    pod.get("hostUsers").and_then(Value::as_bool) == Some(false)
}

/// Report a pod whose boolean spec field `field` is `true`, as "pod <problem> (`<field>: true`)"
pub(crate) fn report_pod_field_enabled(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    field: &str,
    problem: &str,
) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    if bool_at(pod.get(field)) == Some(true) {
        ctx.report(
            res,
            &pod.spec_pointer(field),
            format!("pod {problem} (`{field}: true`)"),
        );
    }
}

/// Where a `securityContext` field can be set: on the pod (a default for its containers) or on
/// one container
#[derive(Debug, Clone, Copy)]
pub(crate) enum SecurityContextOwner<'a> {
    Pod(PodTemplate<'a>),
    Container(Container<'a>),
}

impl<'a> SecurityContextOwner<'a> {
    /// A field of its `securityContext` (a `/`-separated path)
    pub(crate) fn get(&self, path: &str) -> Option<&'a Value> {
        let owner = match self {
            Self::Pod(pod) => pod.spec,
            Self::Container(c) => c.value,
        };
        palisade_model::field_path(field(owner, "securityContext")?, path)
    }

    /// Pointer to a field of its `securityContext`
    pub(crate) fn pointer(&self, field: &str) -> JsonPointer {
        let mut pointer = match self {
            Self::Pod(pod) => pod.spec_pointer("securityContext"),
            Self::Container(c) => c.pointer_to("securityContext"),
        };
        pointer.push_path(field);
        pointer
    }

    /// The pod itself rather than one of its containers
    pub(crate) fn is_pod(&self) -> bool {
        matches!(self, Self::Pod(_))
    }

    /// `pod`, or the container as [`describe`] names it
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Pod(_) => "pod".to_owned(),
            Self::Container(c) => describe(c),
        }
    }
}

/// The pod, then each of its containers (init, regular, ephemeral): the order findings are
/// reported in
pub(crate) fn security_context_owners<'a>(
    pod: &PodTemplate<'a>,
) -> impl Iterator<Item = SecurityContextOwner<'a>> + 'a {
    std::iter::once(SecurityContextOwner::Pod(*pod))
        .chain(pod.all_containers().map(SecurityContextOwner::Container))
}

/// A present, non-null field
pub(crate) fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// A string field rendered for a message: the string itself, or the JSON of anything else
pub(crate) fn shown(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The `type` of a seccomp or AppArmor profile object that is set but not `allowed` (an object
/// without a type counts as forbidden, as upstream)
pub(crate) fn forbidden_profile_type(
    profile: Option<&Value>,
    allowed: fn(&str) -> bool,
) -> Option<String> {
    let profile = present(profile)?;
    let ty = profile.get("type");
    match ty.and_then(Value::as_str) {
        Some(t) if allowed(t) => None,
        _ => Some(shown(ty)),
    }
}

/// Report the pod's and each container's `field` profile (`seccompProfile`, `appArmorProfile`)
/// whose type is not `allowed`, as "<owner> sets <what> profile type `<type>`"
pub(crate) fn report_forbidden_profiles(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    pod: &PodTemplate<'_>,
    field: &str,
    allowed: fn(&str) -> bool,
    what: &str,
) {
    for owner in security_context_owners(pod) {
        if let Some(ty) = forbidden_profile_type(owner.get(field), allowed) {
            ctx.report(
                res,
                &owner.pointer(&format!("{field}/type")),
                format!("{} sets {what} profile type `{ty}`", owner.describe()),
            );
        }
    }
}

/// A capability name without the `CAP_` prefix, upper-cased: container runtimes accept
/// `cap_sys_admin` and `SYS_ADMIN` alike
pub(crate) fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_owned(),
        None => upper,
    }
}

fn capability_list<'a>(c: &Container<'a>, list: &str) -> impl Iterator<Item = &'a Value> + 'a {
    c.get("securityContext/capabilities")
        .and_then(|capabilities| field(capabilities, list))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The entries of a container's `securityContext.capabilities.drop`
pub(crate) fn dropped_capabilities<'a>(c: &Container<'a>) -> impl Iterator<Item = &'a str> + 'a {
    capability_list(c, "drop").filter_map(Value::as_str)
}

/// The entries of a container's `securityContext.capabilities.add`, each with where it is
/// written
pub(crate) fn added_capabilities<'a>(
    c: &Container<'a>,
) -> impl Iterator<Item = (JsonPointer, &'a str)> + 'a {
    let container = *c;
    capability_list(c, "add")
        .enumerate()
        .filter_map(move |(i, v)| {
            let name = v.as_str()?;
            let pointer = container.pointer_to(&format!("securityContext/capabilities/add/{i}"));
            Some((pointer, name))
        })
}

/// The `(index, volume)` pairs of `spec.volumes`
pub(crate) fn volumes<'a>(pod: &PodTemplate<'a>) -> impl Iterator<Item = (usize, &'a Value)> + 'a {
    pod.get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// The `hostPath.path` of a volume that is a hostPath volume (empty path when unset)
pub(crate) fn host_path(volume: &Value) -> Option<&str> {
    let hp = present(volume.get("hostPath"))?;
    Some(hp.get("path").and_then(Value::as_str).unwrap_or(""))
}

/// A `hostPath` volume of a pod
pub(crate) struct HostPathVolume<'a> {
    /// `name` (empty when unset)
    pub(crate) name: &'a str,
    /// `hostPath.path` as written (empty when unset)
    pub(crate) path: &'a str,
    /// Pointer to its `hostPath`
    pub(crate) pointer: JsonPointer,
}

/// The pod's `hostPath` volumes
pub(crate) fn host_path_volumes<'a>(
    pod: &PodTemplate<'a>,
) -> impl Iterator<Item = HostPathVolume<'a>> + 'a {
    let template = *pod;
    volumes(pod).filter_map(move |(i, volume)| {
        Some(HostPathVolume {
            name: volume.get("name").and_then(Value::as_str).unwrap_or(""),
            path: host_path(volume)?,
            pointer: template.spec_pointer(&format!("volumes/{i}/hostPath")),
        })
    })
}

/// An absolute host path with `//`, `.` and `..` resolved and no trailing slash (`/` for root)
pub(crate) fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// True when `path` is `root` or lies below it (both normalized)
pub(crate) fn is_within(path: &str, root: &str) -> bool {
    root == "/"
        || path == root
        || path
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize_path("/var//run/./docker.sock"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize_path("/etc/"), "/etc");
        assert_eq!(normalize_path("/tmp/../etc"), "/etc");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/.."), "/");
        assert!(is_within("/etc/kubernetes", "/etc"));
        assert!(!is_within("/etcd", "/etc"));
        assert!(is_within("/anything", "/"));
    }

    #[test]
    fn normalizes_capabilities() {
        assert_eq!(normalize_capability("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize_capability("NET_RAW"), "NET_RAW");
        assert_eq!(normalize_capability("all"), "ALL");
    }
}
