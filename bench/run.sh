#!/usr/bin/env bash
# Scan-speed benchmark: palisade vs. the raw YAML parse floor vs. Checkov, same input, same run.
#
#   bench/run.sh                 real-world corpus + synthetic 5/25/50/100 MB corpora + 25/100 MB
#                                cluster dumps (one `kind: List` file of the same kind of
#                                objects, YAML, and JSON for 25 MB); Checkov on the inputs up to
#                                CHECKOV_MAX_MB (default 10)
#   bench/run.sh --no-checkov    skip Checkov (it needs minutes on the large inputs)
#   SIZES="10 20" bench/run.sh   other synthetic sizes (MB); DUMPS="…" likewise for the dumps,
#                                JSON_DUMPS="…" for the same dumps as `kubectl get -o json`
#                                writes them (default 25; needs PyYAML to write)
#   ROUNDS=9 bench/run.sh        rounds of the scan and the floor in turn (default 5; the table
#                                gives medians and the median of the rounds' own ratios)
#
# Needs: cargo, python3, /usr/bin/time (GNU time). Checkov is installed into bench/out/venv
# with pip unless CHECKOV points at an existing binary. Results: bench/out/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
SHARED=../shared/corpora/real-world
SIZES=${SIZES:-"5 25 50 100"}
DUMPS=${DUMPS:-"25 100"}
JSON_DUMPS=${JSON_DUMPS:-"25"}
# Checkov grows super-linearly (about 50 minutes for 3,000 small manifests): only run it on
# inputs up to this size.
CHECKOV_MAX_MB=${CHECKOV_MAX_MB:-10}
CHECKOV_TIMEOUT=${CHECKOV_TIMEOUT:-900}
# Rounds of the scan and the floor in turn (see `paired`)
ROUNDS=${ROUNDS:-5}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a whole number of at least 1" >&2; exit 2; }
RUN_CHECKOV=1
[[ "${1:-}" == "--no-checkov" ]] && RUN_CHECKOV=0

[[ ${SKIP_BUILD:-0} == 1 ]] || cargo build --release --quiet -p palisade -p palisade-source --bin palisade --example parse_floor
PALISADE=target/release/palisade
FLOOR=target/release/examples/parse_floor

if [[ $RUN_CHECKOV == 1 && -z "${CHECKOV:-}" ]]; then
  if [[ ! -x $OUT/venv/bin/checkov ]]; then
    python3 -m venv "$OUT/venv"
    "$OUT/venv/bin/pip" install --quiet checkov==3.3.30
  fi
  CHECKOV=$OUT/venv/bin/checkov
fi

# measure RUNS CMD… -> prints "wall_s peak_rss_kb" of the fastest of RUNS runs (output in last.out)
measure() {
  local runs=$1; shift
  local best_wall="" best_rss=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/last.out" 2> "$OUT/last.err" || true
    read -r wall rss < <(tail -n1 "$OUT/time.txt")
    if [[ -z $best_wall ]] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; best_rss=$rss; fi
  done
  echo "$best_wall $best_rss"
}

# paired DIR -> prints "palisade_wall_s palisade_rss_kb floor_wall_s rate_percent": the scan
# and the floor in turn, ROUNDS times, the order swapped every round, so a drift in the
# machine's speed (it moves by a third between minutes here) hits both alike. Walls and
# RSS are medians; the rate is the median of the rounds' own floor/scan ratios.
paired() {
  local dir=$1 rows=()
  for round in $(seq "$ROUNDS"); do
    local order=(scan floor)
    (( round % 2 == 0 )) && order=(floor scan)
    local scan_wall="" scan_rss="" floor_wall=""
    for what in "${order[@]}"; do
      if [[ $what == scan ]]; then
        read -r scan_wall scan_rss < <(measure 1 "$PALISADE" scan --no-progress -o json "$dir")
        cp "$OUT/last.out" "$OUT/scan.out"
      else
        read -r floor_wall _ < <(measure 1 "$FLOOR" "$dir")
      fi
    done
    rows+=("$scan_wall $scan_rss $floor_wall")
  done
  mv "$OUT/scan.out" "$OUT/last.out"
  printf '%s\n' "${rows[@]}" | python3 -c '
import statistics, sys
rows = [tuple(map(float, line.split())) for line in sys.stdin if line.strip()]
med = lambda xs: statistics.median(xs)
rates = [f / s for s, _, f in rows if s > 0]
print(med([r[0] for r in rows]), int(med([r[1] for r in rows])), med([r[2] for r in rows]),
      f"{100 * med(rates):.0f}%" if rates else "-")'
}

