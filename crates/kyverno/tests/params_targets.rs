//! `validate.cel` with `paramKind`/`paramRef` (params from provided resources) and
//! `mutate.targets` (mutate existing resources, offline), through the engine and through
//! `kyverno-test.yaml` suites.

use palisade_kyverno::Policy;
use palisade_kyverno::engine::{self, Admission, RuleStatus};
use palisade_kyverno::testsuite::{Options, Outcome, run_file};
use serde_json::{Value, json};
use std::sync::Arc;

mod common;
use common::policy;

const REPLICA_LIMIT: &str = r#"
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

fn deployment(replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod"},
        "spec": {"replicas": replicas}})
}

fn limit(name: &str, namespace: Option<&str>, max: i64, labels: Value) -> Value {
    let mut meta = json!({"name": name, "labels": labels});
    if let Some(ns) = namespace {
        meta["namespace"] = json!(ns);
    }
    json!({"apiVersion": "rules.example.com/v1", "kind": "ReplicaLimit",
        "metadata": meta, "maxReplicas": max})
}

fn with_params(params: Vec<Value>) -> Admission<'static> {
    Admission {
        param_resources: Arc::new(params),
        ..Admission::default()
    }
}

fn validate(p: &Policy, resource: &Value, adm: &Admission<'_>) -> (RuleStatus, String) {
    let resp = engine::validate(p, resource, adm);
    let rule = &resp.rules[0];
    (rule.status, rule.message.clone())
}

#[test]
fn validate_cel_reads_params_selected_by_name() {
    let p = policy(REPLICA_LIMIT);
    let adm = with_params(vec![limit("limits", None, 3, json!({}))]);
    assert_eq!(validate(&p, &deployment(2), &adm).0, RuleStatus::Pass);
    let (status, message) = validate(&p, &deployment(5), &adm);
    assert_eq!(status, RuleStatus::Fail);
    assert_eq!(message, "at most 3 replicas");
    // a namespaced param in another namespace is not the resource's
    let other_ns = with_params(vec![limit("limits", Some("dev"), 3, json!({}))]);
    let (status, message) = validate(&p, &deployment(2), &other_ns);
    assert_eq!(status, RuleStatus::Error);
    assert!(message.contains("no params found"), "{message}");
    let same_ns = with_params(vec![limit("limits", Some("prod"), 9, json!({}))]);
    assert_eq!(validate(&p, &deployment(5), &same_ns).0, RuleStatus::Pass);
}

#[test]
fn validate_cel_params_by_selector_and_not_found_actions() {
    let by_selector = REPLICA_LIMIT.replace(
        "name: limits\n",
        "selector:\n            matchLabels:\n              tier: web\n",
    );
    let p = policy(&by_selector);
    // every selected param must pass
    let adm = with_params(vec![
        limit("a", None, 10, json!({"tier": "web"})),
        limit("b", None, 4, json!({"tier": "web"})),
        limit("c", None, 1, json!({"tier": "db"})),
    ]);
    assert_eq!(validate(&p, &deployment(3), &adm).0, RuleStatus::Pass);
    assert_eq!(validate(&p, &deployment(5), &adm).0, RuleStatus::Fail);
    // none found: Deny is an error, Allow passes
    assert_eq!(
        validate(&p, &deployment(5), &Admission::default()).0,
        RuleStatus::Error
    );
    let allow = policy(&REPLICA_LIMIT.replace("Deny", "Allow"));
    assert_eq!(
        validate(&allow, &deployment(50), &Admission::default()).0,
        RuleStatus::Pass
    );
}

const LABEL_SECRETS: &str = r#"
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
        name: "app-*"
        namespace: "{{ request.object.metadata.namespace }}"
        preconditions:
          all:
          - key: "{{ target.metadata.labels.skip || '' }}"
            operator: NotEquals
            value: "yes"
      patchStrategicMerge:
        metadata:
          labels:
            refreshed-by: "{{ request.object.metadata.name }}"
            self: "{{ target.metadata.name }}"
"#;

fn secret(name: &str, namespace: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {}})
}

fn configmap() -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "trigger", "namespace": "prod"}, "data": {}})
}

