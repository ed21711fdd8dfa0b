use crate::pod::common::volumes;
use crate::prelude::*;
use palisade_pss::RESTRICTED_VOLUME_TYPES;

declare_check! {
    /// ## What it checks
    /// Volumes of every workload kind whose source is outside the Pod Security Standards
    /// Restricted allow-list: `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`,
    /// `image`, `persistentVolumeClaim`, `projected` and `secret`. A volume with no source at
    /// all is fine (the API server turns it into an `emptyDir`).
    ///
    /// ## Why it matters
    /// The allowed types only expose data Kubernetes manages for the pod. Other types mount host
    /// paths or attach network storage directly (NFS, iSCSI, cloud disks, `gitRepo`, …), with
    /// credentials and access decided by the pod author instead of a PersistentVolume that a
    /// cluster administrator controls.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: share
    ///   nfs:                 # fails: use a persistentVolumeClaim
    ///     server: nfs.internal
    ///     path: /exports
    /// ```
    pub static META = CheckMeta {
        id: "PSR-007",
        name: "restricted-volume-types",
        title: "Volume type outside the Restricted allow-list",
        severity: Severity::Low,
        tags: &["pod-hardening", "pss-restricted", "volumes"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "use a persistentVolumeClaim (backed by a PersistentVolume the cluster \
                      administrator defines) or one of the allowed ephemeral volume types",
        controls: &[
            pss("restrictedVolumes"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            nist("AC-6"),
            nist("CM-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for (i, volume) in volumes(&pod) {
        let Some(fields) = volume.as_object() else {
            continue;
        };
        let name = volume.get("name").and_then(Value::as_str).unwrap_or("");
        for (source, value) in fields {
            if source == "name"
                || value.is_null()
                || RESTRICTED_VOLUME_TYPES.contains(&source.as_str())
            {
                continue;
            }
            ctx.report(
                res,
                &pod.spec_pointer(&format!("volumes/{i}")).key(source),
                format!("volume `{name}` uses restricted volume type `{source}`"),
            );
        }
    }
}
