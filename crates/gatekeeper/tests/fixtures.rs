//! Our own gator suites under `tests/fixtures/`: every case must pass, except the CEL-only
//! template's, which must be skipped (never evaluated with a stand-in).

use palisade_gatekeeper::{
    CEL_UNAVAILABLE, EngineChoice, EngineOptions, Status, SuiteOptions, run_suite,
};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("suite.yaml")
}

fn run(name: &str, choice: EngineChoice) -> Vec<(String, Status, String)> {
    let options = SuiteOptions {
        engine: EngineOptions { choice, cel: None },
        run: None,
    };
    let report = run_suite(&fixture(name), &options);
    assert!(report.error.is_none(), "{name}: {:?}", report.error);
    report
        .cases
        .into_iter()
        .map(|c| {
            (
                format!("{}/{}", c.test, c.case.unwrap_or_default()),
                c.status,
                c.reason,
            )
        })
        .collect()
}

fn assert_all_pass(name: &str) {
    for choice in [EngineChoice::Auto, EngineChoice::Rego] {
        let cases = run(name, choice);
        assert!(!cases.is_empty(), "{name}: no cases");
        let failed: Vec<_> = cases.iter().filter(|c| c.1 != Status::Pass).collect();
        assert!(failed.is_empty(), "{name} ({choice:?}): {failed:#?}");
    }
}

#[test]
fn team_label_parameters_defaults_libs_and_admission_reviews() {
    assert_all_pass("team-label");
}

#[test]
fn namespace_criteria_selectors_and_autoreject() {
    assert_all_pass("namespace-scope");
}

#[test]
fn multi_body_rules_negation_inventory_and_set_semantics() {
    assert_all_pass("legacy-forms");
}

#[test]
fn cel_only_templates_are_skipped() {
    for choice in [EngineChoice::Auto, EngineChoice::Rego, EngineChoice::Cel] {
        let cases = run("cel-only", choice);
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].1, Status::Skip, "{cases:?}");
        assert_eq!(cases[0].2, CEL_UNAVAILABLE);
    }
}

#[test]
fn run_filter_and_failures_are_reported() {
    let options = SuiteOptions {
        engine: EngineOptions::default(),
        run: Some(palisade_gatekeeper::RunFilter::new("//unlabelled$").unwrap()),
    };
    let report = run_suite(&fixture("team-label"), &options);
    let ran: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.status != Status::Skip)
        .map(|c| c.case.clone().unwrap_or_default())
        .collect();
    assert_eq!(ran, ["unlabelled"]);

    let missing = run_suite(
        Path::new("/nonexistent/suite.yaml"),
        &SuiteOptions::default(),
    );
    assert!(matches!(
        missing.error,
        Some(palisade_gatekeeper::SuiteError::Unreadable(_))
    ));
}
