//! End-to-end engine behaviour: statuses and messages as Kyverno reports them, chaining,
//! autogen, generate, and policy errors as diagnostics with file:line:col.

use palisade_kyverno::engine::{self, Admission, RuleStatus};
use palisade_kyverno::validate_policy;
use serde_json::{Value, json};

mod common;
use common::policy;

fn pod(labels: Value, containers: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "labels": labels},
        "spec": {"containers": containers}})
}

const REQUIRE: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  validationFailureAction: Enforce
  rules:
  - name: team
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: "label team is required on {{request.object.metadata.name}}"
      pattern:
        metadata:
          labels:
            team: "?*"
  - name: no-latest
    match:
      any:
      - resources:
          kinds: [Pod]
    preconditions:
      all:
      - key: "{{ request.object.metadata.labels.skip }}"
        operator: NotEquals
        value: "yes"
    validate:
      foreach:
      - list: request.object.spec.containers
        deny:
          conditions:
            any:
            - key: "{{ element.image }}"
              operator: Equals
              value: "*:latest"
"#;

#[test]
fn validate_statuses_and_messages() {
    let p = policy(REQUIRE);
    assert!(validate_policy(&p).is_empty());
    let adm = Admission::default();
    let bad = pod(json!({}), json!([{"name": "c", "image": "nginx:latest"}]));
    let r = engine::validate(&p, &bad, &adm);
    assert_eq!(r.rules.len(), 2);
    assert_eq!(r.rules[0].status, RuleStatus::Fail);
    assert_eq!(
        r.rules[0].message,
        "validation error: label team is required on p. rule team failed at path /metadata/labels/team/"
    );
    assert_eq!(r.rules[1].status, RuleStatus::Fail);
    assert!(
        r.rules[1].message.starts_with("validation failure:"),
        "{}",
        r.rules[1].message
    );

    let good = pod(
        json!({"team": "a"}),
        json!([{"name": "c", "image": "nginx:1.2"}]),
    );
    let r = engine::validate(&p, &good, &adm);
    assert_eq!(r.rules[0].status, RuleStatus::Pass);
    assert_eq!(r.rules[0].message, "validation rule 'team' passed.");
    assert_eq!(r.rules[1].status, RuleStatus::Pass);

    // the precondition's missing label resolves to "" (preconditions tolerate missing keys);
    // with `skip: yes` the precondition fails and the rule is skipped
    let skipped = pod(
        json!({"team": "a", "skip": "yes"}),
        json!([{"name": "c", "image": "x"}]),
    );
    let r = engine::validate(&p, &skipped, &adm);
    assert_eq!(r.rules[1].status, RuleStatus::Skip);
    assert!(r.rules[1].message.starts_with("preconditions not met"));
}

#[test]
fn deny_with_missing_key_is_an_error() {
    let p = policy(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  background: false
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      deny:
        conditions:
          all:
          - key: "{{ request.object.metadata.annotations.owner }}"
            operator: Equals
            value: ""
"#,
    );
    let r = engine::validate(&p, &pod(json!({}), json!([])), &Admission::default());
    assert_eq!(r.rules[0].status, RuleStatus::Error);
    assert!(
        r.rules[0]
            .message
            .starts_with("failed to check deny conditions"),
        "{}",
        r.rules[0].message
    );
}

#[test]
fn autogen_rules_apply_to_controllers() {
    let p = policy(REQUIRE);
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {"template": {"metadata": {"labels": {"team": "x"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}}}});
    let r = engine::validate(&p, &deploy, &Admission::default());
    let names: Vec<&str> = r.rules.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["autogen-team", "autogen-no-latest"]);
    assert_eq!(r.rules[0].status, RuleStatus::Pass);
    assert_eq!(r.rules[1].status, RuleStatus::Fail);
}

#[test]
fn mutations_chain_before_validation() {
    let m = policy(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-team}
spec:
  rules:
  - name: add
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            +(team): platform
"#,
    );
    let v = policy(REQUIRE);
    let bad = pod(json!({}), json!([{"name": "c", "image": "nginx:1"}]));
    let out = engine::apply_policies(&[&m, &v], &bad, &Admission::default());
    assert_eq!(out[0].rules[0].status, RuleStatus::Pass);
    assert_eq!(out[0].patched["metadata"]["labels"]["team"], "platform");
    // validation sees the mutated resource
    assert_eq!(out[1].rules[0].status, RuleStatus::Pass);
    // already present: +() does not overwrite, nothing changes: skip
    let out = engine::apply_policies(
        &[&m],
        &pod(json!({"team": "a"}), json!([])),
        &Admission::default(),
    );
    assert_eq!(out[0].rules[0].status, RuleStatus::Skip);
}

#[test]
fn generate_data_offline() {
    let g = policy(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: default-deny}
spec:
  rules:
  - name: netpol
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      name: default-deny
      namespace: "{{request.object.metadata.name}}"
      data:
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
"#,
    );
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}});
    let r = engine::generate(&g, &ns, &Admission::default());
    assert_eq!(r.rules[0].status, RuleStatus::Pass);
    let np = &r.rules[0].generated[0];
    assert_eq!(np["kind"], "NetworkPolicy");
    assert_eq!(np["metadata"]["namespace"], "team-a");
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
}

#[test]
fn pod_security_subrule() {
    let p = policy(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pss}
spec:
  rules:
  - name: baseline
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      podSecurity:
        level: baseline
        version: latest
"#,
    );
    let priv_pod = pod(
        json!({}),
        json!([{"name": "c", "image": "x", "securityContext": {"privileged": true}}]),
    );
    let r = engine::validate(&p, &priv_pod, &Admission::default());
    assert_eq!(r.rules[0].status, RuleStatus::Fail);
    assert!(
        r.rules[0]
            .message
            .contains("It violates PodSecurity \"baseline:latest\""),
        "{}",
        r.rules[0].message
    );
    let ok = pod(json!({}), json!([{"name": "c", "image": "x"}]));
    assert_eq!(
        engine::validate(&p, &ok, &Admission::default()).rules[0].status,
        RuleStatus::Pass
    );
}

#[test]
fn policy_errors_are_diagnostics_with_positions() {
    let p = policy(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: bad}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: \"{{ request.object.metadata.[ }}\"\n      pattern:\n        metadata:\n          (name: x\n",
    );
    let diags = validate_policy(&p);
    let anchor = diags
        .iter()
        .find(|d| d.code == "kyverno-unknown-anchor")
        .expect("anchor diagnostic");
    assert_eq!(anchor.file, "policy.yaml");
    let pos = anchor.position.expect("position");
    assert_eq!((pos.line, pos.column), (12, 11));
    // JMESPath syntax errors are reported once the structure is valid
    let p = policy(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: bad}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: \"{{ request.object.metadata.[ }}\"\n      pattern:\n        metadata: {}\n",
    );
    let diags = validate_policy(&p);
    let jp = diags
        .iter()
        .find(|d| d.code == "kyverno-jmespath-syntax")
        .expect("jmespath diagnostic");
    let pos = jp.position.expect("position");
    assert_eq!(pos.line, 9, "{jp}");
}
