#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need when it is missing (redis-server, redis-sentinel, chromium),
# runs every test project, and prints a final "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No build server or reusable MSBuild node may outlive the run: a process left holding CI's output open keeps the
# job waiting after the last test, and a reused node shared between the build and the test run can die under it.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false
# Bounds: no single test may run longer than TEST_HANG_TIMEOUT (the hung test host is stopped and the test named),
# and the whole test run not longer than TEST_RUN_TIMEOUT; either way the summary line below is still printed.
TEST_HANG_TIMEOUT="${TEST_HANG_TIMEOUT:-10m}"
TEST_RUN_TIMEOUT="${TEST_RUN_TIMEOUT:-50m}"

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
k8s_check=""
# The background Kubernetes check (below) is stopped, by its PID, if the run ends early.
# (`|| true`: under set -e a failing kill of a check that already ended would turn the run's exit status into 1.)
trap 'if [ -n "$k8s_check" ]; then kill "$k8s_check" 2>/dev/null || true; fi; rm -rf "$results"' EXIT

status=0
dotnet build Gateway.sln -c Release -warnaserror -nologo -clp:ErrorsOnly || exit 1

# The Kubernetes manifests, rendered and validated offline, then each overlay's pod run from the Release build just
# built (npm packages into a temp dir). About a minute, nearly all of it waiting (npm, drain and reload windows, about
# 20 s of CPU): it runs beside the test assemblies, its output kept and printed after them.
timeout --kill-after=30s 15m bash deploy/k8s-check.sh --no-build </dev/null >"$results/k8s-check.log" 2>&1 &
k8s_check=$!

# The test assemblies run directly under VSTest (no MSBuild nodes), each bounded as said above.
for assembly in tests/*/bin/Release/net*/Gateway.*Tests.dll; do
  [ -e "$assembly" ] || { echo "tests/run.sh: no test assembly was built"; exit 1; }
  timeout --kill-after=30s "$TEST_RUN_TIMEOUT" \
    dotnet test "$assembly" --logger "trx" --results-directory "$results" \
      --blame-hang-timeout "$TEST_HANG_TIMEOUT" --blame-hang-dump-type none "$@" </dev/null || status=$?
done

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

k8s_status=0
wait "$k8s_check" || k8s_status=$?
cat "$results/k8s-check.log"
if [ "$k8s_status" = "0" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

if [ "$status" != "0" ] && [ "$failed" = "0" ]; then
  failed=1 # the run itself failed (crash, fixture error): never report it green
fi

echo "$passed passed, $failed failed"
[ "$failed" = "0" ] && [ "$status" = "0" ]
