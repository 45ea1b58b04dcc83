#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need when it is missing (redis-server, redis-sentinel, chromium),
# runs every test project, and prints a final "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# What the tests need from the system, installed when missing: redis-server (integration tests), redis-sentinel
# (the Sentinel tests, FleetKeyCacheSentinelTests) and chromium (the CORS and dashboard browser tests drive it through Playwright;
# it fails, never skips, without it).
missing=()
for binary in redis-server redis-sentinel; do
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/bin/$binary" ]; then missing+=("$binary"); fi
done
if [ -z "${GATEWAY_TEST_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "tests/run.sh: installing ${missing[*]} (needed by the integration tests)"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
dotnet build Gateway.sln -c Release -warnaserror -nologo -clp:ErrorsOnly || exit 1
dotnet test Gateway.sln -c Release --no-build --logger "trx" --results-directory "$results" "$@" || status=$?

# dotnet test's own summary is not in a form CI recognizes: count the TRX outcomes ourselves.
passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  p=$(grep -o '<UnitTestResult [^>]*outcome="Passed"' "$trx" | wc -l || true)
  f=$(grep -o '<UnitTestResult [^>]*outcome="Failed"' "$trx" | wc -l || true)
  passed=$((passed + p))
  failed=$((failed + f))
done

# The Kubernetes manifests, rendered and validated offline, then each overlay's pod run from the Release build
# just built (npm packages into a temp dir; about 60-90 s).
if bash deploy/k8s-check.sh --no-build; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

if [ "$status" != "0" ] && [ "$failed" = "0" ]; then
  failed=1 # the run itself failed (crash, fixture error): never report it green
fi

echo "$passed passed, $failed failed"
[ "$failed" = "0" ] && [ "$status" = "0" ]
