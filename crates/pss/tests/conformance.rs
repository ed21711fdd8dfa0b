//! Upstream Pod Security Admission fixtures (`test/testdata`, in `../shared/conformance/pss`):
//! every `pass` pod is allowed and every `fail` pod denied at its level and version, with the
//! message containing the check's expected substring (upstream `expectErrorSubstring`).
//!
//! `known-failures.txt` lists fixtures allowed to fail (relative path, `# reason`); a listed
//! fixture that passes fails the test too, so the list only shrinks.

use palisade_model::resources_from_document;
use palisade_pss::{Level, Version, deny_message, evaluate};
use palisade_source::{LoadLimits, SourceFile, load_str};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Expected message substring by fixture file prefix (lowercased check ID)
fn expected_substring(prefix: &str) -> Option<&'static str> {
    Some(match prefix {
        "apparmorprofile" => "forbidden AppArmor profile",
        "capabilities_baseline" => "capabilities",
        "capabilities_restricted" => "unrestricted capabilities",
        "hostnamespaces" => "host namespaces",
        "hostpathvolumes" => "hostPath",
        "hostports" => "hostPort",
        "hostprobesandhostlifecycle" => "probe or lifecycle host",
        "procmount" | "procmount_restricted" => "procMount",
        "restrictedvolumes" => "restricted volume types",
        "selinuxoptions" => "seLinuxOptions",
        "seccompprofile_baseline" | "seccompprofile_restricted" => "seccompProfile",
        "sysctls" => "forbidden sysctl",
        "windowshostprocess" => "hostProcess",
        "allowprivilegeescalation" => "allowPrivilegeEscalation",
        "privileged" => "privileged",
        "runasnonroot" => "runAsNonRoot",
        "runasuser" => "runAsUser",
        _ => return None,
    })
}

/// Every `*.yaml` under `dir`, sorted
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Why one fixture does not conform, or `None`
fn check_fixture(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
    let [level, version, outcome, file] = parts.as_slice() else {
        return Some(format!("unexpected fixture layout {}", rel.display()));
    };
    let level: Level = match level.parse() {
        Ok(l) => l,
        Err(e) => return Some(e.to_string()),
    };
    let version: Version = match version.parse() {
        Ok(v) => v,
        Err(e) => return Some(e.to_string()),
    };
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Some(format!("unreadable: {e}")),
    };
    let source = SourceFile::new(rel.display().to_string(), text);
    let (docs, diags) = load_str(&source, &LoadLimits::default());
    if !diags.is_empty() {
        return Some(format!("load diagnostics: {diags:?}"));
    }
    let mut resources = Vec::new();
    for doc in docs {
        resources.extend(resources_from_document(doc).0);
    }
    let [resource] = resources.as_slice() else {
        return Some(format!("expected one resource, got {}", resources.len()));
    };
    let Some(template) = resource.pod_template() else {
        return Some("no pod template".to_owned());
    };
    let violations = evaluate(&template, level, version);
    let message = deny_message(level, version, &violations);
    match *outcome {
        "pass" if violations.is_empty() => None,
        "pass" => Some(format!("expected allowed, got: {message}")),
        "fail" if violations.is_empty() => Some("expected denied, got allowed".to_owned()),
        "fail" => {
            let stem = file.trim_end_matches(".yaml");
            let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
            match expected_substring(prefix) {
                Some(want) if message.contains(want) => None,
                Some(want) => Some(format!("message lacks {want:?}: {message}")),
                None => Some(format!("no expected substring for prefix {prefix:?}")),
            }
        }
        other => Some(format!("unexpected outcome directory {other:?}")),
    }
}

/// `known-failures.txt`: one relative path per line, optional `# reason`
fn known_failures() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/known-failures.txt");
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn upstream_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pss");
    if !root.is_dir() {
        println!("skipping: ../shared/conformance/pss not found");
        return;
    }
    let mut files = Vec::new();
    for level in ["baseline", "restricted"] {
        yaml_files(&root.join(level), &mut files);
    }
    files.sort();
    assert!(!files.is_empty(), "no fixtures under {}", root.display());

    let known = known_failures();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        match check_fixture(&root, path) {
            None => {
                passed += 1;
                if known.contains(&rel) {
                    now_passing.push(rel);
                }
            }
            Some(why) => {
                failed += 1;
                if !known.contains(&rel) {
                    unexpected.push(format!("{rel}: {why}"));
                }
            }
        }
    }
    println!("pss conformance: {passed} passed, {failed} failed");
    let stale: Vec<_> = known
        .iter()
        .filter(|k| !files.iter().any(|f| f.ends_with(k.as_str())))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} fixtures fail and are not in known-failures.txt:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        now_passing.is_empty(),
        "now passing, remove from known-failures.txt:\n{}",
        now_passing.join("\n")
    );
    assert!(
        stale.is_empty(),
        "known-failures.txt names missing fixtures: {stale:?}"
    );
}
