#!/usr/bin/env bash
# Policy-evaluation benchmark over the real-world corpus (../shared/corpora/real-world):
#   - Gatekeeper: the 33 library templates (each with its first sample constraint) via
#     `palisade apply`, reporting resource x constraint evaluations per second;
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

for engine in rego cel; do
  t=$(best "$P" apply --engine "$engine" -o json "$OUT/gatekeeper" --resource "$SHARED/corpora/real-world")
  evals=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["summary"]; print(s["pass"] + s["fail"])' "$OUT/last.out" 2>/dev/null || echo "?")
  python3 -c 'import sys; n, e, t = sys.argv[1:4]; print(f"gatekeeper ({sys.argv[4]}): {n} templates x real-world corpus: {e} evaluations in {t}s = {float(e)/float(t):.0f} evaluations/s (whole process, template compilation included)")' "$n" "$evals" "$t" "$engine"
done
t=$(best "$P" test "$SHARED/conformance/kyverno")
echo "kyverno: conformance directory ($(tail -n1 "$OUT/last.out")) in ${t}s"
