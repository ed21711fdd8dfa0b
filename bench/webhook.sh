#!/usr/bin/env bash
# Load benchmark of the admission webhook (`palisade serve`), side by side with the floor.
#
# What it does, all on loopback (127.0.0.1) and bounded in time:
#   1. builds `palisade` and the floor server (crates/server/examples/floor.rs) in release mode;
#   2. generates a CA and serving certificate (`palisade certs`), 100 mixed policies of every
#      dialect: 1 PodSecurityConfiguration; 39 CheckPolicies (different check selections,
#      advisory and mandatory modes, namespace-scoped, namespace-excluding and UPDATE-only
#      matches, Fail and Ignore failure policies); 20 ValidatingAdmissionPolicies with a binding
#      each (Deny, Warn, Audit; half namespace-selected); 20 Gatekeeper constraints over 3
#      templates (2 Rego, 1 CEL; deny, warn, dryrun); 19 Kyverno ClusterPolicies (patterns with
#      autogen, anchors, deny conditions; Enforce and Audit) and 1 Kyverno ValidatingPolicy;
#      10 labelled namespaces, and 8 different AdmissionReviews
#      (compliant and privileged Pods, a Deployment, an insignificant Pod UPDATE, a Service, a
#      Role, a ConfigMap, a Pod without securityContext) that oha sends in turn (-Z);
#   3. starts `palisade serve` (decision logs on, written to /dev/null) and the floor, which
#      answers every request with a fixed AdmissionReview over the same TLS/HTTP stack;
#   4. runs oha at concurrency 1, 8 and 64 against each (HTTP/1.1 keep-alive, TLS 1.3) and
#      prints requests/s and p50/p99 latency side by side;
#   5. soaks `palisade serve` at concurrency 8 for SOAK_SECS and samples its resident memory.
#
# Requirements: oha (`cargo install oha --locked`), python3 (generation and result parsing).
# Knobs (environment): DURATION (per run, default 10s), WARMUP (default 2s),
#   SOAK_SECS (default 600), PORT (default 8443), FLOOR_PORT (default 8444),
#   KEEP=1 keeps the work directory, PALISADE_LOG=warn turns decision logs off,
#   SKIP_BUILD=1 uses the binaries already in target/release, LOG_FILE=path keeps the logs.
# The load generator runs on the same 2 cores as the servers; numbers include that contention.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SOAK_SECS=${SOAK_SECS:-600}
PORT=${PORT:-8443}
FLOOR_PORT=${FLOOR_PORT:-8444}

command -v oha >/dev/null || { echo "oha not found: cargo install oha --locked" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building (release)..." >&2
    cargo build --release -q -p palisade
    cargo build --release -q -p palisade-server --example floor
fi
BIN=target/release/palisade
FLOOR=target/release/examples/floor

WORK=$(mktemp -d /tmp/palisade-webhook-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap cleanup EXIT

"$BIN" certs --dns localhost --out "$WORK/certs" >/dev/null 2>&1
mkdir -p "$WORK/policies"

python3 - "$WORK" <<'PY'
import json, sys, os
work = sys.argv[1]
pol = os.path.join(work, "policies")
with open(os.path.join(pol, "000-pod-security.yaml"), "w") as f:
    f.write("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"
            "defaults: {enforce: baseline, warn: restricted, audit: restricted}\n"
            "exemptions: {usernames: [system:serviceaccount:kube-system:replicaset-controller]}\n")
selections = [["POD"], ["PSR"], ["IMG"], ["SEC"], ["RBAC"], ["NET"], ["WKL"], ["NS"],
              ["POD-001", "POD-004"], ["PSR-001", "PSR-005", "PSR-008"], ["IMG-001", "IMG-002"],
              ["RBAC-002", "RBAC-003"]]
def write(name, docs):
    with open(os.path.join(pol, name), "w") as f:
        f.write("\n---\n".join(json.dumps(d) for d in docs) + "\n")   # JSON is YAML
# 39 CheckPolicies
for i in range(39):
    spec = {"select": selections[i % len(selections)],
            "mode": "mandatory" if i % 3 == 0 else "advisory",
            "failurePolicy": "Fail" if i % 2 == 0 else "Ignore"}
    if i % 3 == 0:
        spec["failOn"] = "critical"
    m = i % 4
    if m == 0:
        spec["match"] = {"namespaces": [f"team-{i % 10}"]}
    elif m == 1:
        spec["match"] = {"excludedNamespaces": [f"team-{i % 10}"]}
    elif m == 2:
        spec["match"] = {"operations": ["UPDATE"]}
    write(f"{i + 1:03}-checks.yaml", [{"apiVersion": "palisade.dev/v1alpha1", "kind": "CheckPolicy",
                                       "metadata": {"name": f"checks-{i:03}"}, "spec": spec}])
# 20 ValidatingAdmissionPolicies, one binding each (Deny, Warn, Audit; some namespace-selected)
vap_rules = [
    ("", "pods", "object.spec.containers.all(c, has(c.resources) && has(c.resources.limits))", "containers need limits"),
    ("", "pods", "!has(object.spec.hostNetwork) || !object.spec.hostNetwork", "no host network"),
    ("apps", "deployments", "object.spec.replicas <= 50", "at most 50 replicas"),
    ("", "services", "!has(object.spec.type) || object.spec.type != 'LoadBalancer'", "no load balancers"),
    ("", "configmaps", "!has(object.data) || size(object.data) < 100", "at most 100 keys"),
]
for i in range(20):
    group, resource, expr, msg = vap_rules[i % len(vap_rules)]
    name = f"vap-{i:03}"
    binding = {"policyName": name, "validationActions": [["Deny"], ["Warn"], ["Audit"]][i % 3]}
    if i % 2:
        binding["matchResources"] = {"namespaceSelector": {"matchExpressions": [
            {"key": "pod-security.kubernetes.io/warn", "operator": "Exists"}]}}
    write(f"{40 + i:03}-vap.yaml", [
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
         "metadata": {"name": name},
         "spec": {"failurePolicy": "Fail" if i % 2 == 0 else "Ignore",
                  "matchConstraints": {"resourceRules": [{"apiGroups": [group], "apiVersions": ["v1"],
                                                          "operations": ["CREATE", "UPDATE"], "resources": [resource]}]},
                  "validations": [{"expression": expr, "message": msg}]}},
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
         "metadata": {"name": name}, "spec": binding}])
