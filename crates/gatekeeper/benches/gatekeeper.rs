//! Gatekeeper evaluation throughput (not a timed test): the 33 library templates of
//! `../shared/conformance/gatekeeper` (each suite's `template.yaml` with its first sample
//! constraint) against the resources of `../shared/corpora/real-world`, every resource
//! reviewed by every constraint that matches it, as `palisade apply` does.
//!
//! * `corpus/rego`: all templates on the Rego engine (regorus), the corpus as it is;
//! * `expanded/rego`: the same plus one Pod per workload, made from its pod template (what
//!   Gatekeeper's workload expansion reviews). The corpus has no bare Pods, so without them
//!   the Pod-only templates — the pod-security ones, which are the dual-engine ones — never run;
//! * `dual/rego`, `dual/cel`: the dual-engine templates (Rego and `K8sNativeValidation`) on the
//!   expanded corpus, once per engine.
//!
//! Templates are compiled and evaluators created before timing; what is timed is matching
//! plus evaluation. Criterion reports elements/s, one element per resource × constraint
//! evaluation; a plain line with evaluations/s is printed too. Without `../shared`, prints a
//! message and does nothing.
//!
//! Run: `cargo bench -p palisade-gatekeeper --bench gatekeeper`
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "benchmark setup: a failure is a broken benchmark"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palisade_gatekeeper::{
    ConstraintTemplate, EngineChoice, EngineOptions, Inventory, Outcome, PolicySet, Review,
    enforcement_points, read_documents,
};
use palisade_model::{Resource, resources_from_document};
use palisade_source::{LoadLimits, load_bytes};
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use walkdir::WalkDir;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// (template, first sample constraint) of every suite, in path order
fn library(root: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut suites: Vec<PathBuf> = WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "suite.yaml")
        .map(|e| e.into_path())
        .collect();
    suites.sort();
    suites
        .into_iter()
        .filter_map(|suite| {
            let dir = suite.parent()?.to_path_buf();
            let mut constraints: Vec<PathBuf> = WalkDir::new(dir.join("samples"))
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with("constraint") && n.ends_with(".yaml"))
                })
                .map(|e| e.into_path())
                .collect();
            constraints.sort();
            Some((dir.join("template.yaml"), constraints.into_iter().next()?))
        })
        .collect()
}

fn policy_set(pairs: &[(PathBuf, PathBuf)], choice: EngineChoice, dual_only: bool) -> PolicySet {
    let options = EngineOptions::with_cel_engine(choice).expect("CEL engine");
    let mut set = PolicySet::new();
    for (template, constraint) in pairs {
        let mut dual = true;
        for doc in read_documents(template).expect("template") {
            let t = ConstraintTemplate::parse(&doc).expect("template parses");
            dual &= t.rego.is_some() && t.cel.is_some();
            if dual || !dual_only {
                set.add_template(t, &options).expect("template compiles");
            }
        }
        if dual || !dual_only {
            for doc in read_documents(constraint).expect("constraint") {
                set.add_constraint(&doc).expect("constraint loads");
            }
        }
    }
    set
}

fn corpus(root: &Path) -> Vec<Resource> {
    let mut files: Vec<PathBuf> = WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        })
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).expect("read corpus file");
        let (_, docs, _) = load_bytes(&f.display().to_string(), bytes, &LoadLimits::default());
        for doc in docs.into_iter().filter(|d| !d.value.is_null()) {
            out.extend(resources_from_document(doc).0);
        }
    }
    out
}

/// The Pod a workload's pod template describes (named after the workload, in its namespace)
fn expanded_pod(r: &Resource) -> Option<Value> {
    if r.kind == "Pod" {
        return None;
    }
    let template = r.pod_template()?;
    let mut metadata = template
        .pointer()
        .resolve(&r.value)
        .and_then(|pod| pod.get("metadata"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    metadata["name"] = json!(r.name);
    if let Some(ns) = &r.namespace {
        metadata["namespace"] = json!(ns);
    }
    Some(json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template.spec}))
}

/// Review every resource; the number of evaluations (matched and evaluated constraints)
fn review_all(session: &mut palisade_gatekeeper::Session<'_>, reviews: &[Review<'_>]) -> u64 {
    let mut evaluated = 0;
    for review in reviews {
        for d in session.review(review, enforcement_points::GATOR) {
            if matches!(d.outcome, Outcome::Evaluated(_)) {
                evaluated += 1;
            }
            black_box(&d);
        }
    }
    evaluated
}

/// Time `review_all` for a few seconds by hand (a plain number for the README), then with
/// criterion
fn bench_set(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    set: &PolicySet,
    inventory: &Inventory,
    reviews: &[Review<'_>],
) {
    let mut session = set.session(inventory);
    // first pass: evaluators are created here, outside the timing
    let evaluations = review_all(&mut session, reviews);
    let start = Instant::now();
    let mut rounds = 0u32;
    while start.elapsed() < Duration::from_secs(3) {
        review_all(&mut session, reviews);
        rounds += 1;
    }
    let per_round = start.elapsed().as_secs_f64() / f64::from(rounds);
    println!(
        "gatekeeper {name}: {} constraints, {} resources, {evaluations} evaluations per pass, {:.2} ms per pass = {:.0} evaluations/s",
        set.constraints().len(),
        reviews.len(),
        per_round * 1e3,
        evaluations as f64 / per_round
    );
    g.throughput(Throughput::Elements(evaluations));
    g.bench_function(name, |b| {
        b.iter(|| black_box(review_all(&mut session, reviews)));
    });
}

fn library_bench(c: &mut Criterion) {
    let root = shared();
    let (suites, real_world) = (
        root.join("conformance/gatekeeper"),
        root.join("corpora/real-world"),
    );
    if !suites.is_dir() || !real_world.is_dir() {
        println!("skipping: ../shared (Gatekeeper library suites, real-world corpus) not found");
        return;
    }
    let pairs = library(&suites);
    let resources = corpus(&real_world);
    let mut inventory = Inventory::new();
    for r in &resources {
        // objects the inventory cannot take are reviewed all the same
        let _ = inventory.add(&r.value);
    }
    let reviews: Vec<Review<'_>> = resources
        .iter()
        .map(|r| Review::from_object(&r.value))
        .collect();
    let pods: Vec<Value> = resources.iter().filter_map(expanded_pod).collect();
    let mut expanded = reviews.clone();
    expanded.extend(pods.iter().map(Review::from_object));
    println!(
        "{} templates; corpus: {} resources, {} with the Pods of their pod templates",
        pairs.len(),
        reviews.len(),
        expanded.len()
    );

    let mut g = c.benchmark_group("gatekeeper");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let all_rego = policy_set(&pairs, EngineChoice::Rego, false);
    bench_set(&mut g, "corpus/rego", &all_rego, &inventory, &reviews);
    bench_set(&mut g, "expanded/rego", &all_rego, &inventory, &expanded);
    for (name, choice) in [
        ("dual/rego", EngineChoice::Rego),
        ("dual/cel", EngineChoice::Cel),
    ] {
        let set = policy_set(&pairs, choice, true);
        bench_set(&mut g, name, &set, &inventory, &expanded);
    }
    g.finish();
}

criterion_group!(benches, library_bench);
criterion_main!(benches);
