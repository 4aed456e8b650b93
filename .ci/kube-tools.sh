#!/usr/bin/env bash
# Builds kube-apiserver and kubectl from k8s.io/kubernetes through the Go module proxy, and
# fetches the prometheus-operator CRDs, into a cache directory keyed by their versions.
# Prints that directory on stdout (logs go to stderr). Cold: ~15 minutes on 2 CPUs; warm: instant.
#
# Why from source: Debian has no kube-apiserver and its kubectl (1.20) predates
# `--validate=strict`; the release binaries come from dl.k8s.io, which this CI cannot reach.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.33.13}"
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
CACHE_ROOT="${KUBE_TOOLS_CACHE:-${GOBIN:-/tmp/gobin}/kube}"
dir="$CACHE_ROOT/kubernetes-$KUBE_VERSION-prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"

log() { echo "kube-tools: $*" >&2; }

if [ -x "$dir/bin/kube-apiserver" ] && [ -x "$dir/bin/kubectl" ] && [ -s "$dir/crds/servicemonitors.yaml" ]; then
  echo "$dir"
  exit 0
fi

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$dir/bin" "$dir/crds"

# The CRDs ship in the operator's module zip (example/ has no go.mod of its own).
operator_dir="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
for kind in servicemonitors prometheusrules; do
  cp "$operator_dir/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$dir/crds/$kind.yaml"
done
log "CRDs from prometheus-operator $PROMETHEUS_OPERATOR_VERSION"

if [ ! -x "$dir/bin/kube-apiserver" ] || [ ! -x "$dir/bin/kubectl" ]; then
  log "building kube-apiserver and kubectl $KUBE_VERSION from source (cold: ~15 minutes)"
  src_dir="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp -r "$src_dir" "$work/kubernetes"
  chmod -R u+w "$work/kubernetes"
  cd "$work/kubernetes"
  # The module zip leaves out staging/ (each has its own go.mod): require the published
  # copies of those modules instead, at the matching v0.x version.
  rm -rf vendor go.work go.work.sum
  staging_version="v0.${KUBE_VERSION#v1.}"
  edits=()
  for module in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/src/.*#\1#p' go.mod); do
    edits+=("-dropreplace=$module" "-require=$module@$staging_version")
  done
  [ "${#edits[@]}" -gt 0 ] || { log "no staging replace directives found in go.mod"; exit 1; }
  go mod edit "${edits[@]}"
  minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$work/bin/" ./cmd/kube-apiserver ./cmd/kubectl
  mv "$work/bin/kube-apiserver" "$work/bin/kubectl" "$dir/bin/"
fi
"$dir/bin/kube-apiserver" --version >&2
echo "$dir"
