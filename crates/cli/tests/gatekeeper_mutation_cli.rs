//! `palisade apply` with Gatekeeper mutators: mutated resources and their diff, validation of
//! the mutated objects, and the exit codes of bad, unsupported and non-converging mutators.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test code: a failed expect is a failed test"
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn apply(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .arg("apply")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.25
"#;

#[test]
fn mutators_run_before_the_constraints_and_the_diff_is_printed() {
    let policies = examples().join("policies/gatekeeper");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), DEPLOYMENT).unwrap();

    // without the mutators the Deployment has no `team` label and is denied
    let out = apply(
        dir.path(),
        &[
            policies.join("template.yaml").to_str().unwrap(),
            policies.join("constraint.yaml").to_str().unwrap(),
            "--resource",
            "deploy.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));

    // with them the label is added first, so the constraint passes
    let out = apply(
        dir.path(),
        &[policies.to_str().unwrap(), "--resource", "deploy.yaml"],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("deployments-need-team  deny    pass"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Deployment/shop/web (mutated):"),
        "{stdout}"
    );
    assert!(stdout.contains("+    team: unassigned"), "{stdout}");
    assert!(
        stdout
            .contains("-        image: nginx:1.25\n+        image: mirror.example.com/nginx:1.25"),
        "{stdout}"
    );
    assert!(stdout.contains("+            - ALL"), "{stdout}");
    assert!(
        stdout.contains("4 mutators, 1 resources mutated"),
        "{stdout}"
    );
}

#[test]
fn json_output_carries_the_mutated_resources() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), DEPLOYMENT).unwrap();
    let policies = examples().join("policies/gatekeeper/mutation");
    let out = apply(
        dir.path(),
        &[
            policies.to_str().unwrap(),
            "--resource",
            "deploy.yaml",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["mutators"], 4);
    assert_eq!(doc["summary"]["mutated"], 1);
    let obj = &doc["mutatedResources"][0];
    assert_eq!(obj["metadata"]["labels"]["team"], "unassigned");
    let container = &obj["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(container["image"], "mirror.example.com/nginx:1.25");
}

#[test]
fn malformed_mutators_exit_2_and_point_at_the_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), DEPLOYMENT).unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: mutations.gatekeeper.sh/v1\nkind: Assign\nmetadata:\n  name: broken\nspec:\n  applyTo:\n  - groups: [apps]\n    versions: [v1]\n    kinds: [Deployment]\n  location: \"spec.template.spec.containers[name: *\"\n  parameters:\n    assign:\n      value: 1\n",
    )
    .unwrap();
    let out = apply(dir.path(), &["bad.yaml", "--resource", "deploy.yaml"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.yaml:1:1"), "{stderr}");
    assert!(stderr.contains("invalid Assign `broken`"), "{stderr}");
    assert!(stderr.contains("expected `]`"), "{stderr}");
}

#[test]
fn external_data_is_a_warning_and_the_mutator_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), DEPLOYMENT).unwrap();
    std::fs::write(
        dir.path().join("ext.yaml"),
        "apiVersion: mutations.gatekeeper.sh/v1\nkind: Assign\nmetadata:\n  name: tagger\nspec:\n  applyTo:\n  - groups: [apps]\n    versions: [v1]\n    kinds: [Deployment]\n  location: \"spec.template.spec.containers[name: *].image\"\n  parameters:\n    assign:\n      externalData:\n        provider: tagger\n",
    )
    .unwrap();
    let out = apply(dir.path(), &["ext.yaml", "--resource", "deploy.yaml"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("externalData"), "{stderr}");
    assert!(!text(&out.stdout).contains("(mutated)"));
}

#[test]
fn a_mutation_that_does_not_converge_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: \"0\"\n",
    )
    .unwrap();
    let step = |name: &str, from: &str, to: &str| {
        format!(
            "apiVersion: mutations.gatekeeper.sh/v1\nkind: Assign\nmetadata:\n  name: {name}\nspec:\n  applyTo:\n  - groups: [\"\"]\n    versions: [v1]\n    kinds: [ConfigMap]\n  location: data.x\n  parameters:\n    assign:\n      value: \"{to}\"\n    assignIf:\n      in: [\"{from}\"]\n"
        )
    };
    let policies = [
        step("a", "0", "2"),
        step("b", "1", "0"),
        step("c", "2", "1"),
    ]
    .join("---\n");
    std::fs::write(dir.path().join("loop.yaml"), policies).unwrap();
    let out = apply(dir.path(), &["loop.yaml", "--resource", "cm.yaml"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("mutation of ConfigMap/c does not converge after 4 passes"),
        "{stderr}"
    );
}
