//! Admission policy throughput (not a timed test):
//!
//! * `cel/containers_all`: one `containers.all(...)` evaluation with the object viewed in place
//!   vs. converted to CEL values first;
//! * `corpus/50_policies`: 50 ValidatingAdmissionPolicies (the checks people write: security
//!   contexts, images, labels, resources, probes…) against every resource of
//!   `../shared/corpora/real-world` (skipped when absent), reported as binding evaluations/s;
//! * `scale/1024_bindings_one_pod`: 1,024 policies+bindings, 24 of them for Pods, against one
//!   Pod; also prints p50/p99 latency and memory per loaded policy.
//!
//! Run: `cargo bench -p palisade-vap --bench vap`
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "benchmark setup: a failure is a broken benchmark"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palisade_cel::{Activation, CelEnv, Declarations, Limits};
use palisade_model::{Resource, resources_from_document};
use palisade_source::{LoadLimits, SourceFile, load_str};
use palisade_vap::{AdmissionRequest, Options, PolicySet};
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn pod() -> Value {
    let hardened = json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
        "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}});
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-7d9c6b7f9-abcde", "namespace": "shop",
            "labels": {"app": "web", "team": "shop", "pod-template-hash": "7d9c6b7f9"},
            "annotations": {"prometheus.io/scrape": "true"}},
        "spec": {
            "serviceAccountName": "web",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "migrate", "image": "registry.example.com/web:1.4.2", "securityContext": hardened}],
            "containers": [
                {"name": "web", "image": "registry.example.com/web:1.4.2",
                 "ports": [{"name": "http", "containerPort": 8080}],
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                 "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                 "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                 "securityContext": hardened},
                {"name": "proxy", "image": "registry.example.com/proxy:2.0",
                 "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
                 "livenessProbe": {"tcpSocket": {"port": 8443}},
                 "readinessProbe": {"tcpSocket": {"port": 8443}},
                 "securityContext": hardened},
                {"name": "logs", "image": "registry.example.com/logs:3.1",
                 "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
                 "securityContext": hardened}
            ],
            "volumes": [{"name": "tmp", "emptyDir": {}}]
        }
    })
}

fn cel_bench(c: &mut Criterion) {
    let env = CelEnv::kubernetes().expect("env");
    let decls = Declarations {
        roots: vec!["object".into()],
        ..Declarations::default()
    };
    let program = env
        .compile(
            "object.spec.containers.all(c, has(c.securityContext) && c.securityContext.allowPrivilegeEscalation == false && c.image.startsWith('registry.example.com/'))",
            &decls,
        )
        .expect("compile");
    let pod = pod();
    let mut g = c.benchmark_group("cel/containers_all");
    g.bench_function("viewed", |b| {
        b.iter(|| {
            let mut act = Activation::new(&env, Limits::default(), 10_000_000);
            act.bind_json("object", Some(black_box(&pod)));
            black_box(act.eval_bool(&program).expect("eval"))
        });
    });
    g.bench_function("converted", |b| {
        b.iter(|| {
            let mut act = Activation::new(&env, Limits::default(), 10_000_000);
            act.bind_converted("object", black_box(&pod));
            black_box(act.eval_bool(&program).expect("eval"))
        });
    });
    g.finish();
}

