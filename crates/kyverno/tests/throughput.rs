//! Rule-evaluation throughput (run in release: `cargo test --release -p palisade-kyverno
//! --test throughput -- --ignored --nocapture`). Evaluates the validate policies of the
//! conformance corpus against their test resources repeatedly and prints rule evaluations per
//! second.

use palisade_kyverno::engine::{self, Admission};
use palisade_kyverno::testsuite::{discover, normalize_resource};
use palisade_kyverno::{Policy, yaml};
use serde_json::Value;
use std::path::Path;

#[test]
#[ignore = "benchmark; run explicitly in release mode"]
fn rule_evaluations_per_second() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kyverno");
    if !root.exists() {
        println!("throughput: skipped ({} not found)", root.display());
        return;
    }
    let mut work: Vec<(Vec<Policy>, Vec<Value>)> = Vec::new();
    for test in discover(&[root], "kyverno-test.yaml") {
        let (docs, _) = yaml::load_file(&test);
        let Some(doc) = docs.first() else { continue };
        let base = test.parent().unwrap_or(Path::new("."));
        let list = |k: &str| -> Vec<String> {
            doc.value
                .get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut policies = Vec::new();
        for p in list("policies") {
            let (pdocs, _) = yaml::load_file(&base.join(p));
            policies.extend(pdocs.iter().filter_map(Policy::from_document));
        }
        let mut resources = Vec::new();
        for r in list("resources") {
            let (rdocs, _) = yaml::load_file(&base.join(r));
            resources.extend(rdocs.into_iter().map(|d| normalize_resource(d.value)));
        }
        work.push((policies, resources));
    }
    let adm = Admission::default();
    let started = std::time::Instant::now();
    let mut rules = 0usize;
    let mut rounds = 0;
    while started.elapsed().as_secs_f64() < 3.0 {
        for (policies, resources) in &work {
            let refs: Vec<&Policy> = policies.iter().collect();
            for r in resources {
                for resp in engine::apply_policies(&refs, r, &adm) {
                    rules += resp.rules.len();
                }
            }
        }
        rounds += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "throughput: {rules} rule evaluations in {secs:.2}s over {rounds} rounds ({:.0} rule evaluations/s, 1 thread)",
        rules as f64 / secs
    );
}
