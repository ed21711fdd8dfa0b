//! The check table and, per (level, policy version), the list of check revisions to run.

use crate::checks::{self, CheckDef, CheckFn};
use crate::version::NEWEST_MINOR;
use crate::{Level, Version};
use std::sync::OnceLock;

/// Metadata of one check, for listings and docs
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// Upstream check ID, e.g. `privileged` or `capabilities_restricted`
    pub id: &'static str,
    /// Level the check belongs to (baseline checks also apply under restricted)
    pub level: Level,
    /// Title of the control in the Pod Security Standards
    pub title: &'static str,
    /// First policy minor version (`v1.N`) the check applies to
    pub min_version: u32,
    /// Policy minor versions at which a revision of the check starts, oldest first
    pub versions: &'static [u32],
    /// Baseline checks this restricted check replaces under the restricted level
    pub overrides: &'static [&'static str],
}

/// Every check: baseline IDs sorted, then restricted IDs sorted (byte order, as upstream sorts
/// them), which is also the order violations are reported in.
const DEFS: [CheckDef; 19] = [
    checks::app_armor_profile::CHECK,
    checks::capabilities_baseline::CHECK,
    checks::host_namespaces::CHECK,
    checks::host_path_volumes::CHECK,
    checks::host_ports::CHECK,
    checks::host_probes_and_host_lifecycle::CHECK,
    checks::privileged::CHECK,
    checks::proc_mount::CHECK,
    checks::se_linux_options::CHECK,
    checks::seccomp_profile_baseline::CHECK,
    checks::sysctls::CHECK,
    checks::windows_host_process::CHECK,
    checks::allow_privilege_escalation::CHECK,
    checks::capabilities_restricted::CHECK,
    checks::proc_mount_restricted::CHECK,
    checks::restricted_volumes::CHECK,
    checks::run_as_non_root::CHECK,
    checks::run_as_user::CHECK,
    checks::seccomp_profile_restricted::CHECK,
];

static INFOS: [CheckInfo; DEFS.len()] = infos();

const fn infos() -> [CheckInfo; DEFS.len()] {
    let mut out = [DEFS[0].info; DEFS.len()];
    let mut i = 0;
    while i < DEFS.len() {
        out[i] = DEFS[i].info;
        i += 1;
    }
    out
}

/// Metadata of every check, in evaluation order
pub fn checks() -> &'static [CheckInfo] {
    &INFOS
}

/// One check revision selected for a (level, version)
#[derive(Clone, Copy)]
pub(crate) struct Planned {
    pub id: &'static str,
    pub level: Level,
    pub run: CheckFn,
}

/// Index: `[level][minor]`, level 0 = baseline, 1 = restricted
type Plans = [Vec<Vec<Planned>>; 2];

static PLANS: OnceLock<Plans> = OnceLock::new();

/// The revision of `def` in force at policy minor `minor`, if the check exists yet
fn revision_at(def: &CheckDef, minor: u32) -> Option<CheckFn> {
    def.info
        .versions
        .iter()
        .zip(def.revisions)
        .rev()
        .find(|(since, _)| **since <= minor)
        .map(|(_, run)| *run)
}

fn build() -> Plans {
    let mut baseline = Vec::with_capacity(NEWEST_MINOR as usize + 1);
    let mut restricted = Vec::with_capacity(NEWEST_MINOR as usize + 1);
    for minor in 0..=NEWEST_MINOR {
        // A restricted check replaces the baseline checks it overrides only from its own
        // first version on (e.g. `capabilities_baseline` still runs under restricted v1.21).
        let overridden = |id: &str| {
            DEFS.iter().any(|d| {
                d.info.level == Level::Restricted
                    && revision_at(d, minor).is_some()
                    && d.info.overrides.contains(&id)
            })
        };
        let mut base = Vec::new();
        let mut strict = Vec::new();
        for def in &DEFS {
            let Some(run) = revision_at(def, minor) else {
                continue;
            };
            let planned = Planned {
                id: def.info.id,
                level: def.info.level,
                run,
            };
            if def.info.level == Level::Baseline {
                base.push(planned);
                if !overridden(def.info.id) {
                    strict.push(planned);
                }
            } else {
                strict.push(planned);
            }
        }
        baseline.push(base);
        restricted.push(strict);
    }
    [baseline, restricted]
}

/// The checks to run for a level and version, in reporting order (none for privileged)
pub(crate) fn plan(level: Level, version: Version) -> &'static [Planned] {
    let index = match level {
        Level::Privileged => return &[],
        Level::Baseline => 0,
        Level::Restricted => 1,
    };
    let plans = PLANS.get_or_init(build);
    plans[index]
        .get(version.clamped_minor() as usize)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(level: Level, version: Version) -> Vec<&'static str> {
        plan(level, version).iter().map(|p| p.id).collect()
    }

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for def in &DEFS {
            let info = def.info;
            assert!(seen.insert(info.id), "duplicate {}", info.id);
            assert_eq!(info.versions.len(), def.revisions.len(), "{}", info.id);
            assert_eq!(
                info.versions.first(),
                Some(&info.min_version),
                "{}",
                info.id
            );
            assert!(info.versions.windows(2).all(|w| w[0] < w[1]), "{}", info.id);
            assert!(info.versions.iter().all(|v| *v <= NEWEST_MINOR));
            assert_ne!(info.level, Level::Privileged);
            for o in info.overrides {
                assert_eq!(info.level, Level::Restricted);
                assert!(
                    DEFS.iter()
                        .any(|d| d.info.id == *o && d.info.level == Level::Baseline)
                );
            }
        }
        // The clamp target is the newest revision any check has.
        let newest = DEFS.iter().filter_map(|d| d.info.versions.last()).max();
        assert_eq!(newest, Some(&NEWEST_MINOR));
        // Reporting order: baseline sorted, then restricted sorted (byte order).
        for level in [Level::Baseline, Level::Restricted] {
            let ids: Vec<_> = DEFS
                .iter()
                .filter(|d| d.info.level == level)
                .map(|d| d.info.id)
                .collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        }
        assert_eq!(checks().len(), DEFS.len());
    }

    #[test]
    fn plans_follow_versions_and_overrides() {
        assert!(ids(Level::Privileged, Version::Latest).is_empty());
        assert_eq!(
            ids(Level::Baseline, Version::V1(0)),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPathVolumes",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess"
            ]
        );
        assert_eq!(
            ids(Level::Restricted, Version::V1(0)),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
                "restrictedVolumes",
                "runAsNonRoot"
            ]
        );
        assert_eq!(
            ids(Level::Restricted, Version::Latest),
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted"
            ]
        );
        let at_21 = ids(Level::Restricted, Version::V1(21));
        assert!(
            at_21.contains(&"capabilities_baseline") && !at_21.contains(&"capabilities_restricted")
        );
        let at_34 = ids(Level::Restricted, Version::V1(34));
        assert!(at_34.contains(&"procMount") && !at_34.contains(&"procMount_restricted"));
        assert_eq!(
            ids(Level::Baseline, Version::V1(500)).len(),
            ids(Level::Baseline, Version::Latest).len()
        );
    }
}