mb() { du -sb "$1" | awk '{printf "%.1f", $1/1e6}'; }
rate() { awk "BEGIN{ if ($2 > 0) printf \"%.1f\", $1/$2; else print \"-\" }"; }

corpora=()
if [[ -d $SHARED ]]; then
  mkdir -p "$OUT/real-world"
  cp -r "$SHARED"/* "$OUT/real-world/"
  corpora+=("$OUT/real-world")
else
  echo "note: $SHARED not found; real-world corpus skipped" >&2
fi
for size in $SIZES; do
  dir=$OUT/synthetic-${size}mb
  [[ -d $dir ]] || python3 bench/gen_corpus.py "$dir" "$size" >/dev/null
  corpora+=("$dir")
done
for size in $DUMPS; do
  dir=$OUT/cluster-dump-${size}mb
  [[ -d $dir ]] || python3 bench/gen_corpus.py --list "$dir" "$size" >/dev/null
  corpora+=("$dir")
done
for size in $JSON_DUMPS; do
  dir=$OUT/cluster-dump-json-${size}mb
  [[ -f $dir/dump.json ]] || python3 bench/gen_corpus.py --json-list "$dir" "$size" >/dev/null
  corpora+=("$dir")
done

{
  echo "# Scan benchmark results"
  echo
  echo "- date: $(date -u +%Y-%m-%d)"
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "- palisade $($PALISADE --version | awk '{print $2}') (release build), all built-in checks + PSS baseline, \`-o json\`"
  echo "- parse floor: the same bytes through a full YAML 1.2 parser (saphyr-parser events, no values), same parallelism: files in parallel, so a cluster dump (one document) on one thread"
  echo "- palisade and the floor run in turn, $ROUNDS rounds, the order swapped every round: their columns are medians, and *rate vs floor* is the median of the rounds' own floor/palisade wall-time ratios"
  echo "- palisade load: the same bytes through Palisade's own loader alone (its block-YAML reader, saphyr for what that declines; values and positions built, no checks, no output), fastest of 3"
  echo "- checkov 3.3.30 \`-d DIR --framework kubernetes\`, only on inputs up to ${CHECKOV_MAX_MB} MB; \`-\` = not run"
  echo
  echo "| corpus | MB | manifests | palisade s | MB/s | manifests/s | peak RSS MB | parse floor s | floor MB/s | rate vs floor | palisade load s | checkov s | checkov RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$OUT/results.md"

for dir in "${corpora[@]}"; do
  size=$(mb "$dir")
  read -r p_wall p_rss f_wall vs_floor < <(paired "$dir")
  manifests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["resourcesScanned"])' "$OUT/last.out" 2>/dev/null || echo "?")
  read -r l_wall _ < <(measure 3 "$FLOOR" --load "$dir")
  c_wall="-"; c_rss="-"
  if [[ $RUN_CHECKOV == 1 ]] && awk "BEGIN{exit !($size <= $CHECKOV_MAX_MB)}"; then
    read -r c_wall c_rss < <(measure 1 timeout "$CHECKOV_TIMEOUT" "$CHECKOV" -d "$dir" --framework kubernetes --quiet --compact -o json)
    c_rss=$(awk "BEGIN{printf \"%.0f\", $c_rss/1024}")
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$(basename "$dir")" "$size" "$manifests" "$p_wall" "$(rate "$size" "$p_wall")" \
    "$(rate "$manifests" "$p_wall")" "$(awk "BEGIN{printf \"%.0f\", $p_rss/1024}")" \
    "$f_wall" "$(rate "$size" "$f_wall")" \
    "$vs_floor" \
    "$l_wall" "$c_wall" "$c_rss" >> "$OUT/results.md"
done

cat "$OUT/results.md"