# 20 Gatekeeper constraints over 3 templates (Rego and CEL)
write("060-gatekeeper-templates.yaml", [
    {"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate", "metadata": {"name": "k8srequiredlabels"},
     "spec": {"crd": {"spec": {"names": {"kind": "K8sRequiredLabels"}, "validation": {"openAPIV3Schema": {
         "type": "object", "properties": {"labels": {"type": "array", "items": {"type": "string"}}}}}}},
              "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego":
                  "package k8srequiredlabels\n"
                  "violation[{\"msg\": msg}] {\n"
                  "  provided := {l | input.review.object.metadata.labels[l]}\n"
                  "  required := {l | l := input.parameters.labels[_]}\n"
                  "  missing := required - provided\n"
                  "  count(missing) > 0\n"
                  "  msg := sprintf(\"missing labels: %v\", [missing])\n}\n"}]}},
    {"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate", "metadata": {"name": "k8scontainerlimits"},
     "spec": {"crd": {"spec": {"names": {"kind": "K8sContainerLimits"}}},
              "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego":
                  "package k8scontainerlimits\n"
                  "violation[{\"msg\": msg}] {\n"
                  "  c := input.review.object.spec.containers[_]\n"
                  "  not c.resources.limits.memory\n"
                  "  msg := sprintf(\"container %v has no memory limit\", [c.name])\n}\n"}]}},
    {"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate", "metadata": {"name": "k8sblocknodeport"},
     "spec": {"crd": {"spec": {"names": {"kind": "K8sBlockNodePort"}}},
              "targets": [{"target": "admission.k8s.gatekeeper.sh", "code": [{"engine": "K8sNativeValidation", "source": {
                  "validations": [{"expression": "!has(object.spec.type) || object.spec.type != 'NodePort'",
                                   "message": "NodePort services are not allowed"}]}}]}]}},
])
gk_targets = [("K8sRequiredLabels", "", "Pod", {"labels": ["app"]}),
              ("K8sRequiredLabels", "apps", "Deployment", {"labels": ["app"]}),
              ("K8sRequiredLabels", "", "ConfigMap", {"labels": ["owner"]}),
              ("K8sContainerLimits", "", "Pod", None),
              ("K8sBlockNodePort", "", "Service", None)]
for i in range(20):
    kind, group, target, params = gk_targets[i % len(gk_targets)]
    spec = {"enforcementAction": ["deny", "warn", "dryrun"][i % 3] if params != {"labels": ["owner"]} else "dryrun",
            "match": {"kinds": [{"apiGroups": [group], "kinds": [target]}], "excludedNamespaces": ["kube-system"]}}
    if params:
        spec["parameters"] = params
    write(f"{61 + i:03}-gatekeeper.yaml", [{"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
                                            "metadata": {"name": f"gk-{i:03}"}, "spec": spec}])
