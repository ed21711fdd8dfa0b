use super::common::{describe, host_path, volumes};
use crate::prelude::*;
use std::collections::BTreeMap;

declare_check! {
    /// ## What it checks
    /// Volume mounts of a `hostPath` volume that are not read-only (`readOnly` not `true`), on
    /// containers, init containers and ephemeral containers of every workload kind.
    ///
    /// ## Why it matters
    /// A writable host path lets the pod change files on the node: plant binaries, cron jobs or
    /// systemd units, rewrite kubelet or runtime configuration, or fill the node's disk. Most
    /// workloads that need host files only need to read them.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: agent
    ///   volumeMounts:
    ///   - name: host-logs      # fails: readOnly is not true
    ///     mountPath: /host/logs
    /// volumes:
    /// - name: host-logs
    ///   hostPath:
    ///     path: /data/logs
    /// ```
    pub static META = CheckMeta {
        id: "POD-007",
        name: "hostpath-writable",
        title: "hostPath volume mounted read-write",
        severity: Severity::High,
        tags: &["pod-security", "host-filesystem", "volumes"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `readOnly: true` on every volumeMount of a hostPath volume, or replace \
                      the hostPath volume",
        controls: &[
            pss("hostPathVolumes"),
            cis("5.2.11"),
            nsa("NSA-POD-PSA"),
            attack("T1611"),
            attack("T1543.005"),
            nist("AC-6"),
            nist("SI-7"),
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
    let host_volumes: BTreeMap<&str, &str> = volumes(&pod)
        .filter_map(|(_, v)| Some((v.get("name")?.as_str()?, host_path(v)?)))
        .collect();
    if host_volumes.is_empty() {
        return;
    }
    for c in pod.all_containers() {
        let mounts = c.get("volumeMounts").and_then(Value::as_array);
        for (j, mount) in mounts.into_iter().flatten().enumerate() {
            let Some(name) = mount.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(path) = host_volumes.get(name) else {
                continue;
            };
            if bool_at(mount.get("readOnly")) != Some(true) {
                ctx.report(
                    res,
                    &c.pointer_to(&format!("volumeMounts/{j}/readOnly")),
                    format!(
                        "{} mounts host path `{path}` (volume `{name}`) read-write",
                        describe(&c)
                    ),
                );
            }
        }
    }
}
