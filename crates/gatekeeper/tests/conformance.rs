//! Gatekeeper library conformance: every `suite.yaml` under `shared/conformance/gatekeeper`,
//! run like `gator verify --enable-k8s-native-validation=false` (Rego engine).
//!
//! `known-failures.txt` lists the cases allowed to fail, one `suite-path::test::case  # reason`
//! per line. The test fails when a case fails that is not listed, and when a listed case no
//! longer fails: the list only shrinks. Skipped cases (templates whose only code is CEL, while
//! no CEL engine is available) are printed with their reason and counted, never listed.

use palisade_gatekeeper::{EngineChoice, EngineOptions, Status, SuiteOptions, run_suite};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/gatekeeper")
}

fn known_failures() -> BTreeMap<String, String> {
    let text = include_str!("known-failures.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('#') {
            Some((id, reason)) => (id.trim().to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

fn suites(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() == "suite.yaml")
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
}

#[test]
fn gatekeeper_library_conformance() {
    let root = corpus();
    if !root.is_dir() {
        println!(
            "gatekeeper conformance: skipped, corpus not found at {}",
            root.display()
        );
        return;
    }
    let options = SuiteOptions {
        engine: EngineOptions {
            choice: EngineChoice::Rego,
            cel: None,
        },
        run: None,
    };
    let known = known_failures();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut unexpected = Vec::new();
    let mut failing_ids = Vec::new();
    let files = suites(&root);
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let report = run_suite(path, &options);
        if let Some(e) = &report.error {
            failed += 1;
            let id = format!("{rel}::<suite>");
            if !known.contains_key(&id) {
                unexpected.push(format!("{id}: {e}"));
            }
            failing_ids.push(id);
            continue;
        }
        for case in &report.cases {
            let id = format!(
                "{rel}::{}::{}",
                case.test,
                case.case.as_deref().unwrap_or("<test>")
            );
            match case.status {
                Status::Pass => passed += 1,
                Status::Skip => {
                    skipped += 1;
                    println!("SKIP  {id}  {}", case.reason);
                }
                Status::Fail => {
                    failed += 1;
                    if known.contains_key(&id) {
                        println!("FAIL (known)  {id}  {}", case.reason);
                    } else {
                        unexpected.push(format!("{id}: {}", case.reason));
                    }
                    failing_ids.push(id);
                }
            }
        }
    }
    let fixed: Vec<&String> = known
        .keys()
        .filter(|id| !failing_ids.contains(id))
        .collect();
    println!("gatekeeper conformance: {} suites", files.len());
    println!("gatekeeper conformance: {passed} passed, {failed} failed, {skipped} skipped");
    assert!(
        unexpected.is_empty(),
        "failures not in known-failures.txt:\n{}",
        unexpected.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "listed in known-failures.txt but no longer failing (remove them):\n{}",
        fixed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
