//! A template's evaluations see only the parts of `input.review` its Rego can read (see
//! `input_reads.rs`). On every template and sample of the Gatekeeper library in
//! `shared/conformance/gatekeeper`, the violations must be exactly those of an evaluation given
//! the whole review; samples include AdmissionReviews (UPDATE and DELETE with `oldObject`).

use palisade_gatekeeper::{
    CompiledTemplate, Constraint, ConstraintTemplate, Inventory, RegoTemplate, Review,
    read_documents,
};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/gatekeeper")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn narrowed_reviews_give_the_same_violations_as_whole_ones() {
    let root = corpus();
    if !root.is_dir() {
        println!(
            "input reads: skipped, corpus not found at {}",
            root.display()
        );
        return;
    }
    let (mut templates, mut narrowed, mut compared) = (0, 0, 0);
    for template_path in yaml_files(&root)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "template.yaml"))
    {
        let Some(dir) = template_path.parent() else {
            continue;
        };
        let Ok(docs) = read_documents(&template_path) else {
            continue;
        };
        let Some(template) = docs
            .iter()
            .find(|d| ConstraintTemplate::is_template(d))
            .and_then(|d| ConstraintTemplate::parse(d).ok())
        else {
            continue;
        };
        let Some(source) = &template.rego else {
            continue;
        };
        let Ok(compiled) = RegoTemplate::compile(&template.name, source) else {
            continue;
        };
        templates += 1;
        if compiled.reads_part_of_the_review() {
            narrowed += 1;
        }
        let whole = compiled.clone().reading_the_whole_review();
        let inventory = Inventory::new();
        let (Ok(mut narrow_eval), Ok(mut whole_eval)) =
            (compiled.evaluator(&inventory), whole.evaluator(&inventory))
        else {
            panic!("{}: no evaluator", template_path.display());
        };
        for sample in yaml_files(&dir.join("samples")) {
            let Some(sample_dir) = sample.parent() else {
                continue;
            };
            let Some(constraint) = read_documents(&sample_dir.join("constraint.yaml"))
                .ok()
                .and_then(|d| d.into_iter().next())
                .and_then(|d| Constraint::parse(&d, &template).ok())
            else {
                continue;
            };
            let Ok(objects) = read_documents(&sample) else {
                continue;
            };
            for object in objects {
                let Ok(review) = Review::from_document(&object) else {
                    continue;
                };
                let narrow = narrow_eval.evaluate(&review, &constraint);
                let full = whole_eval.evaluate(&review, &constraint);
                assert_eq!(narrow, full, "{} on {}", template.name, sample.display());
                compared += 1;
            }
        }
    }
    println!(
        "input reads: {templates} Rego templates, {narrowed} read part of the review; {compared} evaluations compared"
    );
    assert!(compared > 0);
}