# 20 Kyverno policies: patterns (autogen to controllers), anchors, deny conditions, a ValidatingPolicy
ky_rules = [
    ("Pod", {"pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}}, "no latest tag"),
    ("Pod", {"pattern": {"spec": {"containers": [{"resources": {"limits": {"memory": "?*"}}}]}}}, "memory limits"),
    ("Pod", {"pattern": {"spec": {"=(hostNetwork)": False, "=(hostPID)": False}}}, "no host namespaces"),
    ("Pod", {"pattern": {"metadata": {"labels": {"app": "?*"}}}}, "app label"),
    ("Service", {"deny": {"conditions": {"any": [{"key": "{{ request.object.spec.type || '' }}",
                                                   "operator": "Equals", "value": "LoadBalancer"}]}}}, "no load balancers"),
]
for i in range(19):
    kind, validate, msg = ky_rules[i % len(ky_rules)]
    validate = dict(validate, message=msg)
    write(f"{81 + i:03}-kyverno.yaml", [{"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": f"kyverno-{i:03}"},
        "spec": {"validationFailureAction": "Enforce" if i % 2 == 0 else "Audit", "background": False,
                 "rules": [{"name": "check", "match": {"any": [{"resources": {"kinds": [kind]}}]},
                            "exclude": {"any": [{"resources": {"namespaces": ["kube-system"]}}]},
                            "validate": validate}]}}])
write("100-kyverno-cel.yaml", [{"apiVersion": "policies.kyverno.io/v1alpha1", "kind": "ValidatingPolicy",
    "metadata": {"name": "kyverno-cel"},
    "spec": {"validationActions": ["Deny"], "matchConstraints": {"resourceRules": [
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]},
             "validations": [{"expression": "object.spec.containers.all(c, !c.image.endsWith(':latest'))",
                              "message": "no latest tag"}]}}])
with open(os.path.join(work, "namespaces.yaml"), "w") as f:
    for i in range(10):
        labels = {"pod-security.kubernetes.io/enforce": "baseline"}
        if i % 2 == 0:
            labels["pod-security.kubernetes.io/warn"] = "restricted"
        if i % 3 == 0:
            labels["pod-security.kubernetes.io/audit"] = "restricted"
        f.write(json.dumps({"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": f"team-{i}", "labels": labels}}) + "\n---\n")

digest = "registry.example/app@sha256:" + "ab" * 32
restricted_sc = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "readOnlyRootFilesystem": True,
                 "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}
def pod(name, ns, sc, labels=None):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": name}},
            "spec": {"automountServiceAccountToken": False, "serviceAccountName": "app",
                     "containers": [{"name": "app", "image": digest, "securityContext": sc,
                                     "resources": {"limits": {"cpu": "1", "memory": "128Mi"},
                                                   "requests": {"cpu": "100m", "memory": "64Mi"}},
                                     "ports": [{"containerPort": 8080}]}]}}
def review(i, op, obj, old=None):
    api = obj["apiVersion"]
    group, version = api.rsplit("/", 1) if "/" in api else ("", api)
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": f"bench-{i}", "kind": {"group": group, "version": version, "kind": obj["kind"]},
        "resource": {"group": group, "version": version, "resource": obj["kind"].lower() + "s"},
        "name": obj["metadata"]["name"], "namespace": obj["metadata"].get("namespace", ""),
        "operation": op, "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": obj, "oldObject": old, "dryRun": False}}
deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "web", "namespace": "team-3", "labels": {"app": "web"}},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod("web", "team-3", restricted_sc)["spec"]}}}
old = pod("api", "team-4", restricted_sc)
new = json.loads(json.dumps(old)); new["metadata"]["labels"]["rev"] = "2"
svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "team-5"},
       "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader", "namespace": "team-6"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]}
cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "team-7"},
      "data": {"LOG_LEVEL": "info", "FEATURE_X": "on"}}
reviews = [review(0, "CREATE", pod("ok", "team-1", restricted_sc)),
           review(1, "CREATE", pod("bad", "team-2", {"privileged": True})),
           review(2, "CREATE", deploy),
           review(3, "UPDATE", new, old),
           review(4, "CREATE", svc),
           review(5, "CREATE", role),
           review(6, "CREATE", cm),
           review(7, "CREATE", pod("plain", "team-8", {}))]
with open(os.path.join(work, "reviews.jsonl"), "w") as f:
    for r in reviews:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY

echo "policies: $(ls "$WORK/policies" | wc -l) files; reviews: $(wc -l < "$WORK/reviews.jsonl") kinds" >&2

