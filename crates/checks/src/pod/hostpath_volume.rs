use super::common::host_path_volumes;
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Pods and pod templates of every workload kind with a `hostPath` volume.
    ///
    /// ## Why it matters
    /// A hostPath volume exposes part of the node's file system to the pod. Depending on the path
    /// and the access mode it leaks host credentials and configuration, or lets the pod change
    /// the node and escape to it. Pods also become tied to the node they run on.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: logs
    ///   hostPath:          # fails
    ///     path: /data/logs
    /// ```
    pub static META = CheckMeta {
        id: "POD-006",
        name: "hostpath-volume",
        title: "Pod mounts a hostPath volume",
        severity: Severity::Medium,
        tags: &["pod-security", "pss-baseline", "host-filesystem", "volumes"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "replace the hostPath volume with an emptyDir, configMap, secret, projected \
                      or persistentVolumeClaim volume",
        controls: &[
            pss("hostPathVolumes"),
            cis("5.2.11"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            attack("T1552.001"),
            nist("AC-6"),
            nist("CM-7"),
            sp190("4.4.3"),
            pci("2.2.1"),
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

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    for volume in host_path_volumes(&pod) {
        ctx.report(
            res,
            &volume.pointer,
            format!(
                "volume `{}` mounts host path `{}`",
                volume.name, volume.path
            ),
        );
    }
}
