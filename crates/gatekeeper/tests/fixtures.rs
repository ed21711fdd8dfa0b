//! Our own gator suites under `tests/fixtures/`: every case must pass, with the built-in CEL
//! engine registered (as `palisade test` runs them). The CEL-only template's cases run on CEL;
//! they are skipped, never evaluated with a stand-in, when Rego is forced or when no CEL engine
//! is registered.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_gatekeeper::{
    CEL_UNAVAILABLE, EngineChoice, EngineOptions, NO_REGO_CODE, Status, SuiteOptions, run_suite,
};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("suite.yaml")
}

fn run(name: &str, choice: EngineChoice) -> Vec<(String, Status, String)> {
    run_with(name, EngineOptions::with_cel_engine(choice).unwrap())
}

fn run_with(name: &str, engine: EngineOptions) -> Vec<(String, Status, String)> {
    let options = SuiteOptions { engine, run: None };
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
fn cel_only_template_runs_on_cel() {
    // params via variables only, messageExpression, matchCondition, DELETE (anyObject),
    // errors as violations under failurePolicy Fail
    for choice in [EngineChoice::Auto, EngineChoice::Cel] {
        let cases = run("cel-only", choice);
        assert_eq!(cases.len(), 5, "{cases:?}");
        let failed: Vec<_> = cases.iter().filter(|c| c.1 != Status::Pass).collect();
        assert!(failed.is_empty(), "cel-only ({choice:?}): {failed:#?}");
    }
}

#[test]
fn cel_only_template_is_skipped_without_cel() {
    let all_skipped = |cases: Vec<(String, Status, String)>, reason: &str| {
        assert_eq!(cases.len(), 5, "{cases:?}");
        for c in &cases {
            assert_eq!((c.1, c.2.as_str()), (Status::Skip, reason), "{c:?}");
        }
    };
    all_skipped(run("cel-only", EngineChoice::Rego), NO_REGO_CODE);
    for choice in [EngineChoice::Auto, EngineChoice::Cel] {
        let no_backend = EngineOptions { choice, cel: None };
        all_skipped(run_with("cel-only", no_backend), CEL_UNAVAILABLE);
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
