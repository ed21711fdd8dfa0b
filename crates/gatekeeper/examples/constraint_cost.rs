//! Cost of one constraint evaluation in the webhook's pattern: one `Review` per request, then
//! every matching constraint evaluated against it with evaluators kept between requests.
//! Uses the templates of `bench/webhook.sh` (required labels and container limits in Rego, a
//! NodePort ban in CEL) on its compliant Pod and its Service.
//!
//! ```sh
//! cargo run --release -p palisade-gatekeeper --example constraint_cost -- 20000
//! ```
//!
//! Prints µs per request without constraints (building the review) and µs per constraint
//! (the difference with 8 constraints, divided by 8).

use palisade_gatekeeper::{
    Backend, ConstraintTemplate, EngineChoice, EngineOptions, Evaluator, Inventory, PolicySet,
    Review,
};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Instant;

fn templates() -> Vec<Value> {
    let target = "admission.k8s.gatekeeper.sh";
    vec![
        json!({"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
               "metadata": {"name": "k8srequiredlabels"},
               "spec": {"crd": {"spec": {"names": {"kind": "K8sRequiredLabels"}}},
                        "targets": [{"target": target, "rego":
                            "package k8srequiredlabels\nviolation[{\"msg\": msg}] {\n  provided := {l | input.review.object.metadata.labels[l]}\n  required := {l | l := input.parameters.labels[_]}\n  missing := required - provided\n  count(missing) > 0\n  msg := sprintf(\"missing labels: %v\", [missing])\n}\n"}]}}),
        json!({"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
               "metadata": {"name": "k8scontainerlimits"},
               "spec": {"crd": {"spec": {"names": {"kind": "K8sContainerLimits"}}},
                        "targets": [{"target": target, "rego":
                            "package k8scontainerlimits\nviolation[{\"msg\": msg}] {\n  c := input.review.object.spec.containers[_]\n  not c.resources.limits.memory\n  msg := sprintf(\"container %v has no memory limit\", [c.name])\n}\n"}]}}),
        json!({"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
               "metadata": {"name": "k8sblocknodeport"},
               "spec": {"crd": {"spec": {"names": {"kind": "K8sBlockNodePort"}}},
                        "targets": [{"target": target, "code": [{"engine": "K8sNativeValidation",
                            "source": {"validations": [{"expression": "!has(object.spec.type) || object.spec.type != 'NodePort'",
                                                        "message": "NodePort services are not allowed"}]}}]}]}}),
    ]
}

fn constraint(kind: &str, i: usize, params: Option<Value>) -> Value {
    let mut spec = json!({"match": {"excludedNamespaces": ["kube-system"]}});
    if let Some(p) = params {
        spec["parameters"] = p;
    }
    json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
           "metadata": {"name": format!("c-{i}")}, "spec": spec})
}

fn review_of(object: &Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "bench", "kind": {"group": "", "version": "v1", "kind": object["kind"]},
        "resource": {"group": "", "version": "v1", "resource": "x"},
        "name": object["metadata"]["name"], "namespace": object["metadata"]["namespace"],
        "operation": "CREATE", "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": object, "dryRun": false}})
}

/// µs per request reviewing `request` against the first `n` of `constraints`
fn per_request(
    set: &PolicySet,
    evaluators: &mut [(usize, Box<dyn Evaluator>)],
    request: &Value,
    n: usize,
    iterations: u32,
) -> Result<f64, Box<dyn std::error::Error>> {
    let start = Instant::now();
    for _ in 0..iterations {
        let review = Review::from_admission_review(request)?;
        for (ci, ev) in evaluators.iter_mut().take(n) {
            let c = set.constraints().get(*ci).ok_or("no constraint")?;
            black_box(ev.evaluate(&review, c)?);
        }
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u32 = std::env::args().nth(1).map_or(Ok(20000), |n| n.parse())?;
    let options = EngineOptions::with_cel_engine(EngineChoice::Auto)?;
    let mut set = PolicySet::new();
    for t in templates() {
        set.add_template(ConstraintTemplate::parse(&t)?, &options)?;
    }
    for i in 0..4 {
        set.add_constraint(&constraint(
            "K8sRequiredLabels",
            i,
            Some(json!({"labels": ["app"]})),
        ))?;
        set.add_constraint(&constraint("K8sContainerLimits", 4 + i, None))?;
    }
    for i in 0..8 {
        set.add_constraint(&constraint("K8sBlockNodePort", 8 + i, None))?;
    }
    let inventory = Inventory::new();
    let mut compiled = std::collections::HashMap::new();
    for (t, backend) in set.templates() {
        if let Backend::Ready(c) = backend {
            compiled.insert(t.kind.clone(), c.clone());
        }
    }
    // one evaluator per constraint, as a webhook that keeps them would reuse them
    let mut rego = Vec::new();
    let mut cel = Vec::new();
    for (i, c) in set.constraints().iter().enumerate() {
        let ev = compiled
            .get(&c.kind)
            .ok_or("no template")?
            .evaluator(&inventory)?;
        if c.kind == "K8sBlockNodePort" {
            cel.push((i, ev));
        } else {
            rego.push((i, ev));
        }
    }
    let digest = format!("registry.example/app@sha256:{}", "ab".repeat(32));
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "ok", "namespace": "team-1", "labels": {"app": "ok"}},
        "spec": {"automountServiceAccountToken": false, "serviceAccountName": "app",
                 "containers": [{"name": "app", "image": digest,
                    "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true,
                        "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]},
                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "resources": {"limits": {"cpu": "1", "memory": "128Mi"},
                                  "requests": {"cpu": "100m", "memory": "64Mi"}},
                    "ports": [{"containerPort": 8080}]}]}});
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "team-5"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}});
    for (what, request, evaluators) in [
        ("Rego, Pod", review_of(&pod), &mut rego),
        ("CEL, Service", review_of(&svc), &mut cel),
    ] {
        per_request(&set, evaluators, &request, 8, iterations / 10 + 1)?; // warm-up
        let base = per_request(&set, evaluators, &request, 0, iterations)?;
        let full = per_request(&set, evaluators, &request, 8, iterations)?;
        println!(
            "{what}: {base:.2} µs per review without constraints, {:.2} µs per constraint",
            (full - base) / 8.0
        );
    }
    Ok(())
}
