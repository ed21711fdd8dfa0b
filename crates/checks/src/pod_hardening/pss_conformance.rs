//! The POD and PSR checks against the upstream Pod Security Admission fixtures in
//! `../shared/conformance/pss` (newest Kubernetes version only): every `pass` pod gives no
//! finding of the checks of its level, and every `fail` pod gives at least one finding, only from
//! the checks that implement the failing PSS control. Each pod is also wrapped in a Deployment
//! and a CronJob, which must give the same findings at the template's pointers.

use crate::registry;
use crate::runner::run_resource_checks;
use palisade_engine::{Check, Finding};
use palisade_model::{Resource, resources_from_document};
use palisade_source::{LoadLimits, SourceFile, load_str};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Checks that implement a Baseline control exactly
const BASELINE: &[&str] = &[
    "POD-001", "POD-002", "POD-003", "POD-004", "POD-005", "POD-006", "POD-010", "POD-011",
    "POD-013", "POD-014", "POD-015", "POD-016", "POD-017",
];

/// Checks that implement a Restricted control (on top of [`BASELINE`])
const RESTRICTED: &[&str] = &[
    "PSR-001", "PSR-002", "PSR-003", "PSR-004", "PSR-005", "PSR-006", "PSR-007",
];

/// The checks a fixture of an upstream control may trigger; `None` for controls no check covers.
/// Some fixtures break a second control too (HostProcess pods need `hostNetwork`, a privileged
/// container keeps `NET_RAW`, a container without `securityContext` also keeps its capabilities),
/// so those checks are allowed as well.
fn expected(prefix: &str) -> Option<&'static [&'static str]> {
    const CAPABILITIES: &[&str] = &["POD-011", "PSR-005", "PSR-006"];
    const SECCOMP: &[&str] = &["POD-016", "PSR-004"];
    const VOLUMES: &[&str] = &["POD-006", "PSR-007"];
    Some(match prefix {
        "privileged" => &["POD-001", "PSR-001", "PSR-006"],
        "hostnamespaces" => &["POD-002", "POD-003", "POD-004"],
        "windowshostprocess" => &["POD-005", "POD-004"],
        "hostpathvolumes" | "restrictedvolumes" => VOLUMES,
        "hostports" => &["POD-010"],
        "capabilities_baseline" | "capabilities_restricted" => CAPABILITIES,
        "apparmorprofile" => &["POD-013"],
        "selinuxoptions" => &["POD-014"],
        "procmount" => &["POD-015"],
        "seccompprofile_baseline" | "seccompprofile_restricted" => SECCOMP,
        "sysctls" => &["POD-017"],
        "allowprivilegeescalation" => &["PSR-001", "PSR-005", "PSR-006"],
        "runasnonroot" => &["PSR-002"],
        "runasuser" => &["PSR-003"],
        // Not in the catalog: probe/lifecycle `host` fields (Baseline, Kubernetes 1.34) and the
        // Restricted procMount control that ignores `hostUsers` (1.35).
        "hostprobesandhostlifecycle" | "procmount_restricted" => return None,
        _ => return None,
    })
}

fn newest_version(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let minor: u32 = name.strip_prefix("v1.")?.parse().ok()?;
            Some((minor, e.path()))
        })
        .max_by_key(|(minor, _)| *minor)
        .map(|(_, p)| p)
}

fn load(path: &Path) -> Resource {
    let text = std::fs::read_to_string(path).unwrap();
    let file = SourceFile::new(path.display().to_string(), text);
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    assert!(diags.is_empty(), "{}: {diags:?}", path.display());
    let (mut resources, diags) = resources_from_document(docs.into_iter().next().unwrap());
    assert!(
        diags.is_empty() && resources.len() == 1,
        "{}",
        path.display()
    );
    resources.remove(0)
}

/// The same pod as a Deployment and as a CronJob, with the pointer prefix of their template
fn wrapped(pod: &Value) -> Vec<(Resource, &'static str)> {
    let template = json!({"metadata": pod.get("metadata"), "spec": pod.get("spec")});
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "wrapped"},
        "spec": {"template": template.clone()},
    });
    let cronjob = json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "wrapped"},
        "spec": {"jobTemplate": {"spec": {"template": template}}},
    });
    vec![
        (
            Resource::from_value(deployment, "deployment").unwrap(),
            "/spec/template",
        ),
        (
            Resource::from_value(cronjob, "cronjob").unwrap(),
            "/spec/jobTemplate/spec/template",
        ),
    ]
}

fn findings(checks: &[&'static Check], res: &Resource) -> Vec<Finding> {
    let mut out = Vec::new();
    run_resource_checks(checks, res, &mut out);
    out
}

fn summary(findings: &[Finding], strip: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            let pointer = f.pointer.strip_prefix(strip).unwrap_or("?").to_owned();
            (f.rule_id.to_string(), pointer)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn pod_checks_agree_with_pod_security_admission() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pss");
    if !root.is_dir() {
        eprintln!("skipped: {} not found", root.display());
        return;
    }
    let checks: Vec<&'static Check> = registry::all()
        .filter(|c| c.meta.id.starts_with("POD-") || c.meta.id.starts_with("PSR-"))
        .collect();
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut uncovered = BTreeSet::new();
    for level in ["baseline", "restricted"] {
        let level_checks: BTreeSet<&str> = if level == "baseline" {
            BASELINE.iter().copied().collect()
        } else {
            BASELINE.iter().chain(RESTRICTED).copied().collect()
        };
        let version = newest_version(&root.join(level)).unwrap();
        for outcome in ["pass", "fail"] {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(version.join(outcome))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                let pod = load(&path);
                let all = findings(&checks, &pod);
                let fired: BTreeSet<&str> = all
                    .iter()
                    .map(|f| f.rule_id.as_ref())
                    .filter(|id| level_checks.contains(id))
                    .collect();
                let version_name = version.file_name().unwrap().to_string_lossy();
                let name = format!("{level}/{version_name}/{outcome}/{stem}");
                cases += 1;
                if outcome == "pass" {
                    if !fired.is_empty() {
                        failures.push(format!("{name}: unexpected {fired:?}"));
                    }
                } else if let Some(allowed) = expected(prefix) {
                    if fired.is_empty() {
                        failures.push(format!("{name}: no finding (expected one of {allowed:?})"));
                    } else if !fired.iter().all(|id| allowed.contains(id)) {
                        failures.push(format!("{name}: {fired:?}, expected only {allowed:?}"));
                    }
                } else {
                    uncovered.insert(prefix.to_owned());
                }
                let want = summary(&all, "");
                for (res, strip) in wrapped(&pod.value) {
                    let got = summary(&findings(&checks, &res), strip);
                    if got != want {
                        failures.push(format!("{name} as {}: {got:?} != {want:?}", res.kind));
                    }
                }
            }
        }
    }
    assert!(cases > 100, "only {cases} fixtures found");
    assert_eq!(
        uncovered.into_iter().collect::<Vec<_>>(),
        ["hostprobesandhostlifecycle", "procmount_restricted"]
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} PSS fixtures disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
