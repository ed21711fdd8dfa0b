use crate::pod::common::volumes;
use crate::prelude::*;

/// Host files that hold cloud or cloud-provider credentials on common node images
const CREDENTIAL_FILES: &[&str] = &[
    "/etc/kubernetes/azure.json",
    "/etc/kubernetes/cloud.conf",
    "/etc/kubernetes/cloud-config",
];

/// Directory names (anywhere in a path) that hold user cloud credentials
const CREDENTIAL_DIRS: &[&[&str]] = &[&[".aws"], &[".azure"], &[".config", "gcloud"], &[".oci"]];

declare_check! {
    /// ## What it checks
    /// `hostPath` volumes (in Pods and in the pod template of every workload kind) that expose
    /// cloud credentials of the node: the cloud-provider config files that hold service
    /// principal or account secrets (`/etc/kubernetes/azure.json`, `/etc/kubernetes/cloud.conf`,
    /// `/etc/kubernetes/cloud-config`) or a directory above them, and cloud CLI credential
    /// directories (`.aws`, `.azure`, `.config/gcloud`, `.oci`) anywhere in the path.
    ///
    /// ## Why it matters
    /// These files carry the node's or cluster's cloud identity. A container that can read them
    /// can act against the cloud account directly — create machines, read storage, change
    /// networks — far beyond what Kubernetes RBAC limits.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: cloud
    ///   hostPath:
    ///     path: /etc/kubernetes/azure.json   # fails
    /// ```
    pub static META = CheckMeta {
        id: "SEC-007",
        name: "cloud-credential-mount",
        title: "Workload mounts cloud credentials from the node",
        severity: Severity::High,
        tags: &["secrets", "credentials", "cloud"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove the hostPath volume; give the workload its own cloud identity \
                      (workload identity / IRSA / pod identity) with only the permissions it needs",
        controls: &[
            nsa("NSA-NET-CLOUD"),
            attack("T1552.001"),
            attack("T1078.004"),
            nist("AC-6"),
            nist("IA-5"),
            sp190("4.3.2"),
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

/// The credential a host path exposes, if any
fn exposed(path: &str) -> Option<String> {
    let trimmed = path.trim_end_matches('/');
    let norm = if trimmed.is_empty() { "/" } else { trimmed };
    for file in CREDENTIAL_FILES {
        let covers = norm == "/"
            || *file == norm
            || file
                .strip_prefix(norm)
                .is_some_and(|rest| rest.starts_with('/'));
        if covers {
            return Some((*file).to_owned());
        }
    }
    let segments: Vec<&str> = norm.split('/').filter(|s| !s.is_empty()).collect();
    for dir in CREDENTIAL_DIRS {
        if segments.windows(dir.len()).any(|w| w == *dir) {
            return Some(dir.join("/"));
        }
    }
    None
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for (i, vol) in volumes(&pod) {
        let Some(path) = vol
            .get("hostPath")
            .and_then(|h| h.get("path"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        if let Some(what) = exposed(path) {
            let name = vol.get("name").and_then(Value::as_str).unwrap_or("");
            ctx.report(
                res,
                &pod.spec_pointer("volumes")
                    .index(i)
                    .key("hostPath")
                    .key("path"),
                format!("volume `{name}` mounts host path `{path}`, exposing `{what}`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::exposed;

    #[test]
    fn credential_paths() {
        assert!(exposed("/etc/kubernetes/azure.json").is_some());
        assert!(exposed("/etc/kubernetes/").is_some());
        assert!(exposed("/").is_some());
        assert!(exposed("/root/.aws").is_some());
        assert!(exposed("/home/admin/.config/gcloud/").is_some());
        assert!(exposed("/etc/kubernetes/pki").is_none());
        assert!(exposed("/var/log").is_none());
        assert!(exposed("/etc/kubernetes-azure").is_none());
    }
}