# Decision logs are on by default (PALISADE_LOG=info): rendered and written like in production,
# to /dev/null here, because at full load they are ~100 MB/s (one line per policy decision).
# LOG_FILE=path keeps them (mind the disk).
PALISADE_LOG="${PALISADE_LOG:-info}" \
"$BIN" serve --policies "$WORK/policies" --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" \
    --listen "127.0.0.1:$PORT" --namespaces "$WORK/namespaces.yaml" > "${LOG_FILE:-/dev/null}" 2>&1 &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
"$FLOOR" --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --listen "127.0.0.1:$FLOOR_PORT" > "$WORK/floor.log" 2>&1 &
PIDS+=("$!")

ready() {
    oha -n 1 -c 1 --no-tui --ipv4 --cacert "$WORK/certs/ca.crt" --output-format json \
        "https://localhost:$PORT/readyz" 2>/dev/null | grep -q '"200"'
}
for _ in $(seq 1 100); do
    if ready && grep -q "floor listening" "$WORK/floor.log" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
ready || { echo "palisade serve is not ready (policies not loaded?)" >&2; exit 1; }

# One request of each kind, to show what the bench asks and what the webhook answers.
oha -n 8 -c 1 --no-tui --ipv4 --cacert "$WORK/certs/ca.crt" -m POST -T application/json \
    -Z "$WORK/reviews.jsonl" "https://localhost:$PORT/validate" > /dev/null

run() { # name url concurrency duration -> json file
    local out="$WORK/$1-c$3.json"
    oha -z "$WARMUP" -c "$3" --no-tui --ipv4 --cacert "$WORK/certs/ca.crt" -m POST -T application/json \
        -Z "$WORK/reviews.jsonl" "$2" > /dev/null
    oha -z "$4" -c "$3" --no-tui --ipv4 --cacert "$WORK/certs/ca.crt" -m POST -T application/json \
        -Z "$WORK/reviews.jsonl" --output-format json "$2" > "$out"
    echo "$out"
}

RESULTS=()
for c in 1 8 64; do
    RESULTS+=("$(run palisade "https://localhost:$PORT/validate" "$c" "$DURATION")")
    RESULTS+=("$(run floor "https://localhost:$FLOOR_PORT/validate" "$c" "$DURATION")")
done

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }
echo "soak: ${SOAK_SECS}s at c=8..." >&2
RSS_START=$(rss_kb)
SAMPLES=("$RSS_START")
oha -z "${SOAK_SECS}s" -c 8 --no-tui --ipv4 --cacert "$WORK/certs/ca.crt" -m POST -T application/json \
    -Z "$WORK/reviews.jsonl" --output-format json "https://localhost:$PORT/validate" > "$WORK/soak.json" &
OHA_PID=$!
STEP=$(( SOAK_SECS / 10 )); [ "$STEP" -ge 1 ] || STEP=1
while kill -0 "$OHA_PID" 2>/dev/null; do
    sleep "$STEP"
    kill -0 "$SERVE_PID" 2>/dev/null || { echo "palisade serve died during the soak" >&2; exit 1; }
    SAMPLES+=("$(rss_kb)")
done
wait "$OHA_PID"

python3 - "$WORK" "${RESULTS[@]}" <<PY
import json, sys
work, files = sys.argv[1], sys.argv[2:]
def load(p):
    d = json.load(open(p))
    s, lat = d["summary"], d["latencyPercentiles"]
    codes = d.get("statusCodeDistribution", {})
    return s["requestsPerSec"], lat["p50"] * 1e3, lat["p99"] * 1e3, s["successRate"], codes
print("| concurrency | palisade req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms |")
print("|---|---|---|---|---|---|---|")
for i in range(0, len(files), 2):
    p, f = load(files[i]), load(files[i + 1])
    c = files[i].rsplit("-c", 1)[1].split(".")[0]
    print(f"| {c} | {p[0]:,.0f} | {p[1]:.3f} | {p[2]:.3f} | {f[0]:,.0f} | {f[1]:.3f} | {f[2]:.3f} |")
    if p[3] < 1.0 or set(p[4]) != {"200"}:
        print(f"  (palisade c={c}: success rate {p[3]}, status codes {p[4]})")
soak = load(f"{work}/soak.json")
samples = [int(x) for x in "${SAMPLES[*]}".split()]
print()
print(f"soak: ${SOAK_SECS}s at c=8: {soak[0]:,.0f} req/s, p50 {soak[1]:.3f} ms, p99 {soak[2]:.3f} ms")
print(f"palisade serve RSS (MiB) every {max(1, ${SOAK_SECS} // 10)}s: " + ", ".join(f"{s / 1024:.1f}" for s in samples))
print(f"RSS start {samples[0] / 1024:.1f} MiB, end {samples[-1] / 1024:.1f} MiB, max {max(samples) / 1024:.1f} MiB")
PY
