//! `palisade apply` with ValidatingAdmissionPolicy / MutatingAdmissionPolicy documents.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const POLICY: &str = r#"
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-privileged}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}
  validations:
  - expression: "object.spec.containers.all(c, !(c.?securityContext.?privileged.orValue(false)))"
    messageExpression: "'privileged containers: ' + object.spec.containers.filter(c, c.?securityContext.?privileged.orValue(false)).map(c, c.name).join(', ')"
  - expression: "object.spec.containers.all(c, c.image.startsWith(params.data.registry + '/'))"
    message: "images must come from the allowed registry"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: deny}
spec:
  policyName: no-privileged
  validationActions: [Deny]
  paramRef: {name: registry, namespace: policy, parameterNotFoundAction: Deny}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: registry, namespace: policy}
data: {registry: registry.example.com}
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicy
metadata: {name: label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}
  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: "[JSONPatch{op: 'add', path: '/metadata/labels', value: {'checked': 'yes'}}]"
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicyBinding
metadata: {name: label}
spec: {policyName: label}
"#;

const GOOD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: app}
spec:
  containers:
  - {name: web, image: "registry.example.com/web:1"}
"#;

const BAD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: app}
spec:
  containers:
  - {name: web, image: "docker.io/web:1", securityContext: {privileged: true}}
"#;

fn apply(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .arg("apply")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY).unwrap();
    std::fs::write(dir.path().join("good.yaml"), GOOD).unwrap();
    std::fs::write(dir.path().join("bad.yaml"), BAD).unwrap();
    dir
}

#[test]
fn allowed_resources_exit_0_and_show_the_mutation() {
    let dir = setup();
    let out = apply(dir.path(), &["policy.yaml", "--resource", "good.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("no-privileged/deny [policy/registry]"),
        "{stdout}"
    );
    assert!(stdout.contains("label/label"), "{stdout}");
    assert!(stdout.contains("+  labels:"), "{stdout}");
    assert!(stdout.contains("0 denied"), "{stdout}");
}

#[test]
fn denials_exit_1_and_print_every_message() {
    let dir = setup();
    let out = apply(
        dir.path(),
        &["policy.yaml", "--resource", "good.yaml", "bad.yaml"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("privileged containers: web"), "{stdout}");
    assert!(
        stdout.contains("images must come from the allowed registry"),
        "{stdout}"
    );
}

#[test]
fn json_and_yaml_outputs() {
    let dir = setup();
    let out = apply(
        dir.path(),
        &["policy.yaml", "--resource", "bad.yaml", "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["denied"], 1);
    let r = &doc["results"][0];
    assert_eq!(r["allowed"], false);
    assert_eq!(
        r["message"],
        "ValidatingAdmissionPolicy 'no-privileged' with binding 'deny' denied request: privileged containers: web"
    );
    assert_eq!(r["object"]["metadata"]["labels"]["checked"], "yes");

    let out = apply(
        dir.path(),
        &["policy.yaml", "--resource", "bad.yaml", "-o", "yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("---\napiVersion: v1\nkind: Pod\n"),
        "{stdout}"
    );
    assert!(stdout.contains("checked: \"yes\""), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Pod/app/bad: Deny no-privileged/deny: privileged containers: web"),
        "{stderr}"
    );
}

#[test]
fn compile_errors_point_at_the_expression_and_exit_2() {
    let dir = setup();
    std::fs::write(
        dir.path().join("broken.yaml"),
        POLICY.replace(
            "c.image.startsWith(params.data.registry + '/')",
            "c.image.startsWith(parms.data.registry + '/')",
        ),
    )
    .unwrap();
    let out = apply(dir.path(), &["broken.yaml", "--resource", "good.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("undeclared reference to 'parms'"),
        "{stderr}"
    );
    // line 13 of the file, the column of `parms` in the expression
    let line = POLICY.lines().nth(12).unwrap();
    let col = line
        .find("parms")
        .unwrap_or_else(|| line.find("params").unwrap())
        + 1;
    assert!(
        stderr.contains(&format!("broken.yaml:13:{col}")),
        "{stderr}"
    );
}