/// 50 validations of the kind people write, each its own policy and binding
const CHECKS: &[(&str, &str)] = &[
    (
        "no-privileged",
        "variables.containers.all(c, !c.?securityContext.?privileged.orValue(false))",
    ),
    (
        "no-privilege-escalation",
        "variables.containers.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)",
    ),
    (
        "run-as-non-root",
        "variables.spec.?securityContext.?runAsNonRoot.orValue(false) || variables.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))",
    ),
    (
        "no-root-user",
        "variables.containers.all(c, c.?securityContext.?runAsUser.orValue(1) != 0)",
    ),
    (
        "read-only-root-fs",
        "variables.containers.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false))",
    ),
    (
        "drop-all-caps",
        "variables.containers.all(c, 'ALL' in c.?securityContext.?capabilities.?drop.orValue([]))",
    ),
    (
        "no-added-caps",
        "variables.containers.all(c, c.?securityContext.?capabilities.?add.orValue([]).all(x, x == 'NET_BIND_SERVICE'))",
    ),
    (
        "no-host-network",
        "!variables.spec.?hostNetwork.orValue(false)",
    ),
    ("no-host-pid", "!variables.spec.?hostPID.orValue(false)"),
    ("no-host-ipc", "!variables.spec.?hostIPC.orValue(false)"),
    (
        "no-host-path",
        "variables.spec.?volumes.orValue([]).all(v, !has(v.hostPath))",
    ),
    (
        "no-host-ports",
        "variables.containers.all(c, c.?ports.orValue([]).all(p, p.?hostPort.orValue(0) == 0))",
    ),
    (
        "seccomp",
        "variables.spec.?securityContext.?seccompProfile.?type.orValue('') in ['RuntimeDefault', 'Localhost'] || variables.containers.all(c, c.?securityContext.?seccompProfile.?type.orValue('') in ['RuntimeDefault', 'Localhost'])",
    ),
    (
        "apparmor",
        "!has(object.metadata.annotations) || object.metadata.annotations.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || object.metadata.annotations[k] != 'unconfined')",
    ),
    (
        "selinux",
        "variables.containers.all(c, c.?securityContext.?seLinuxOptions.?type.orValue('') in ['', 'container_t', 'container_init_t', 'container_kvm_t'])",
    ),
    (
        "no-proc-mount",
        "variables.containers.all(c, c.?securityContext.?procMount.orValue('Default') == 'Default')",
    ),
    (
        "safe-sysctls",
        "variables.spec.?securityContext.?sysctls.orValue([]).all(s, s.name in ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range'])",
    ),
    (
        "restricted-volumes",
        "variables.spec.?volumes.orValue([]).all(v, has(v.configMap) || has(v.emptyDir) || has(v.secret) || has(v.projected) || has(v.persistentVolumeClaim) || has(v.downwardAPI) || has(v.csi) || has(v.ephemeral))",
    ),
    (
        "image-tag",
        "variables.containers.all(c, c.image.contains(':') || c.image.contains('@'))",
    ),
    (
        "no-latest",
        "variables.containers.all(c, !c.image.endsWith(':latest'))",
    ),
    (
        "image-registry",
        "variables.containers.all(c, c.image.startsWith('registry.example.com/') || c.image.startsWith('quay.io/') || c.image.startsWith('ghcr.io/'))",
    ),
    (
        "image-digest",
        "variables.containers.all(c, c.image.contains('@sha256:')) || true",
    ),
    (
        "pull-policy",
        "variables.containers.all(c, c.?imagePullPolicy.orValue('IfNotPresent') != 'Never')",
    ),
    (
        "cpu-limits",
        "variables.containers.all(c, has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits)",
    ),
    (
        "memory-limits",
        "variables.containers.all(c, c.?resources.?limits.?memory.hasValue())",
    ),
    (
        "cpu-requests",
        "variables.containers.all(c, c.?resources.?requests.?cpu.hasValue())",
    ),
    (
        "memory-max",
        "variables.containers.all(c, !c.?resources.?limits.?memory.hasValue() || quantity(c.resources.limits.memory).isLessThan(quantity('8Gi')))",
    ),
    (
        "cpu-max",
        "variables.containers.all(c, !c.?resources.?limits.?cpu.hasValue() || quantity(c.resources.limits.cpu).compareTo(quantity('4')) <= 0)",
    ),
    (
        "requests-le-limits",
        "variables.containers.all(c, !c.?resources.?requests.?memory.hasValue() || !c.?resources.?limits.?memory.hasValue() || !quantity(c.resources.requests.memory).isGreaterThan(quantity(c.resources.limits.memory)))",
    ),
    (
        "liveness",
        "variables.containers.all(c, has(c.livenessProbe))",
    ),
    (
        "readiness",
        "variables.containers.all(c, has(c.readinessProbe))",
    ),
    (
        "probe-ports",
        "variables.containers.all(c, !has(c.livenessProbe) || !has(c.livenessProbe.httpGet) || c.livenessProbe.httpGet.port != 22)",
    ),
    (
        "team-label",
        "has(object.metadata.labels) && 'team' in object.metadata.labels",
    ),
    (
        "app-label",
        "object.metadata.?labels.?app.orValue('') != ''",
    ),
    (
        "label-format",
        "object.metadata.?labels.orValue({}).all(k, k.size() <= 63 && !k.startsWith('-'))",
    ),
    (
        "name-format",
        "!format.dns1123Subdomain().validate(object.metadata.name).hasValue()",
    ),
    (
        "no-default-namespace",
        "object.metadata.?namespace.orValue('default') != 'default' || object.kind == 'Namespace'",
    ),
    (
        "sa-token",
        "variables.spec.?automountServiceAccountToken.orValue(true) || true",
    ),
    (
        "no-default-sa",
        "variables.spec.?serviceAccountName.orValue('default') != 'default' || true",
    ),
    (
        "container-names",
        "variables.containers.all(c, c.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))",
    ),
    (
        "unique-ports",
        "variables.containers.map(c, c.?ports.orValue([]).map(p, p.containerPort)).flatten().distinct().size() == variables.containers.map(c, c.?ports.orValue([]).size()).sum()",
    ),
    (
        "env-no-secrets-inline",
        "variables.containers.all(c, c.?env.orValue([]).all(e, !e.name.lowerAscii().contains('password') || has(e.valueFrom)))",
    ),
    ("max-containers", "size(variables.containers) <= 10"),
    (
        "no-windows-hostprocess",
        "variables.containers.all(c, !c.?securityContext.?windowsOptions.?hostProcess.orValue(false))",
    ),
    (
        "prometheus-annotations",
        "!object.metadata.?annotations[?'prometheus.io/scrape'].hasValue() || object.metadata.annotations['prometheus.io/scrape'] in ['true', 'false']",
    ),
    (
        "replicas-max",
        "object.kind == 'Pod' || object.kind == 'DaemonSet' || object.kind == 'Job' || object.?spec.?replicas.orValue(1) <= 50",
    ),
    (
        "strategy",
        "object.kind != 'Deployment' || object.spec.?strategy.?type.orValue('RollingUpdate') in ['RollingUpdate', 'Recreate']",
    ),
    ("no-node-name", "!variables.spec.?nodeName.hasValue()"),
    (
        "tolerations",
        "variables.spec.?tolerations.orValue([]).all(t, t.?key.orValue('') != 'node-role.kubernetes.io/control-plane')",
    ),
    (
        "image-semver",
        "variables.containers.all(c, !c.image.contains(':') || c.image.split(':')[1].size() > 0)",
    ),
];

