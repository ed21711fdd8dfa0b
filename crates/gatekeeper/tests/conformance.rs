//! Gatekeeper library conformance: every `suite.yaml` under `shared/conformance/gatekeeper`, run
//! twice, as the library's CI runs gator verify:
//!
//! - under the Rego engine (`--enable-k8s-native-validation=false`): every suite;
//! - under the CEL engine (`K8sNativeValidation`, the built-in [`CelEngine`]): the suites whose
//!   template has CEL code (dual-engine templates, and CEL-only ones if any). Cases of templates
//!   without CEL code are skipped by the engine choice and left out of the counts.
//!
//! Each pass has its own known-failures list (`known-failures.txt`, `known-failures-cel.txt`):
//! one `suite-path::test::case  # reason` per line. A pass fails when a case fails that is not
//! listed, and when a listed case no longer fails: the lists only shrink. Skipped cases are
//! printed with their reason and counted, never listed.

use palisade_gatekeeper::{
    CelEngine, EngineChoice, EngineOptions, NO_CEL_CODE, Status, SuiteOptions, run_suite,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/gatekeeper")
}

fn known_failures(text: &str) -> BTreeMap<String, String> {
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

/// Counts of one pass
#[derive(Debug, Default)]
struct Tally {
    suites: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Run every suite with `engine` (`label` names the pass in the output); cases skipped with a
/// reason in `out_of_scope` are not counted (nor are suites with only such cases). Panics on
/// unlisted failures and on listed cases that pass.
fn run_pass(
    label: &str,
    engine: EngineOptions,
    known: &BTreeMap<String, String>,
    list: &str,
    out_of_scope: &[&str],
) -> Option<Tally> {
    let prefix = if label.is_empty() {
        "gatekeeper conformance".to_owned()
    } else {
        format!("gatekeeper conformance ({label})")
    };
    let root = corpus();
    if !root.is_dir() {
        println!("{prefix}: skipped, corpus not found at {}", root.display());
        return None;
    }
    let options = SuiteOptions { engine, run: None };
    let mut tally = Tally::default();
    let mut unexpected = Vec::new();
    let mut failing_ids = Vec::new();
    for path in &suites(&root) {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let report = run_suite(path, &options);
        if let Some(e) = &report.error {
            tally.suites += 1;
            tally.failed += 1;
            let id = format!("{rel}::<suite>");
            if !known.contains_key(&id) {
                unexpected.push(format!("{id}: {e}"));
            }
            failing_ids.push(id);
            continue;
        }
        let in_scope: Vec<_> = report
            .cases
            .iter()
            .filter(|c| !(c.status == Status::Skip && out_of_scope.contains(&c.reason.as_str())))
            .collect();
        if in_scope.is_empty() {
            continue;
        }
        tally.suites += 1;
        for case in in_scope {
            let id = format!(
                "{rel}::{}::{}",
                case.test,
                case.case.as_deref().unwrap_or("<test>")
            );
            match case.status {
                Status::Pass => tally.passed += 1,
                Status::Skip => {
                    tally.skipped += 1;
                    println!("SKIP  {id}  {}", case.reason);
                }
                Status::Fail => {
                    tally.failed += 1;
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
    println!("{prefix}: {} suites", tally.suites);
    println!(
        "{prefix}: {} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.skipped
    );
    assert!(
        unexpected.is_empty(),
        "failures not in {list}:\n{}",
        unexpected.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "listed in {list} but no longer failing (remove them):\n{}",
        fixed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    Some(tally)
}

#[test]
fn gatekeeper_library_conformance() {
    let engine = EngineOptions {
        choice: EngineChoice::Rego,
        cel: None,
    };
    let known = known_failures(include_str!("known-failures.txt"));
    // printed as before the CEL pass existed: `gatekeeper conformance: N passed, …`
    run_pass("", engine, &known, "known-failures.txt", &[]);
}

#[test]
fn gatekeeper_library_conformance_cel() {
    let engine = EngineOptions {
        choice: EngineChoice::Cel,
        cel: Some(Arc::new(
            CelEngine::new().expect("the CEL environment builds"),
        )),
    };
    let known = known_failures(include_str!("known-failures-cel.txt"));
    let Some(tally) = run_pass(
        "cel",
        engine,
        &known,
        "known-failures-cel.txt",
        &[NO_CEL_CODE],
    ) else {
        return;
    };
    // the corpus has dual-engine templates: the pass must have run some
    assert!(tally.suites > 0 && tally.passed > 0, "{tally:?}");
}
