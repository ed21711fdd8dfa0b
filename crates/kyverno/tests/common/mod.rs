//! Helpers shared by the engine test files.

use palisade_kyverno::Policy;
use palisade_source::{LoadLimits, SourceFile, load_str};

/// A policy from YAML text
#[allow(clippy::expect_used)] // a test helper: a bad fixture should stop the test
pub fn policy(yaml: &str) -> Policy {
    let file = SourceFile::new("policy.yaml", yaml);
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    assert!(diags.is_empty(), "{diags:?}");
    Policy::from_document(&docs[0]).expect("policy")
}
