#!/usr/bin/env bash
# Validate SARIF files with Microsoft's SARIF multitool (the validator GitHub code scanning
# follows). Installs it from the npm registry into target/ci-tools on first use.
# usage: .ci/validate-sarif.sh FILE.sarif…   (exit 1 when any file has validation errors)
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/ci-tools/sarif
bin=$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [[ ! -x $bin ]]; then
  mkdir -p "$tools"
  # The package's postinstall (which marks the binary executable) may be blocked; do it here.
  npm install --silent --no-audit --no-fund --prefix "$tools" @microsoft/sarif-multitool@5.7.0 >/dev/null 2>&1 || true
  [[ -f $bin ]] || { echo "could not install @microsoft/sarif-multitool" >&2; exit 1; }
  chmod +x "$bin"
fi
# The .NET self-contained binary needs ICU unless told to run invariant.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
status=0
for f in "$@"; do
  out=$(mktemp)
  "$bin" validate --level "Error;Warning" --output "$out.sarif" "$f" > "$out" 2>&1 || status=1
  grep -E "error|warning" "$out" | grep -v "^©" | head -20 || true
  # Count the validator's own results at error level rather than trusting its exit code.
  errors=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0].get("results") or []; print(sum(1 for x in r if x.get("level","warning")=="error"))' "$out.sarif" 2>/dev/null || echo 1)
  echo "$f: $errors validation error(s)"
  [[ $errors == 0 ]] || status=1
  rm -f "$out" "$out.sarif"
done
exit $status
