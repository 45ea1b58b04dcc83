#!/usr/bin/env bash
# deploy/k8s-check.sh: renders every kustomize overlay offline and validates it, without a cluster.
#
#  1. `kubectl kustomize` renders overlays/dev, overlays/prod, prod with components/servicemonitor, and prod
#     with components/local-jwks (issuer keys from a mounted Secret);
#  2. deploy/k8s/check/validate.mjs checks the rendered YAML: strict schema with kubernetes-types +
#     typescript (`tsc --noEmit` rejects misspelled fields), kubernetes-models' schema validation, and the
#     deployment's invariants (hardening, probes on the gateway's real health paths and port, image
#     contract from deploy/Dockerfile, selectors, secrets by reference, drain timing, HPA, PDB, NetworkPolicy);
#  3. the gateway's own `check-config` accepts each overlay's ConfigMap (Production environment, with the
#     Redis settings the pods get from the Secret);
#  4. deploy/k8s/check/run-pods.mjs runs the Release build as each overlay's pod would (the image's ENV plus the
#     Deployment's env, the ConfigMap laid out as kubelet mounts it; only addresses are replaced by loopback
#     ones) and checks the probes' port, the management listener, metrics where the ServiceMonitor scrapes,
#     JSON logs with trace ids, a ConfigMap symlink-swap reload (valid and invalid), and SIGTERM during a slow
#     request against the Deployment's drain settings; with local-jwks, the Secret volume laid out as kubelet
#     lays it out, its keys loaded, then a kubelet-style swap of the Secret to a rotated JWKS applied. The
#     overlays run in parallel (~30-40 s).
# npm packages go into a temporary directory, removed at the end. Exit code non-zero on any failure.
#
# Usage: bash deploy/k8s-check.sh [--no-build]   (--no-build: the gateway's Release build already exists)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build=1
if [ "${1:-}" = "--no-build" ]; then build=0; fi

WORK="$(mktemp -d -t jwt-gateway-k8s-check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
failed=0

if ! command -v kubectl >/dev/null 2>&1; then
  echo "k8s-check: kubectl (with its built-in kustomize) is required and not installed" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "k8s-check: installing nodejs and npm"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# Installed first and in the background: it is the slow part.
(cd "$WORK" && timeout 300 npm install --prefix "$WORK" --no-audit --no-fund --loglevel=error \
  kubernetes-types@1.30.0 typescript@5.9.3 yaml@2.8.1 kubernetes-models@4.5.1 \
  @kubernetes-models/prometheus-operator@6.0.0 >"$WORK/npm.log" 2>&1) &
npm_pid=$!

# --------------------------------------------------------------------------------------------- render
renders=()
render() { # render NAME DIR
  if kubectl kustomize "$2" >"$WORK/$1.yaml" 2>"$WORK/$1.err"; then
    echo "  ok   kubectl kustomize $2 ($(grep -c '^kind:' "$WORK/$1.yaml") objects)"
    renders+=("$1=$WORK/$1.yaml")
  else
    echo "  FAIL kubectl kustomize $2"; cat "$WORK/$1.err"; failed=1
  fi
}
render dev deploy/k8s/overlays/dev
render prod deploy/k8s/overlays/prod
# The optional ServiceMonitor component, on top of prod.
mkdir -p "$WORK/prod-monitoring"
k8s="$(realpath --relative-to="$WORK/prod-monitoring" "$REPO/deploy/k8s")" # kustomize refuses absolute paths
cat >"$WORK/prod-monitoring/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $k8s/overlays/prod
components:
  - $k8s/components/servicemonitor
EOF
render prod_monitoring "$WORK/prod-monitoring"
# The optional local-jwks component (issuer keys from a mounted Secret), on top of prod.
mkdir -p "$WORK/prod-local-jwks"
cat >"$WORK/prod-local-jwks/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: jwt-gateway
resources:
  - $k8s/overlays/prod
components:
  - $k8s/components/local-jwks
EOF
render prod_local_jwks "$WORK/prod-local-jwks"

# --------------------------------------------------------------------------------- build check-config
GATEWAY_DLL="gateway/bin/Release/net10.0/Gateway.dll"
if [ "$build" = 1 ] || [ ! -f "$GATEWAY_DLL" ]; then
  timeout 300 dotnet build gateway/Gateway.csproj -c Release -nologo -v:q -clp:ErrorsOnly >"$WORK/build.log" 2>&1 \
    || { echo "  FAIL dotnet build gateway"; cat "$WORK/build.log"; exit 1; }
fi

if ! wait "$npm_pid"; then
  echo "  FAIL npm install"; cat "$WORK/npm.log"; exit 1
fi

# ------------------------------------------------------------------------------------------ validate
node deploy/k8s/check/validate.mjs "$REPO" "$WORK" "${renders[@]}" || failed=1

for entry in "${renders[@]}"; do
  name="${entry%%=*}"
  [ -d "$WORK/config-$name" ] || continue
  # The pod's view: the ConfigMap's files, the Secret's values as environment variables, Production.
  mapfile -t secret_env <"$WORK/env-$name"
  if out="$(cd "$WORK" && env -i PATH="$PATH" HOME="$WORK" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
      "${secret_env[@]}" dotnet "$REPO/$GATEWAY_DLL" check-config "$WORK/config-$name" --environment Production 2>&1)"; then
    echo "  ok   $name: check-config on the ConfigMap: ${out##*: }"
  else
    echo "  FAIL $name: check-config on the ConfigMap"; echo "$out"; failed=1
  fi
done

# ------------------------------------------------------------------------------------ run the pods
timeout 240 node deploy/k8s/check/run-pods.mjs "$REPO" "$WORK" "$REPO/$GATEWAY_DLL" "${renders[@]}" || failed=1

if [ "$failed" = 0 ]; then
  echo "k8s-check: passed"
else
  echo "k8s-check: FAILED"
fi
exit "$failed"
