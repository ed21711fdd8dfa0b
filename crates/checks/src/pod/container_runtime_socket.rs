use super::common::{host_path_volumes, is_within, normalize_path};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// `hostPath` volumes that expose a container runtime socket: a path ending in
    /// `docker.sock`, `containerd.sock`, `crio.sock`, `cri-dockerd.sock`, `dockershim.sock` or
    /// `podman.sock`, or a directory that contains one of the usual socket locations (for
    /// example `/var/run`, `/run/containerd`).
    ///
    /// ## Why it matters
    /// Whoever can talk to the runtime socket can start a privileged container with the host's
    /// root file system mounted, run commands in any other container on the node and read their
    /// secrets: it is root on the node.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: docker
    ///   hostPath:
    ///     path: /var/run/docker.sock   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-009",
        name: "container-runtime-socket",
        title: "Container runtime socket mounted",
        severity: Severity::Critical,
        tags: &["pod-security", "host-filesystem", "volumes", "runtime-socket"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "do not mount the container runtime socket; build images with a daemonless \
                      builder and read container metadata through the Kubernetes API",
        controls: &[
            pss("hostPathVolumes"),
            cis("5.2.11"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            attack("T1610"),
            attack("T1609"),
            nist("AC-6"),
            nist("AC-6(10)"),
            nist("CM-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
            pci("7.2.5"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// File names of container runtime sockets
const SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
    "podman.sock",
];

/// Where runtimes usually put their sockets (a mounted parent directory exposes them)
const SOCKET_PATHS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/podman/podman.sock",
];

/// The runtime socket a normalized host path exposes, if any
fn exposed_socket(path: &str) -> Option<&'static str> {
    let file = path.rsplit('/').next().unwrap_or("");
    if let Some(name) = SOCKET_NAMES.iter().find(|n| **n == file) {
        return Some(name);
    }
    SOCKET_PATHS
        .iter()
        .find(|socket| is_within(socket, path))
        .copied()
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for volume in host_path_volumes(&pod) {
        let Some(socket) = exposed_socket(&normalize_path(volume.path)) else {
            continue;
        };
        let (name, raw) = (volume.name, volume.path);
        let message = if socket.starts_with('/') {
            format!(
                "volume `{name}` mounts host path `{raw}`, which contains the container runtime \
                 socket `{socket}`"
            )
        } else {
            format!("volume `{name}` mounts the container runtime socket `{raw}`")
        };
        ctx.report(res, &volume.pointer.key("path"), message);
    }
}

#[cfg(test)]
mod tests {
    use super::exposed_socket;

    #[test]
    fn finds_sockets() {
        assert_eq!(exposed_socket("/var/run/docker.sock"), Some("docker.sock"));
        assert_eq!(
            exposed_socket("/custom/containerd.sock"),
            Some("containerd.sock")
        );
        assert_eq!(
            exposed_socket("/run/containerd"),
            Some("/run/containerd/containerd.sock")
        );
        assert_eq!(exposed_socket("/var/run"), Some("/var/run/docker.sock"));
        assert_eq!(exposed_socket("/var/run/calico"), None);
        assert_eq!(exposed_socket("/run/flannel"), None);
        assert_eq!(exposed_socket("/data"), None);
    }
}
