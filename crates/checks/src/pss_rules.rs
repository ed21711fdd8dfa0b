//! The Pod Security Standards engine as scan rules: one rule `PSS-<check>` per upstream Pod
//! Security Admission check, with severity and framework controls, so PSS results render,
//! select (`--select pss`) and score like every other rule.

use crate::prelude::*;
use palisade_engine::{Finding, RuleInfo};
use palisade_pss::{Level, Version};
use std::borrow::Cow;

/// Rule metadata of one PSS check that the PSS engine itself does not carry
struct PssRule {
    id: &'static str,
    rule_id: &'static str,
    name: &'static str,
    severity: Severity,
    tags: &'static [&'static str],
    controls: &'static [Control],
    remediation: &'static str,
}

const BASELINE: &[&str] = &["pss", "pss-baseline", "pod-security"];
const RESTRICTED: &[&str] = &["pss", "pss-restricted", "pod-security"];

macro_rules! pss_rule {
    ($id:literal, $name:literal, $sev:ident, $tags:expr, [$($c:expr),* $(,)?], $fix:literal) => {
        PssRule {
            id: $id,
            rule_id: concat!("PSS-", $id),
            name: concat!("pod-security-", $name),
            severity: Severity::$sev,
            tags: $tags,
            controls: &[pss($id), nsa("NSA-POD-PSA"), $($c),*],
            remediation: $fix,
        }
    };
}

static RULES: &[PssRule] = &[
    pss_rule!(
        "appArmorProfile",
        "app-armor-profile",
        Medium,
        BASELINE,
        [nsa("NSA-POD-HARDEN"), attack("T1611"), nist("CM-7")],
        "use the `RuntimeDefault` or a `Localhost` AppArmor profile, or leave it unset"
    ),
    pss_rule!(
        "capabilities_baseline",
        "capabilities-baseline",
        Medium,
        BASELINE,
        [cis("5.2.9"), attack("T1611"), attack("T1068"), nist("AC-6")],
        "add only capabilities from the baseline allowed set"
    ),
    pss_rule!(
        "hostNamespaces",
        "host-namespaces",
        High,
        BASELINE,
        [
            cis("5.2.3"),
            cis("5.2.4"),
            cis("5.2.5"),
            attack("T1611"),
            nist("SC-39")
        ],
        "remove `hostNetwork`, `hostPID` and `hostIPC` or set them to `false`"
    ),
    pss_rule!(
        "hostPathVolumes",
        "host-path-volumes",
        Medium,
        BASELINE,
        [cis("5.2.11"), attack("T1611"), nist("AC-6")],
        "replace `hostPath` volumes with persistent volumes, configMaps or emptyDir"
    ),
    pss_rule!(
        "hostPorts",
        "host-ports",
        Medium,
        BASELINE,
        [cis("5.2.12"), nist("SC-7")],
        "remove `hostPort` and expose the container through a Service"
    ),
    pss_rule!(
        "hostProbesAndHostLifecycle",
        "host-probes-and-host-lifecycle",
        Medium,
        BASELINE,
        [nist("SC-7")],
        "remove `host` from probe and lifecycle handlers"
    ),
    pss_rule!(
        "privileged",
        "privileged",
        Critical,
        BASELINE,
        [cis("5.2.2"), attack("T1611"), attack("T1610"), nist("AC-6")],
        "remove `securityContext.privileged` or set it to `false`"
    ),
    pss_rule!(
        "procMount",
        "proc-mount",
        Medium,
        BASELINE,
        [attack("T1611"), nist("CM-7")],
        "remove `procMount` or set it to `Default`"
    ),
    pss_rule!(
        "seccompProfile_baseline",
        "seccomp-profile-baseline",
        Medium,
        BASELINE,
        [cis("5.6.2"), nsa("NSA-POD-HARDEN"), nist("CM-7")],
        "use the `RuntimeDefault` or a `Localhost` seccomp profile"
    ),
    pss_rule!(
        "seLinuxOptions",
        "se-linux-options",
        Medium,
        BASELINE,
        [nsa("NSA-POD-HARDEN"), nist("AC-3")],
        "remove custom SELinux `user`/`role` and use an allowed `type`"
    ),
    pss_rule!(
        "sysctls",
        "sysctls",
        Medium,
        BASELINE,
        [attack("T1611"), nist("CM-7")],
        "set only sysctls from the safe set"
    ),
    pss_rule!(
        "windowsHostProcess",
        "windows-host-process",
        High,
        BASELINE,
        [cis("5.2.10"), attack("T1611")],
        "remove `windowsOptions.hostProcess` or set it to `false`"
    ),
    pss_rule!(
        "allowPrivilegeEscalation",
        "allow-privilege-escalation",
        Medium,
        RESTRICTED,
        [cis("5.2.6"), attack("T1068"), nist("AC-6")],
        "set `securityContext.allowPrivilegeEscalation: false` on every container"
    ),
    pss_rule!(
        "capabilities_restricted",
        "capabilities-restricted",
        Medium,
        RESTRICTED,
        [cis("5.2.8"), cis("5.2.9"), attack("T1068"), nist("AC-6")],
        "drop `ALL` capabilities and add back only `NET_BIND_SERVICE`"
    ),
    pss_rule!(
        "procMount_restricted",
        "proc-mount-restricted",
        Medium,
        RESTRICTED,
        [attack("T1611")],
        "remove `procMount` or set it to `Default`"
    ),
    pss_rule!(
        "restrictedVolumes",
        "restricted-volumes",
        Medium,
        RESTRICTED,
        [cis("5.2.11"), nist("AC-6")],
        "use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret volumes"
    ),
    pss_rule!(
        "runAsNonRoot",
        "run-as-non-root",
        Medium,
        RESTRICTED,
        [cis("5.2.7"), nsa("NSA-POD-NONROOT"), nist("AC-6")],
        "set `securityContext.runAsNonRoot: true` on the pod or every container"
    ),
    pss_rule!(
        "runAsUser",
        "run-as-user",
        Medium,
        RESTRICTED,
        [cis("5.2.7"), nsa("NSA-POD-NONROOT"), nist("AC-6")],
        "do not set `runAsUser: 0`"
    ),
    pss_rule!(
        "seccompProfile_restricted",
        "seccomp-profile-restricted",
        Medium,
        RESTRICTED,
        [cis("5.6.2"), nsa("NSA-POD-HARDEN"), nist("CM-7")],
        "set `seccompProfile.type` to `RuntimeDefault` or `Localhost` on the pod or every container"
    ),
];

