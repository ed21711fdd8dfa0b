//! Lookups shared by the pod-security checks (POD and PSR areas)

use palisade_model::{Container, ContainerKind, PodTemplate};
use palisade_source::JsonPointer;
use serde_json::Value;

/// Capabilities the Baseline level lets a container add (the default set of container runtimes)
pub(crate) const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

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

/// The `type` of a seccomp or AppArmor profile object that is set but is neither
/// `RuntimeDefault` nor `Localhost` (an object without a type counts as forbidden, as upstream)
pub(crate) fn forbidden_profile_type(profile: Option<&Value>) -> Option<String> {
    let profile = present(profile)?;
    let ty = profile.get("type");
    match ty.and_then(Value::as_str) {
        Some("RuntimeDefault" | "Localhost") => None,
        _ => Some(shown(ty)),
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

/// The `(index, name)` entries of a container's `securityContext.capabilities.<list>`
pub(crate) fn capabilities<'a>(
    c: &Container<'a>,
    list: &str,
) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    c.get(&format!("securityContext/capabilities/{list}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.as_str()?)))
}

/// Pointer to a pod-level `securityContext` field
pub(crate) fn pod_sc_pointer(pod: &PodTemplate<'_>, field: &str) -> JsonPointer {
    pod.spec_pointer(&format!("securityContext/{field}"))
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
