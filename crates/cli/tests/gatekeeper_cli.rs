//! End-to-end tests of `palisade test` (gator suites) and `palisade apply` (Gatekeeper
//! templates + constraints), on the fixtures of the gatekeeper crate.
#![allow(
    clippy::expect_used,
    reason = "test code: a failed expect is a failed test"
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../gatekeeper/tests/fixtures")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(fixtures())
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn test_runs_every_suite_and_prints_the_summary() {
    let out = run(&["test", "."]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("PASS  team-label/team-label/unlabelled\n"),
        "{text}"
    );
    assert!(
        text.contains("PASS  cel-only/replica-cap/too-many-replicas\n"),
        "{text}"
    );
    let last = text.lines().last().unwrap_or_default();
    assert_eq!(last, "28 passed, 0 failed");
}

#[test]
fn test_exit_codes() {
    // a failing case: exit 1
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = dir.path().join("suite.yaml");
    let template = fixtures().join("namespace-scope/template.yaml");
    let constraint = fixtures().join("namespace-scope/samples/constraint-globs.yaml");
    let object = fixtures().join("namespace-scope/samples/pod-app-web.yaml");
    std::fs::write(
        &suite,
        format!(
            "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: t\n  template: {}\n  constraint: {}\n  cases:\n  - name: wrong-expectation\n    object: {}\n    assertions:\n    - violations: no\n",
            template.display(),
            constraint.display(),
            object.display()
        ),
    )
    .expect("write suite");
    let out = run(&["test", &dir.path().display().to_string()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  "), "{text}");
    assert!(text.trim_end().ends_with("0 passed, 1 failed"), "{text}");
    // unreadable input: exit 2
    let out = run(&["test", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn apply_reports_decisions_and_denies() {
    let out = run(&[
        "apply",
        "namespace-scope/template.yaml",
        "namespace-scope/samples/constraint-globs.yaml",
        "--resource",
        "namespace-scope/samples/pod-app-web.yaml",
        "namespace-scope/samples/pod-kube-system.yaml",
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert_eq!(doc["summary"]["decisions"], 1);
    assert_eq!(doc["summary"]["denied"], 1);
    let result = &doc["results"][0];
    assert_eq!(result["resource"]["namespace"], "app-web");
    assert_eq!(
        result["violations"][0]["message"],
        "[no-latest-in-apps] container <sidecar> uses a :latest image"
    );

    // nothing matches: exit 0
    let out = run(&[
        "apply",
        "namespace-scope/template.yaml",
        "namespace-scope/samples/constraint-globs.yaml",
        "--resource",
        "namespace-scope/samples/pod-kube-system.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // a constraint without its template: exit 2
    let out = run(&[
        "apply",
        "namespace-scope/samples/constraint-globs.yaml",
        "--resource",
        "namespace-scope/samples/pod-app-web.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
