//! `palisade apply` with Kyverno rules that read other given resources, as `kyverno apply`
//! does: `mutate.targets` patches existing resources, `validate.cel` reads params.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use serde_json::Value;
use std::process::{Command, Output};

fn apply(policy: &str, resources: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    std::fs::write(dir.path().join("resources.yaml"), resources).unwrap();
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args([
            "apply",
            "policy.yaml",
            "--resource",
            "resources.yaml",
            "-o",
            "json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap()
}

#[test]
fn mutate_existing_patches_the_given_targets() {
    let policy = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: label-secrets
spec:
  rules:
  - name: label-on-configmap
    match:
      any:
      - resources:
          kinds: [ConfigMap]
    mutate:
      targets:
      - apiVersion: v1
        kind: Secret
        namespace: "{{ request.object.metadata.namespace }}"
      patchStrategicMerge:
        metadata:
          labels:
            refreshed-by: "{{ request.object.metadata.name }}"
"#;
    let resources = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: trigger, namespace: prod}
---
apiVersion: v1
kind: Secret
metadata: {name: app, namespace: prod}
---
apiVersion: v1
kind: Secret
metadata: {name: other, namespace: dev}
"#;
    let out = apply(policy, resources);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mutated = doc["mutatedResources"].as_array().unwrap();
    let names: Vec<&str> = mutated
        .iter()
        .filter_map(|m| m.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    assert_eq!(names, ["app"], "{doc:#}");
    assert_eq!(mutated[0]["metadata"]["labels"]["refreshed-by"], "trigger");
}

#[test]
fn validate_cel_reads_params_from_the_given_resources() {
    let policy = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: replica-limit
spec:
  validationFailureAction: Enforce
  rules:
  - name: max-replicas
    match:
      any:
      - resources:
          kinds: [Deployment]
    validate:
      cel:
        paramKind:
          apiVersion: rules.example.com/v1
          kind: ReplicaLimit
        paramRef:
          name: limits
          parameterNotFoundAction: Deny
        expressions:
        - expression: "object.spec.replicas <= params.maxReplicas"
          messageExpression: "'at most ' + string(params.maxReplicas) + ' replicas'"
"#;
    let deployment = |name: &str, replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: default}}\n\
             spec: {{replicas: {replicas}}}\n"
        )
    };
    let limits = "apiVersion: rules.example.com/v1\nkind: ReplicaLimit\nmetadata: {name: limits}\nmaxReplicas: 3\n";
    let out = apply(
        policy,
        &[limits, &deployment("small", 2), &deployment("big", 5)].join("---\n"),
    );
    assert_eq!(out.status.code(), Some(1), "Enforce failure exits 1");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = doc.to_string();
    assert!(text.contains("at most 3 replicas"), "{doc:#}");
}
