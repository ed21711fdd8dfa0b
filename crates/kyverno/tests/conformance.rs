//! Kyverno policy-library conformance: every `kyverno-test.yaml` under
//! `shared/conformance/kyverno`, compared row by row (one row per `results` entry) against the
//! checked-in list of known failures, which may only shrink.
//!
//! - `KYVERNO_CONFORMANCE_VERBOSE=1` prints every failing row with its reasons.
//! - `KYVERNO_CONFORMANCE_FILTER=substr` runs only tests whose directory contains `substr`.
//! - `KYVERNO_CONFORMANCE_STRICT=1` runs in `--strict` mode and only reports (no assertions):
//!   how many rows pass without Kyverno's leniencies.

use palisade_kyverno::testsuite::{Options, Outcome, discover, run_file};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn known_failures() -> BTreeMap<String, String> {
    let text = include_str!("known-failures.txt");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, reason) = match line.split_once('#') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (line, ""),
        };
        out.insert(id.to_owned(), reason.to_owned());
    }
    out
}

fn test_dir_id(root: &Path, file: &Path) -> String {
    let dir = file.parent().unwrap_or(file);
    let dir = if dir.file_name().is_some_and(|n| n == ".kyverno-test") {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    dir.strip_prefix(root)
        .unwrap_or(dir)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn kyverno_conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kyverno");
    if !root.exists() {
        println!(
            "kyverno conformance: skipped ({} not found)",
            root.display()
        );
        return;
    }
    let root = root.canonicalize().unwrap_or(root);
    let filter = std::env::var("KYVERNO_CONFORMANCE_FILTER").unwrap_or_default();
    let verbose = std::env::var("KYVERNO_CONFORMANCE_VERBOSE").is_ok_and(|v| v == "1");
    let strict = std::env::var("KYVERNO_CONFORMANCE_STRICT").is_ok_and(|v| v == "1");
    let files: Vec<PathBuf> = discover(std::slice::from_ref(&root), "kyverno-test.yaml")
        .into_iter()
        .filter(|f| filter.is_empty() || test_dir_id(&root, f).contains(&filter))
        .collect();
    let started = std::time::Instant::now();
    // two workers: the machine has two cores
    let chunks: Vec<Vec<PathBuf>> = vec![
        files.iter().step_by(2).cloned().collect(),
        files.iter().skip(1).step_by(2).cloned().collect(),
    ];
    let results: Vec<(PathBuf, Vec<palisade_kyverno::testsuite::SuiteResult>)> =
        std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|f| (f.clone(), run_file(f, &Options { strict })))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
    let elapsed = started.elapsed();
    let known = known_failures();
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let mut unexpected_failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    let mut seen_ids = std::collections::BTreeSet::new();
    let mut sorted = results;
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (file, suites) in &sorted {
        let dir = test_dir_id(&root, file);
        let multi = suites.len() > 1;
        for (d, suite) in suites.iter().enumerate() {
            if let Some(e) = &suite.error
                && verbose
            {
                println!("{dir}: test error: {e}");
            }
            for row in &suite.rows {
                let id = if multi {
                    format!("{dir}::{d}.{}", row.index)
                } else {
                    format!("{dir}::{}", row.index)
                };
                seen_ids.insert(id.clone());
                if row.outcome() == Outcome::Skip {
                    // the test's inputs are incomplete (e.g. resource files missing from the
                    // corpus): Kyverno itself cannot run it either
                    skipped += 1;
                    continue;
                }
                let ok = row.passed();
                if ok {
                    passed += 1;
                } else {
                    failed += 1;
                }
                let listed = known.contains_key(&id);
                if !ok && !listed {
                    unexpected_failures.push(id.clone());
                }
                if ok && listed {
                    unexpected_passes.push(id.clone());
                }
                if !ok && (verbose || !listed) {
                    println!(
                        "FAIL {id} policy={} rule={} want={}",
                        row.policy, row.rule, row.expected
                    );
                    for c in row.checks.iter().filter(|c| c.outcome == Outcome::Fail) {
                        println!(
                            "    {} [{}]: {} — {}",
                            c.resource, c.rule, c.reason, c.message
                        );
                    }
                    if verbose {
                        for diag in suite.diagnostics.iter().take(3) {
                            println!("    diag: {}", diag.message);
                        }
                    }
                }
            }
        }
    }
    let evaluated = passed + failed;
    println!(
        "kyverno conformance: {passed} passed, {failed} failed, {skipped} skipped ({} test files, {:.2}s; {:.1}% of evaluated rows pass)",
        files.len(),
        elapsed.as_secs_f64(),
        if evaluated == 0 {
            100.0
        } else {
            100.0 * passed as f64 / evaluated as f64
        }
    );
    if strict {
        return;
    }
    if filter.is_empty() {
        let stale: Vec<&String> = known.keys().filter(|k| !seen_ids.contains(*k)).collect();
        assert!(
            stale.is_empty(),
            "known-failures.txt lists rows that do not exist: {stale:?}"
        );
    }
    assert!(
        unexpected_failures.is_empty(),
        "{} rows failed that are not in known-failures.txt:\n{}",
        unexpected_failures.len(),
        unexpected_failures.join("\n")
    );
    assert!(
        unexpected_passes.is_empty(),
        "{} rows listed in known-failures.txt now pass; remove them:\n{}",
        unexpected_passes.len(),
        unexpected_passes.join("\n")
    );
}
