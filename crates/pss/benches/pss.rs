//! Per-pod cost of Pod Security evaluation at baseline and restricted `latest` (the API server
//! takes about 4.8 µs per pod).

use criterion::{Criterion, criterion_group, criterion_main};
use palisade_model::PodTemplate;
use palisade_pss::{Level, PreparedPod, Version, evaluate};
use serde_json::{Value, json};
use std::hint::black_box;

/// A realistic restricted-compliant pod: an init container, an app with probes, ports,
/// volumes, and a sidecar
fn compliant() -> Value {
    let hardened = json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": {"drop": ["ALL"]},
    });
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-7d9c6b7f9-abcde",
            "namespace": "shop",
            "labels": {"app": "web", "pod-template-hash": "7d9c6b7f9"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
        },
        "spec": {
            "serviceAccountName": "web",
            "securityContext": {
                "runAsNonRoot": true,
                "runAsUser": 10001,
                "fsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "initContainers": [{
                "name": "migrate",
                "image": "registry.example.com/web:1.4.2",
                "command": ["/app/migrate"],
                "securityContext": hardened,
            }],
            "containers": [
                {
                    "name": "web",
                    "image": "registry.example.com/web:1.4.2",
                    "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}],
                    "env": [{"name": "MODE", "value": "production"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "config", "mountPath": "/etc/web"}],
                    "securityContext": hardened,
                },
                {
                    "name": "proxy",
                    "image": "registry.example.com/proxy:2.0",
                    "ports": [{"containerPort": 8443}],
                    "securityContext": hardened,
                },
            ],
            "volumes": [
                {"name": "tmp", "emptyDir": {}},
                {"name": "config", "configMap": {"name": "web"}},
                {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
            ],
        },
    })
}

/// The same pod with typical violations: root, privileged, host network, added capabilities
fn violating() -> Value {
    let mut pod = compliant();
    if let Some(spec) = pod.get_mut("spec") {
        spec["hostNetwork"] = json!(true);
        spec["securityContext"] = json!({"runAsUser": 0});
        spec["containers"][0]["securityContext"] =
            json!({"privileged": true, "capabilities": {"add": ["NET_ADMIN"]}});
        spec["volumes"][0] = json!({"name": "tmp", "hostPath": {"path": "/tmp"}});
    }
    pod
}

fn bench(c: &mut Criterion) {
    for (name, pod) in [("compliant", compliant()), ("violating", violating())] {
        let Some(template) = PodTemplate::of("Pod", &pod) else {
            continue;
        };
        c.bench_function(&format!("pss/{name}/baseline+restricted latest"), |b| {
            b.iter(|| {
                let t = black_box(&template);
                let base = evaluate(t, Level::Baseline, Version::Latest);
                let strict = evaluate(t, Level::Restricted, Version::Latest);
                black_box((base, strict))
            });
        });
        c.bench_function(
            &format!("pss/{name}/baseline+restricted latest, prepared once"),
            |b| {
                b.iter(|| {
                    let pod = PreparedPod::new(black_box(&template));
                    let base = pod.evaluate(Level::Baseline, Version::Latest);
                    let strict = pod.evaluate(Level::Restricted, Version::Latest);
                    black_box((base, strict))
                });
            },
        );
        c.bench_function(&format!("pss/{name}/restricted latest"), |b| {
            b.iter(|| {
                black_box(evaluate(
                    black_box(&template),
                    Level::Restricted,
                    Version::Latest,
                ))
            });
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
