use super::common::{host_path_volumes, is_within, normalize_path};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// `hostPath` volumes whose path is, contains or lies below a sensitive host location: the
    /// root file system, `/etc` (including `/etc/kubernetes`), `/proc`, `/sys`, `/boot`,
    /// `/var/lib/kubelet`, `/var/log`, `/root` and `/home`, and cloud or tool credential
    /// directories anywhere (`.aws`, `.azure`, `.config/gcloud`, `.kube`, `.docker`, `.ssh`).
    /// A parent directory such as `/var` counts, since it exposes `/var/lib/kubelet`.
    ///
    /// ## Why it matters
    /// These paths hold node credentials (kubelet client certificates, service account tokens
    /// of every pod on the node, cloud provider keys), control-plane configuration and kernel
    /// interfaces. Reading them is usually enough to take over the node or the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: kubelet
    ///   hostPath:
    ///     path: /var/lib/kubelet   # fails
    /// ```
    pub static META = CheckMeta {
        id: "POD-008",
        name: "sensitive-host-mount",
        title: "hostPath volume mounts a sensitive host path",
        severity: Severity::Critical,
        tags: &["pod-security", "host-filesystem", "volumes", "credentials"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "do not mount system, kubelet, log or credential directories of the node; \
                      deliver the data the workload needs through a Secret, ConfigMap or an API",
        controls: &[
            pss("hostPathVolumes"),
            cis("5.2.11"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            attack("T1552.001"),
            nist("AC-6"),
            nist("CM-7"),
            nist("SI-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
            pci("7.2.5"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
            hipaa("164.312(c)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// Host directories that must not be mounted, nor any directory containing them
const SENSITIVE: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/var/lib/kubelet",
    "/var/log",
    "/root",
    "/home",
];

/// Credential directories, sensitive wherever they are (`/home/alice/.aws`, `/.aws`, …)
const CREDENTIAL_DIRS: &[&str] = &[
    "/.aws",
    "/.azure",
    "/.config/gcloud",
    "/.kube",
    "/.docker",
    "/.ssh",
];

/// Why a host path is sensitive
#[derive(Debug, PartialEq, Eq)]
enum Exposure {
    /// The whole root file system
    Root,
    /// A sensitive directory or something below it
    Within,
    /// A parent of a sensitive directory
    Contains(&'static str),
    /// A credential directory
    Credentials(&'static str),
}

/// How a normalized host path is sensitive, if it is
fn exposure(path: &str) -> Option<Exposure> {
    if path == "/" {
        return Some(Exposure::Root);
    }
    if SENSITIVE.iter().any(|root| is_within(path, root)) {
        return Some(Exposure::Within);
    }
    if let Some(root) = SENSITIVE.iter().find(|root| is_within(root, path)) {
        return Some(Exposure::Contains(root));
    }
    let with_slash = format!("{path}/");
    CREDENTIAL_DIRS
        .iter()
        .find(|dir| with_slash.contains(&format!("{dir}/")))
        .map(|dir| Exposure::Credentials(dir.trim_start_matches('/')))
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for volume in host_path_volumes(&pod) {
        let Some(exposure) = exposure(&normalize_path(volume.path)) else {
            continue;
        };
        let (name, raw) = (volume.name, volume.path);
        let message = match exposure {
            Exposure::Root => {
                format!("volume `{name}` mounts the node's root file system (`{raw}`)")
            }
            Exposure::Within => format!("volume `{name}` mounts sensitive host path `{raw}`"),
            Exposure::Contains(root) => {
                format!("volume `{name}` mounts host path `{raw}`, which contains `{root}`")
            }
            Exposure::Credentials(dir) => {
                format!("volume `{name}` mounts host path `{raw}`, a `{dir}` credential directory")
            }
        };
        ctx.report(res, &volume.pointer.key("path"), message);
    }
}

#[cfg(test)]
mod tests {
    use super::{Exposure, exposure};

    #[test]
    fn classifies_paths() {
        assert_eq!(exposure("/"), Some(Exposure::Root));
        assert_eq!(exposure("/etc/kubernetes/pki"), Some(Exposure::Within));
        assert_eq!(
            exposure("/var"),
            Some(Exposure::Contains("/var/lib/kubelet"))
        );
        assert_eq!(exposure("/var/log/pods"), Some(Exposure::Within));
        assert_eq!(
            exposure("/opt/ci/.aws"),
            Some(Exposure::Credentials(".aws"))
        );
        assert_eq!(
            exposure("/srv/.config/gcloud/creds.json"),
            Some(Exposure::Credentials(".config/gcloud"))
        );
        assert_eq!(exposure("/data/logs"), None);
        assert_eq!(exposure("/var/run/docker.sock"), None);
        assert_eq!(exposure("/etcd-data"), None);
        assert_eq!(exposure("/srv/.awsome"), None);
    }
}