fn rule(check_id: &str) -> Option<&'static PssRule> {
    RULES.iter().find(|r| r.id == check_id)
}

/// Rule descriptions of the PSS checks that apply at a level and version
pub fn rules(level: Level, version: Version) -> Vec<RuleInfo> {
    palisade_pss::checks()
        .iter()
        .filter(|c| c.level <= level && c.min_version <= version.clamped_minor())
        .filter_map(|c| {
            let r = rule(c.id)?;
            Some(RuleInfo {
                id: Cow::Borrowed(r.rule_id),
                name: Cow::Borrowed(r.name),
                title: Cow::Borrowed(c.title),
                severity: r.severity,
                doc: Cow::Owned(format!(
                    "## What it checks\nThe Pod Security Standards `{}` control (`{}` level, from policy v1.{}) on Pods and the pod template of every workload kind, with the exact semantics of Pod Security Admission.\n\n## Why it matters\nPod Security Admission enforces this control in the API server; a manifest that fails here is rejected (or warned about) in a namespace labelled `pod-security.kubernetes.io/enforce: {}`.\n",
                    c.id, c.level, c.min_version, c.level
                )),
                remediation: Cow::Borrowed(r.remediation),
                tags: r.tags,
                controls: r.controls,
            })
        })
        .collect()
}

/// Every PSS rule (at restricted, latest), for listings
pub fn all_rules() -> Vec<RuleInfo> {
    rules(Level::Restricted, Version::Latest)
}

/// Evaluate a workload at a level and version; one finding per violated control
pub fn evaluate(resource: &Resource, level: Level, version: Version, out: &mut Vec<Finding>) {
    let Some(template) = resource.pod_template() else {
        return;
    };
    for v in palisade_pss::evaluate(&template, level, version) {
        let Some(r) = rule(v.check_id) else { continue };
        let pointer = v
            .pointers
            .first()
            .cloned()
            .unwrap_or_else(|| template.spec_pointer(""));
        out.push(Finding {
            rule_id: Cow::Borrowed(r.rule_id),
            rule_name: Cow::Borrowed(r.name),
            severity: r.severity,
            message: format!(
                "{} ({}) violates PodSecurity \"{level}:{version}\"",
                v.reason, v.detail
            ),
            resource: resource.shared_reference(),
            file: std::sync::Arc::clone(&resource.file),
            position: resource.locate(&pointer),
            pointer: pointer.to_string(),
            remediation: Cow::Borrowed(r.remediation),
            controls: r.controls,
            tags: r.tags,
            suppressed: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pss_check_has_rule_metadata() {
        for c in palisade_pss::checks() {
            assert!(
                rule(c.id).is_some(),
                "PSS check `{}` has no rule metadata",
                c.id
            );
        }
    }
}
