//! Every check against its own fixtures: `fixtures/<ID>/pass/*.yaml` must produce no finding of
//! that check; `fixtures/<ID>/fail/*.yaml` must produce findings on exactly the lines marked with
//! a `# expect: <ID>` comment (one finding per marker).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_checks::{all, inventory_for, run_inventory_checks, run_resource_checks};
use palisade_engine::{Check, CheckFn, Inventory};
use palisade_model::resources_from_document;
use palisade_source::{LoadLimits, SourceFile, load_str};
use std::path::{Path, PathBuf};

fn findings_lines(check: &'static Check, path: &Path) -> (Vec<u32>, Vec<u32>) {
    let text = std::fs::read_to_string(path).unwrap();
    let file = SourceFile::new(path.display().to_string(), text.clone());
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    assert!(diags.is_empty(), "{}: {diags:?}", path.display());
    let mut findings = Vec::new();
    // What a scan running only this check would keep: proves the check declares every kind
    // it reads from the inventory.
    let mut inventory = inventory_for(&[check]);
    for doc in docs {
        let (resources, diags) = resources_from_document(doc);
        assert!(diags.is_empty(), "{}: {diags:?}", path.display());
        for r in resources {
            run_resource_checks(&[check], &r, &mut findings);
            inventory.observe(&r);
        }
    }
    run_inventory_checks(&[check], &inventory, &mut findings);
    let mut got: Vec<u32> = findings.iter().map(|f| f.position.line).collect();
    got.sort_unstable();
    let marker = format!("# expect: {}", check.meta.id);
    let mut want: Vec<u32> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap();
        want.extend(std::iter::repeat_n(n, line.matches(&marker).count()));
    }
    (got, want)
}

/// Every fixture file: its check, `pass` or `fail`, and its path
fn fixture_files() -> Vec<(&'static Check, &'static str, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    for check in all() {
        for kind in ["pass", "fail"] {
            let Ok(dir) = std::fs::read_dir(root.join(check.meta.id).join(kind)) else {
                continue;
            };
            for entry in dir {
                files.push((check, kind, entry.unwrap().path()));
            }
        }
    }
    files
}

#[test]
fn fixtures() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for (check, kind, path) in fixture_files() {
        cases += 1;
        let (got, want) = findings_lines(check, &path);
        if kind == "fail" && want.is_empty() {
            failures.push(format!(
                "{}: fail fixture has no `# expect:` marker",
                path.display()
            ));
        } else if got != want {
            failures.push(format!(
                "{}: findings on lines {got:?}, expected {want:?}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} fixtures wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A cross-resource check reads only the kinds it declares. A scan parses the kept resources
/// one group of kinds at a time, for the checks declaring them; a kind read outside its group
/// is parsed again, on one thread, while the other threads wait (RBAC-011 reading Roles did).
#[test]
fn cross_resource_checks_read_only_the_kinds_they_declare() {
    // Every kind any fixture holds, kept whole
    let mut inventory = Inventory::default();
    for (_, _, path) in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = SourceFile::new(path.display().to_string(), text);
        for doc in load_str(&file, &LoadLimits::default()).0 {
            resources_from_document(doc)
                .0
                .iter()
                .for_each(|r| inventory.observe(r));
        }
    }
    let mut failures = Vec::new();
    for check in all().filter(|c| matches!(c.run, CheckFn::Inventory(_))) {
        let declared = Inventory::kept_kinds(check.meta.kinds);
        inventory.release_parsed(&[]);
        inventory.parse_kinds(&declared);
        run_inventory_checks(&[check], &inventory, &mut Vec::new());
        let read = inventory.parsed_kinds();
        if read.iter().any(|k| !declared.contains(k)) {
            failures.push(format!(
                "{} declares {declared:?} and read {read:?}",
                check.meta.id
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
