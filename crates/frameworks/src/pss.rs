//! Kubernetes Pod Security Standards: the check IDs of the upstream Pod Security Admission
//! implementation (`k8s.io/pod-security-admission/policy`), Baseline first, then Restricted.
//!
//! Restricted includes Baseline. Where Restricted tightens a Baseline check, upstream has two IDs
//! (`capabilities_baseline` / `capabilities_restricted`, `seccompProfile_*`, `procMount` /
//! `procMount_restricted`); both are listed.

use crate::{ControlInfo, ci};

/// Upstream check IDs: Baseline, then Restricted-only
pub(crate) static CONTROLS: &[ControlInfo] = &[
    // Baseline
    ci("appArmorProfile", "Baseline: no unconfined AppArmor"),
    ci(
        "capabilities_baseline",
        "Baseline: only default capabilities added",
    ),
    ci("hostNamespaces", "Baseline: no host network, PID or IPC"),
    ci("hostPathVolumes", "Baseline: no hostPath volumes"),
    ci("hostPorts", "Baseline: no host ports"),
    ci(
        "hostProbesAndHostLifecycle",
        "Baseline: probes and hooks target the pod",
    ),
    ci("privileged", "Baseline: no privileged containers"),
    ci("procMount", "Baseline: default /proc mount"),
    ci(
        "seccompProfile_baseline",
        "Baseline: seccomp not unconfined",
    ),
    ci("seLinuxOptions", "Baseline: no custom SELinux type or user"),
    ci("sysctls", "Baseline: only safe sysctls"),
    ci("windowsHostProcess", "Baseline: no Windows HostProcess"),
    // Restricted
    ci(
        "allowPrivilegeEscalation",
        "Restricted: privilege escalation off",
    ),
    ci(
        "capabilities_restricted",
        "Restricted: drop ALL, add only NET_BIND_SERVICE",
    ),
    ci(
        "procMount_restricted",
        "Restricted: default /proc mount always",
    ),
    ci("restrictedVolumes", "Restricted: allowed volume types only"),
    ci("runAsNonRoot", "Restricted: must run as non-root"),
    ci("runAsUser", "Restricted: no UID 0"),
    ci(
        "seccompProfile_restricted",
        "Restricted: seccomp profile required",
    ),
];

/// Short names check authors use, and the PSS documentation's control names. Matching ignores
/// case, `-`, `_` and spaces. A `baseline:` / `restricted:` prefix (optionally after `PSS:`)
/// selects the level variant, e.g. `restricted:capabilities` → `capabilities_restricted`; without
/// one, the ambiguous short names mean the Baseline check.
pub(crate) static ALIASES: &[(&str, &str)] = &[
    ("apparmor", "appArmorProfile"),
    ("appArmorProfiles", "appArmorProfile"),
    ("capabilities", "capabilities_baseline"),
    ("capability", "capabilities_baseline"),
    ("hostNamespace", "hostNamespaces"),
    ("hostNetwork", "hostNamespaces"),
    ("hostPID", "hostNamespaces"),
    ("hostIPC", "hostNamespaces"),
    ("hostPath", "hostPathVolumes"),
    ("hostPathVolume", "hostPathVolumes"),
    ("hostPort", "hostPorts"),
    ("hostProbes", "hostProbesAndHostLifecycle"),
    ("hostLifecycle", "hostProbesAndHostLifecycle"),
    ("hostProbesAndLifecycle", "hostProbesAndHostLifecycle"),
    ("probeHost", "hostProbesAndHostLifecycle"),
    ("privilegedContainers", "privileged"),
    ("privilegedContainer", "privileged"),
    ("procMountType", "procMount"),
    ("/proc mount type", "procMount"),
    ("seccomp", "seccompProfile_baseline"),
    ("seccompProfile", "seccompProfile_baseline"),
    ("seLinux", "seLinuxOptions"),
    ("seLinuxOption", "seLinuxOptions"),
    ("sysctl", "sysctls"),
    ("hostProcess", "windowsHostProcess"),
    ("windowsHostProcesses", "windowsHostProcess"),
    ("privilegeEscalation", "allowPrivilegeEscalation"),
    ("volumeTypes", "restrictedVolumes"),
    ("volumes", "restrictedVolumes"),
    ("restrictedVolume", "restrictedVolumes"),
    ("runAsNonRootUser", "runAsNonRoot"),
    ("nonRoot", "runAsNonRoot"),
    ("runningAsNonRoot", "runAsNonRoot"),
    ("runAsUserNonZero", "runAsUser"),
    ("runningAsNonRootUser", "runAsUser"),
];
