#!/usr/bin/env bash
# Install the plain manifests: generate the serving certificate, store it as a Secret, fill the
# caBundle into the webhook configurations, apply. Needs `palisade` and `kubectl`.
#   deploy/install.sh [--dry-run]     (--dry-run prints the manifests instead of applying them)
set -euo pipefail
cd "$(dirname "$0")"
NS=palisade
SVC=palisade
CERTS=$(mktemp -d)
trap 'rm -rf "$CERTS"' EXIT

CA_BUNDLE=$(palisade certs --dns "$SVC.$NS.svc" --dns "$SVC.$NS.svc.cluster.local" --out "$CERTS" 2>/dev/null)
render() {
    for f in manifests/*.yaml; do
        echo "---"
        sed "s|caBundle: Cg==|caBundle: $CA_BUNDLE|" "$f"
    done
}
if [ "${1:-}" = "--dry-run" ]; then
    render
    exit 0
fi
kubectl apply -f manifests/00-namespace.yaml
kubectl -n "$NS" create secret tls palisade-tls --cert="$CERTS/tls.crt" --key="$CERTS/tls.key" \
    --dry-run=client -o yaml | kubectl apply -f -
render | kubectl apply -f -
kubectl -n "$NS" rollout status deploy/palisade