#[test]
fn mutate_targets_patch_selected_existing_resources() {
    let p = policy(LABEL_SECRETS);
    let adm = Admission {
        target_resources: Arc::new(vec![
            secret("app-1", "prod", json!({})),
            secret("app-2", "prod", json!({"skip": "yes"})),
            secret("app-3", "dev", json!({})),
            secret("db", "prod", json!({})),
        ]),
        ..Admission::default()
    };
    let trigger = configmap();
    let resp = engine::mutate(&p, &trigger, &adm);
    // the trigger itself is not changed
    assert_eq!(resp.patched, trigger);
    let rule = &resp.rules[0];
    assert_eq!(rule.status, RuleStatus::Pass, "{}", rule.message);
    assert_eq!(rule.patched_targets.len(), 1, "{:?}", rule.patched_targets);
    assert_eq!(
        rule.patched_targets[0]["metadata"]["labels"],
        json!({"refreshed-by": "trigger", "self": "app-1"})
    );
    assert!(
        rule.message.contains("Secret prod/app-1"),
        "{}",
        rule.message
    );
    // nothing to mutate: the rule is skipped
    let none = engine::mutate(&p, &trigger, &Admission::default());
    assert_eq!(none.rules[0].status, RuleStatus::Skip);
    assert_eq!(none.rules[0].message, "no target resources found");
}

#[test]
#[allow(clippy::expect_used)] // fixture setup
fn kyverno_test_suites_with_param_and_target_resources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    };
    write("replica-limit.yaml", REPLICA_LIMIT);
    write("label-secrets.yaml", LABEL_SECRETS);
    write(
        "resources.yaml",
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: small, namespace: prod}
spec: {replicas: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: prod}
spec: {replicas: 7}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: trigger, namespace: prod}
data: {}
"#,
    );
    write(
        "params.yaml",
        // without a namespace the test loader puts a custom resource in `default`, as Kyverno does
        "apiVersion: rules.example.com/v1\nkind: ReplicaLimit\nmetadata: {name: limits, namespace: prod}\nmaxReplicas: 3\n",
    );
    write(
        "targets.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: app-1, namespace: prod}\ndata: {}\n",
    );
    write(
        "patched.yaml",
        r#"
apiVersion: v1
kind: Secret
metadata:
  name: app-1
  namespace: prod
  labels: {refreshed-by: trigger, self: app-1}
data: {}
"#,
    );
    write(
        "kyverno-test.yaml",
        r#"
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: params-and-targets}
policies: [replica-limit.yaml, label-secrets.yaml]
resources: [resources.yaml]
paramResources: [params.yaml]
targetResources: [targets.yaml]
results:
- {policy: replica-limit, rule: max-replicas, resources: [small], kind: Deployment, result: pass}
- {policy: replica-limit, rule: max-replicas, resources: [big], kind: Deployment, result: fail}
- policy: label-secrets
  rule: label-on-configmap
  resources: [trigger]
  kind: ConfigMap
  patchedResources: patched.yaml
  result: pass
"#,
    );
    let suites = run_file(
        &dir.path().join("kyverno-test.yaml"),
        &Options { strict: false },
    );
    assert_eq!(suites.len(), 1);
    let suite = &suites[0];
    assert!(suite.error.is_none(), "{:?}", suite.error);
    assert_eq!(suite.rows.len(), 3);
    for row in &suite.rows {
        // evaluated, not passed by leniency (an invalid policy's rows are skipped)
        assert!(
            row.checks.iter().any(|c| c.reason == "Ok"),
            "row {}: {:?}",
            row.index,
            row.checks
        );
        assert_eq!(
            row.outcome(),
            Outcome::Pass,
            "row {}: {:?}",
            row.index,
            row.checks
                .iter()
                .map(|c| (&c.reason, &c.message))
                .collect::<Vec<_>>()
        );
    }
    // a patched target that differs from the expectation fails the row
    write(
        "patched.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: app-1, namespace: prod, labels: {self: other}}\ndata: {}\n",
    );
    let suites = run_file(
        &dir.path().join("kyverno-test.yaml"),
        &Options { strict: false },
    );
    let row = &suites[0].rows[2];
    assert_eq!(
        row.outcome(),
        Outcome::Fail,
        "{:?}",
        row.checks
            .iter()
            .map(|c| (&c.reason, &c.message))
            .collect::<Vec<_>>()
    );
}