fn fifty_policies() -> String {
    let mut out = String::new();
    for (name, expr) in CHECKS {
        out.push_str(&format!(
            r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: {name}}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"]}}
    - {{apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]}}
    - {{apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["jobs", "cronjobs"]}}
  variables:
  - name: spec
    expression: "object.kind == 'Pod' ? object.spec : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec"
  - name: containers
    expression: "variables.spec.containers + variables.spec.?initContainers.orValue([])"
  validations:
  - expression: "{}"
    message: "{name} failed"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: {name}}}
spec: {{policyName: {name}, validationActions: [Warn]}}
---
"#,
            expr.replace('"', "\\\"")
        ));
    }
    out
}

fn load_text(name: &str, text: String) -> Vec<Resource> {
    let file = SourceFile::new(name, text);
    let (docs, _) = load_str(&file, &LoadLimits::default());
    docs.into_iter()
        .flat_map(|d| resources_from_document(d).0)
        .collect()
}

fn corpus() -> Option<Vec<Resource>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/real-world");
    if !dir.is_dir() {
        return None;
    }
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let p = e.path();
        if p.extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            && let Ok(text) = std::fs::read_to_string(p)
        {
            out.extend(load_text(&p.to_string_lossy(), text));
        }
    }
    Some(out)
}

