#!/usr/bin/env bash
# Policy-evaluation benchmark over the real-world corpus (../shared/corpora/real-world):
#   - Gatekeeper: the 33 library templates (each with its first sample constraint) via
#     `palisade apply` over the corpus plus one Pod per workload (from its pod template),
#     reporting resource x constraint evaluations per second, Rego and CEL engines;
#   - Kyverno: the whole conformance directory via `palisade test` (target: under 2 s).
# Whole-process wall time, best of 3, release build. usage: bench/policies.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=../shared
[[ -d $SHARED/conformance/gatekeeper && -d $SHARED/corpora/real-world ]] || {
  echo "skipping: ../shared corpora not found"; exit 0; }
[[ ${SKIP_BUILD:-0} == 1 ]] || cargo build --release --quiet -p palisade
P=target/release/palisade
OUT=bench/out/policies
rm -rf "$OUT" && mkdir -p "$OUT/gatekeeper"
n=0
while IFS= read -r suite; do
  dir=$(dirname "$suite")
  constraint=$(find "$dir/samples" -name 'constraint*.yaml' | sort | head -n1)
  [[ -n $constraint ]] || continue
  n=$((n + 1))
  cp "$dir/template.yaml" "$OUT/gatekeeper/t$n.yaml"
  cp "$constraint" "$OUT/gatekeeper/c$n.yaml"
done < <(find "$SHARED/conformance/gatekeeper" -name suite.yaml | sort)

best() { # prints the best wall time of 3 runs of the command
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e" -o "$OUT/t" "$@" > "$OUT/last.out" 2>/dev/null || true
    local t; t=$(tail -n1 "$OUT/t")
    if [[ -z $best ]] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

# The corpus has no bare Pods, so the Pod-only templates (the pod-security ones, the only ones
# with CEL code) would never run: add one Pod per workload, made from its pod template, as
# Gatekeeper's workload expansion does (needs PyYAML; without it the corpus is used as is).
RESOURCES=("$SHARED/corpora/real-world")
CORPUS="real-world corpus"
if python3 - "$SHARED/corpora/real-world" "$OUT/pods.yaml" <<'PY'
import os, sys
try:
    import yaml
except ImportError:
    sys.exit(1)
base = {"Deployment": ["spec", "template"], "StatefulSet": ["spec", "template"],
        "DaemonSet": ["spec", "template"], "ReplicaSet": ["spec", "template"],
        "ReplicationController": ["spec", "template"], "Job": ["spec", "template"],
        "CronJob": ["spec", "jobTemplate", "spec", "template"]}
pods = []
for root, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            docs = list(yaml.safe_load_all(open(os.path.join(root, name))))
        except yaml.YAMLError:
            continue
        for d in docs:
            if not isinstance(d, dict) or d.get("kind") not in base:
                continue
            t = d
            for k in base[d["kind"]]:
                t = t.get(k) if isinstance(t, dict) else None
            if not isinstance(t, dict) or not isinstance(t.get("spec"), dict):
                continue
            meta = dict(t.get("metadata") or {})
            meta["name"] = (d.get("metadata") or {}).get("name", "pod")
            ns = (d.get("metadata") or {}).get("namespace")
            if ns:
                meta["namespace"] = ns
            pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": t["spec"]})
yaml.safe_dump_all(pods, open(sys.argv[2], "w"))
PY
then
  RESOURCES+=("$OUT/pods.yaml")
  CORPUS="real-world corpus + its workloads' Pods"
fi

for engine in rego cel; do
  t=$(best "$P" apply --engine "$engine" -o json "$OUT/gatekeeper" --resource "${RESOURCES[@]}")
  evals=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["summary"]; print(s["pass"] + s["fail"])' "$OUT/last.out" 2>/dev/null || echo "?")
  python3 -c 'import sys; n, e, t = sys.argv[1:4]; print(f"gatekeeper ({sys.argv[4]}): {n} templates x {sys.argv[5]}: {e} evaluations in {t}s = {float(e)/float(t):.0f} evaluations/s (whole process, template compilation included)")' "$n" "$evals" "$t" "$engine" "$CORPUS"
done
t=$(best "$P" test "$SHARED/conformance/kyverno")
echo "kyverno: conformance directory ($(tail -n1 "$OUT/last.out")) in ${t}s"