fn corpus_bench(c: &mut Criterion) {
    let Some(resources) = corpus() else {
        eprintln!("corpus/50_policies: ../shared/corpora/real-world not found, skipped");
        return;
    };
    let policies = load_text("policies.yaml", fifty_policies());
    let (set, diags) = PolicySet::load(&policies, Vec::new(), Options::default()).expect("load");
    assert!(diags.is_empty(), "{diags:?}");
    let requests: Vec<AdmissionRequest> = resources
        .iter()
        .map(|r| AdmissionRequest::for_object(r.value.clone(), "CREATE", None))
        .collect();
    let evaluations: usize = requests.iter().map(|r| set.validate(r).len()).sum();
    let failing: usize = requests
        .iter()
        .flat_map(|r| set.validate(r))
        .filter(|r| r.verdict != palisade_vap::Verdict::Allow)
        .count();
    eprintln!(
        "corpus/50_policies: {} resources, {} binding evaluations per pass ({failing} with failures)",
        requests.len(),
        evaluations
    );
    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Elements(evaluations as u64));
    g.bench_function("50_policies", |b| {
        b.iter(|| {
            for r in &requests {
                black_box(set.validate(black_box(r)));
            }
        });
    });
    g.finish();
}

fn thousand_bindings() -> String {
    let resources = [
        ("apps", "deployments"),
        ("apps", "statefulsets"),
        ("", "services"),
        ("", "configmaps"),
        ("", "secrets"),
        ("networking.k8s.io", "ingresses"),
        ("batch", "jobs"),
        ("rbac.authorization.k8s.io", "roles"),
    ];
    let mut out = String::new();
    for i in 0..1024 {
        let (group, resource) = if i % 43 == 0 {
            ("", "pods")
        } else {
            resources[i % resources.len()]
        };
        out.push_str(&format!(
            r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: p{i:04}}}
spec:
  matchConstraints:
    resourceRules:
    - {{apiGroups: ["{group}"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["{resource}"]}}
  validations:
  - expression: "object.metadata.?labels.?team.orValue('') != 'banned-{i}' && object.spec.?containers.orValue([]).all(c, !c.image.endsWith(':{i}'))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: b{i:04}}}
spec:
  policyName: p{i:04}
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {{matchExpressions: [{{key: tier, operator: NotIn, values: [system]}}]}}
---
"#
        ));
    }
    out
}

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn scale_bench(c: &mut Criterion) {
    let text = thousand_bindings();
    let policies = load_text("bindings.yaml", text);
    let (set, diags) = PolicySet::load(&policies, Vec::new(), Options::default()).expect("load");
    assert!(diags.is_empty(), "{diags:?}");
    // memory: RSS growth over 8 more loaded copies (the first load may reuse memory freed by
    // parsing, later ones cannot)
    let before = rss_bytes();
    let copies: Vec<PolicySet> = (0..8)
        .map(|_| {
            PolicySet::load(&policies, Vec::new(), Options::default())
                .expect("load")
                .0
        })
        .collect();
    let after = rss_bytes();
    if let (Some(b), Some(a)) = (before, after) {
        eprintln!(
            "scale: memory per loaded policy+binding ≈ {:.1} KiB (RSS +{} KiB for 8 × 1,024)",
            (a.saturating_sub(b)) as f64 / 1024.0 / (8.0 * 1024.0),
            a.saturating_sub(b) / 1024
        );
    }
    drop(copies);
    let req = AdmissionRequest::for_object(pod(), "CREATE", None);
    eprintln!(
        "scale: {} bindings loaded, {} candidates for pods after indexing, {} evaluated",
        set.counts().2,
        set.candidate_count("", "pods"),
        set.validate(&req).len()
    );
    // latency distribution, measured directly
    let mut samples = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let t = Instant::now();
        black_box(set.admit(black_box(&req)));
        samples.push(t.elapsed());
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    eprintln!(
        "scale: admit latency p50 {:?}, p99 {:?}, max {:?}",
        pct(0.5),
        pct(0.99),
        samples.last().copied().unwrap_or_default()
    );
    let mut g = c.benchmark_group("scale");
    g.bench_function("1024_bindings_one_pod", |b| {
        b.iter(|| black_box(set.admit(black_box(&req))));
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = cel_bench, corpus_bench, scale_bench
}
criterion_main!(benches);
